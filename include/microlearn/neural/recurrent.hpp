// Float32 recurrent layers over a sequence x (1, T, C), as Keras computes
// them: SIMPLE_RNN, GRU (reset_after true and false) and LSTM. Weights as
// Keras stores them: kernel W (C, G * units), recurrent kernel U (units,
// G * units), bias (G * units), or (2, 3 * units) for GRU with reset_after
// (the input bias, then the recurrent one); gate order GRU z, r, h and LSTM
// i, f, c, o.
//
// The state (h; LSTM h then c; GRU reset_after=false h then r * h) is a
// tensor of its own (Location::state): a stateful layer carries it from one
// call to the next (streaming one step at a time), others zero it at the start
// of each call. The new h of a step goes to the output (the step's row of a
// sequence output, or the (units,) output), then into the state, so no
// further scratch is needed; the output must not share bytes with x or the
// state (the memory plan guarantees it: recurrent ops never run in place).
//
// Each unit's gates are dot products with columns of W and U (stride
// G * units), all gates of a unit in one pass over x and h.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../kernels.hpp"
#include "../math.hpp"
#include "../status.hpp"
#include "float_ops.hpp"
#include "model.hpp"

namespace microlearn {
namespace neural {
namespace recurrent {

// The activations a recurrent layer may use (the op's int parameters).
enum class Act : int32_t { linear = 0, relu = 1, sigmoid = 2, tanh = 3, hard_sigmoid = 4, count };

inline float activate(Act a, float v) {
    switch (a) {
        case Act::relu: return v > 0.0f ? v : 0.0f;
        case Act::sigmoid: return math::logistic(v);
        case Act::tanh: return kernels::tanh(v);
        case Act::hard_sigmoid: return float_ops::hard_sigmoid(v);
        default: return v;
    }
}

// The op's int parameters, in this order (writer.py writes them so).
enum IntParam : uint32_t {
    i_units, i_activation, i_recurrent_activation, i_reset_after, i_return_sequences, i_stateful, i_count
};

struct Layer {
    uint32_t steps, in, units;
    Act act, rec_act;        // rec_act: the gates' (GRU, LSTM)
    bool reset_after;        // GRU
    bool sequences;          // output every step's h, else the last
};

// g[k] = sum_i v[i] M[i, k * units + j] for the G <= 4 gates k of unit j
// (M row-major with `cols` columns), each summed in index order. Written out
// per gate, with G a template parameter, so that the sums stay in registers
// (at -Os compilers keep a loop over the gates, and the sums in memory).
template <uint32_t G>
inline void gate_dots(const float* v, uint32_t n, const float* M, uint32_t cols, uint32_t units, uint32_t j,
                      float* g) {
    static_assert(G >= 1 && G <= 4, "1 to 4 gates");
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    const float* row = M + j;
    for (uint32_t i = 0; i < n; ++i, row += cols) {
        const float vi = v[i];
        s0 += vi * row[0];
        if (G > 1) s1 += vi * row[units];
        if (G > 2) s2 += vi * row[2 * units];
        if (G > 3) s3 += vi * row[3 * units];
    }
    g[0] = s0;
    if (G > 1) g[1] = s1;
    if (G > 2) g[2] = s2;
    if (G > 3) g[3] = s3;
}

// SIMPLE_RNN: h = act(x_t W + h U + b).
inline void simple_rnn(const Layer& L, const float* x, const float* W, const float* U, const float* b, float* h,
                       float* y) {
    for (uint32_t t = 0; t < L.steps; ++t, x += L.in) {
        float* out = L.sequences ? y + size_t(t) * L.units : y;
        for (uint32_t j = 0; j < L.units; ++j) {
            float gx, gh;
            gate_dots<1>(x, L.in, W, L.units, L.units, j, &gx);
            gate_dots<1>(h, L.units, U, L.units, L.units, j, &gh);
            out[j] = activate(L.act, (gx + b[j]) + gh);
        }
        for (uint32_t j = 0; j < L.units; ++j) h[j] = out[j];
    }
}

// GRU. reset_after: hh = act(x W_h + b_h + r (h U_h + b'_h)), else
// hh = act(x W_h + b_h + (r h) U_h) (r h for every unit first, kept in
// state[units ..]); z, r = rec_act(x W + b + h U (+ b')); h = z h + (1 - z) hh.
inline void gru(const Layer& L, const float* x, const float* W, const float* U, const float* b, float* state,
                float* y) {
    const uint32_t u = L.units;
    float* h = state;
    float* rh = state + u;                          // reset_after = false
    const float* bh = L.reset_after ? b + 3 * u : nullptr;  // the recurrent bias
    float gx[3], gh[3];
    for (uint32_t t = 0; t < L.steps; ++t, x += L.in) {
        float* out = L.sequences ? y + size_t(t) * u : y;
        if (!L.reset_after) {
            for (uint32_t j = 0; j < u; ++j) {  // r (columns u + j) times h
                gate_dots<1>(x, L.in, W + u, 3 * u, u, j, gx);
                gate_dots<1>(h, u, U + u, 3 * u, u, j, gh);
                rh[j] = activate(L.rec_act, (gx[0] + b[u + j]) + gh[0]) * h[j];
            }
        }
        for (uint32_t j = 0; j < u; ++j) {
            gate_dots<3>(x, L.in, W, 3 * u, u, j, gx);
            float z, hh;
            if (L.reset_after) {
                gate_dots<3>(h, u, U, 3 * u, u, j, gh);
                z = activate(L.rec_act, (gx[0] + b[j]) + (gh[0] + bh[j]));
                const float r = activate(L.rec_act, (gx[1] + b[u + j]) + (gh[1] + bh[u + j]));
                hh = activate(L.act, (gx[2] + b[2 * u + j]) + r * (gh[2] + bh[2 * u + j]));
            } else {
                gate_dots<1>(h, u, U, 3 * u, u, j, gh);
                z = activate(L.rec_act, (gx[0] + b[j]) + gh[0]);
                gate_dots<1>(rh, u, U + 2 * u, 3 * u, u, j, gh + 2);  // the candidate's columns of U
                hh = activate(L.act, (gx[2] + b[2 * u + j]) + gh[2]);
            }
            out[j] = z * h[j] + (1.0f - z) * hh;
        }
        for (uint32_t j = 0; j < u; ++j) h[j] = out[j];
    }
}

// LSTM: [i f c o] = x W + h U + b; c = rec_act(f) c + rec_act(i) act(c~);
// h = rec_act(o) act(c).
inline void lstm(const Layer& L, const float* x, const float* W, const float* U, const float* b, float* state,
                 float* y) {
    const uint32_t u = L.units;
    float* h = state;
    float* c = state + u;
    float gx[4], gh[4];
    for (uint32_t t = 0; t < L.steps; ++t, x += L.in) {
        float* out = L.sequences ? y + size_t(t) * u : y;
        for (uint32_t j = 0; j < u; ++j) {
            gate_dots<4>(x, L.in, W, 4 * u, u, j, gx);
            gate_dots<4>(h, u, U, 4 * u, u, j, gh);
            const float i = activate(L.rec_act, (gx[0] + gh[0]) + b[j]);
            const float f = activate(L.rec_act, (gx[1] + gh[1]) + b[u + j]);
            const float cc = activate(L.act, (gx[2] + gh[2]) + b[2 * u + j]);
            const float o = activate(L.rec_act, (gx[3] + gh[3]) + b[3 * u + j]);
            c[j] = f * c[j] + i * cc;
            out[j] = o * activate(L.act, c[j]);
        }
        for (uint32_t j = 0; j < u; ++j) h[j] = out[j];
    }
}

// Gates per unit, and state floats per unit.
inline uint32_t n_gates(OpKind k) { return k == OpKind::simple_rnn ? 1 : k == OpKind::gru ? 3 : 4; }

inline uint32_t state_per_unit(OpKind k, bool reset_after) {
    return k == OpKind::lstm || (k == OpKind::gru && !reset_after) ? 2 : 1;
}

// The layer's shapes from its tensors x, W, U, bias, state, y and int params.
inline Layer layer(const Op& o, const Tensor& x) {
    Layer L;
    L.steps = x.dims[1], L.in = x.dims[2];
    L.units = uint32_t(o.ints[i_units]);
    L.act = static_cast<Act>(o.ints[i_activation]);
    L.rec_act = static_cast<Act>(o.ints[i_recurrent_activation]);
    L.reset_after = o.ints[i_reset_after] != 0;
    L.sequences = o.ints[i_return_sequences] != 0;
    return L;
}

// load()'s checks of a recurrent op: its params, and every shape the kernels
// rely on (dtypes are checked by check_op for every float op).
inline Status check(const Model& m, const Op& o) {
    if (o.n_inputs != 5 || o.n_ints != i_count || o.n_floats != 0) return Status::bad_parameter;
    const int32_t* p = o.ints;
    if (p[i_units] < 1 || uint32_t(p[i_units]) > kMaxDim) return Status::bad_parameter;
    for (uint32_t k = i_activation; k <= i_recurrent_activation; ++k)
        if (p[k] < 0 || p[k] >= int32_t(Act::count)) return Status::bad_parameter;
    for (uint32_t k = i_reset_after; k <= i_stateful; ++k)
        if (p[k] != 0 && p[k] != 1) return Status::bad_parameter;
    if (o.kind != OpKind::gru && p[i_reset_after] != 0) return Status::bad_parameter;
    const Tensor x = tensor(m, o.inputs[0], nullptr), W = tensor(m, o.inputs[1], nullptr);
    const Tensor U = tensor(m, o.inputs[2], nullptr), b = tensor(m, o.inputs[3], nullptr);
    const Tensor s = tensor(m, o.inputs[4], nullptr), y = tensor(m, o.outputs[0], nullptr);
    const uint32_t* sr = detail::tensor_record(m, o.inputs[4]);
    if (static_cast<Location>(sr[t_location]) != Location::state) return Status::bad_parameter;
    for (uint32_t k = 1; k <= 3; ++k)
        if (static_cast<Location>(detail::tensor_record(m, o.inputs[k])[t_location]) != Location::constant)
            return Status::bad_parameter;
    const Layer L = layer(o, x);
    const uint64_t cols = uint64_t(n_gates(o.kind)) * L.units;
    const bool two_biases = o.kind == OpKind::gru && L.reset_after;
    if (x.rank != 3 || x.dims[0] != 1 || W.rank != 2 || U.rank != 2) return Status::size_mismatch;
    if (W.dims[0] != L.in || W.dims[1] != cols || U.dims[0] != L.units || U.dims[1] != cols) return Status::size_mismatch;
    if (b.count != (two_biases ? 2 : 1) * cols) return Status::size_mismatch;
    if (s.count != uint64_t(state_per_unit(o.kind, L.reset_after)) * L.units) return Status::size_mismatch;
    if (y.count != (L.sequences ? uint64_t(L.steps) * L.units : L.units) || y.channels() != L.units)
        return Status::size_mismatch;
    return Status::ok;
}

// Multiply-accumulates per call: T steps of G gates of every unit over x and h.
inline uint64_t macs(const Model& m, const Op& o) {
    const Layer L = layer(o, tensor(m, o.inputs[0], nullptr));
    return uint64_t(L.steps) * n_gates(o.kind) * L.units * (L.in + L.units);
}

// Runs a checked recurrent op with its tensors in `arena`.
inline void run(const Model& m, const Op& o, uint8_t* arena) {
    const Tensor x = tensor(m, o.inputs[0], arena), s = tensor(m, o.inputs[4], arena);
    const Layer L = layer(o, x);
    if (o.ints[i_stateful] == 0)
        for (uint32_t k = 0; k < s.count; ++k) s.f32()[k] = 0.0f;
    const float* W = tensor(m, o.inputs[1], arena).f32();
    const float* U = tensor(m, o.inputs[2], arena).f32();
    const float* b = tensor(m, o.inputs[3], arena).f32();
    float* y = tensor(m, o.outputs[0], arena).f32();
    switch (o.kind) {
        case OpKind::simple_rnn: simple_rnn(L, x.f32(), W, U, b, s.f32(), y); break;
        case OpKind::gru: gru(L, x.f32(), W, U, b, s.f32(), y); break;
        default: lstm(L, x.f32(), W, U, b, s.f32(), y); break;
    }
}

}  // namespace recurrent
}  // namespace neural
}  // namespace microlearn
