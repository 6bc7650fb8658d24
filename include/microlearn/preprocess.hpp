// Preprocessing stored in a model file: a chain of steps applied to the raw
// features before the family's engine sees them (a scikit-learn Pipeline's
// scalers, projections, column selections, ...). docs/preprocessing.md
// describes the steps, docs/model-format.md the sections.
//
// The chain is a container part of the .mlm file, the same for every family:
//   section_preprocess_steps   u32[5 n_steps]: per step op, n_in, n_out, arg, offset
//   section_preprocess_params  f32: the steps' parameters, `offset` into it
//   section_preprocess_indices u32: column indices of select steps
// load() validates every size, index and parameter once (n_in of each step
// is n_out of the one before; the last n_out is the family's n_features);
// apply() then runs unchecked into caller scratch and allocates nothing.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

namespace microlearn {
namespace preprocess {

enum class Op : uint32_t {
    affine = 1,     // y_i = (x_i - c_i) * s_i; params c[n], s[n]
    select = 2,     // y_j = x_{idx[j]}; indices idx[n_out] < n_in
    project = 3,    // y_j = sum_i W[j, i] (x_i - mean_i); params [mean[n_in] if arg], W[n_out, n_in]
    normalize = 4,  // y = x / norm(x) (x unchanged when the norm is 0); arg 0 l1, 1 l2, 2 max
    poly2 = 5,      // [1 if arg&1], x, x_i x_j for i <= j (i < j if arg&2), scikit-learn's order
};

constexpr uint32_t kStepWords = 5;
// Widths are capped so that every size product below fits in 64 bits and
// every count fits the 32-bit offsets of the file.
constexpr uint32_t kMaxWidth = 1u << 24;

struct Step {
    Op op;
    uint32_t n_in, n_out, arg;
    const float* params;      // affine, project
    const uint32_t* indices;  // select
};

struct Chain {
    const uint32_t* steps = nullptr;  // kStepWords per step, validated
    const float* params = nullptr;
    const uint32_t* indices = nullptr;
    uint32_t n_steps = 0;     // 0: no preprocessing
    uint32_t n_inputs = 0;    // raw width (what the caller passes)
    uint32_t n_outputs = 0;   // width the family's engine takes
    uint32_t scratch_size = 0;  // floats apply() needs
    uint32_t centered = 0;      // where in scratch a projection centres its input
};

inline Step step(const Chain& c, uint32_t i) {
    const uint32_t* w = c.steps + i * kStepWords;
    return Step{static_cast<Op>(w[0]), w[1], w[2], w[3], c.params + w[4], c.indices + w[4]};
}

// Output width of poly2 over n inputs (n <= kMaxWidth: no overflow in 64 bits).
inline uint64_t poly2_width(uint64_t n, uint32_t arg) {
    const uint64_t pairs = (arg & 2) ? n * (n - 1) / 2 : n * (n + 1) / 2;
    return (arg & 1) + n + pairs;
}

// Loads the chain of a validated file. No chain in the file: ok, n_steps 0,
// n_inputs = n_outputs = n_features. `n_features` is what the family's
// engine takes: the chain's last output width must equal it.
inline Status load(const ModelFile& f, uint32_t n_features, Chain& out) {
    out = Chain{};
    out.n_inputs = out.n_outputs = n_features;
    Span<uint32_t> steps, indices;
    Span<float> params;
    Status st = f.section(section_preprocess_steps, steps, true);
    if (st == Status::ok) st = f.section(section_preprocess_params, params, true);
    if (st == Status::ok) st = f.section(section_preprocess_indices, indices, true);
    if (st != Status::ok) return st;
    if (steps.data == nullptr) return (params.data || indices.data) ? Status::bad_section : Status::ok;
    if (steps.size == 0 || steps.size % kStepWords != 0) return Status::size_mismatch;
    for (size_t i = 0; i < params.size; ++i)
        if (!math::is_finite(params[i])) return Status::bad_parameter;

    Chain c;
    c.steps = steps.data;
    c.params = params.data;
    c.indices = indices.data;
    c.n_steps = static_cast<uint32_t>(steps.size / kStepWords);
    uint32_t widest = 0, center = 0;
    for (uint32_t i = 0; i < c.n_steps; ++i) {
        const uint32_t* w = steps.data + i * kStepWords;
        const uint32_t n_in = w[1], n_out = w[2], arg = w[3];
        const uint64_t offset = w[4];
        if (n_in == 0 || n_out == 0 || n_in > kMaxWidth || n_out > kMaxWidth) return Status::bad_parameter;
        if (i == 0) c.n_inputs = n_in;
        else if (n_in != c.n_outputs) return Status::size_mismatch;
        uint64_t n_params = 0;  // floats the step reads from params
        switch (static_cast<Op>(w[0])) {
            case Op::affine:
                if (n_out != n_in) return Status::size_mismatch;
                if (arg != 0) return Status::bad_parameter;
                n_params = 2ull * n_in;
                break;
            case Op::select:
                if (arg != 0) return Status::bad_parameter;
                if (offset + n_out > indices.size) return Status::out_of_range;
                for (uint32_t j = 0; j < n_out; ++j)
                    if (indices[offset + j] >= n_in) return Status::out_of_range;
                break;
            case Op::project:
                if (arg > 1) return Status::bad_parameter;
                n_params = (arg ? n_in : 0) + uint64_t(n_out) * n_in;
                if (arg && n_in > center) center = n_in;
                break;
            case Op::normalize:
                if (n_out != n_in) return Status::size_mismatch;
                if (arg > 2 || offset != 0) return Status::bad_parameter;
                break;
            case Op::poly2:
                if (arg > 3 || offset != 0) return Status::bad_parameter;
                if (poly2_width(n_in, arg) != n_out) return Status::size_mismatch;
                break;
            default: return Status::bad_parameter;
        }
        if (offset + n_params > params.size) return Status::out_of_range;
        c.n_outputs = n_out;
        if (n_out > widest) widest = n_out;
    }
    if (c.n_outputs != n_features) return Status::size_mismatch;
    // Steps write alternately into two halves of scratch (one with a single
    // step); projections with a mean centre their input once, after them.
    c.centered = c.n_steps == 1 ? widest : 2 * widest;
    c.scratch_size = c.centered + center;
    out = c;
    return Status::ok;
}

// Loads the chain of a model's bytes (checks the container, not the CRC,
// which the family's load() has checked).
inline Status load(const uint8_t* data, size_t size, uint32_t n_features, Chain& out) {
    out = Chain{};
    ModelFile f;
    const Status st = open_model_file(data, size, f, false);
    return st != Status::ok ? st : load(f, n_features, out);
}

// One step: x (s.n_in) -> y (s.n_out), not overlapping; `centered` (s.n_in
// floats) holds x - mean for a projection. Products and sums round
// separately (never fused into multiply-adds), so results are the same bits
// on every target.
MICROLEARN_SEPARATE_ROUNDING inline void apply_step(const Step& s, const float* x, float* y, float* centered) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    const uint32_t n = s.n_in;
    switch (s.op) {
        case Op::affine:
            for (uint32_t i = 0; i < n; ++i) y[i] = (x[i] - s.params[i]) * s.params[n + i];
            break;
        case Op::select:
            for (uint32_t j = 0; j < s.n_out; ++j) y[j] = x[s.indices[j]];
            break;
        case Op::project: {
            const float* w = s.params;
            if (s.arg) {  // x - mean, once
                for (uint32_t i = 0; i < n; ++i) centered[i] = x[i] - w[i];
                x = centered;
                w += n;
            }
            for (uint32_t j = 0; j < s.n_out; ++j, w += n) {
                float sum = 0.0f;
                for (uint32_t i = 0; i < n; ++i) sum += w[i] * x[i];
                y[j] = sum;
            }
            break;
        }
        case Op::normalize: {
            float norm = 0.0f;
            for (uint32_t i = 0; i < n; ++i) {
                const float a = math::from_bits(math::to_bits(x[i]) & 0x7FFFFFFFu);
                norm = s.arg == 0 ? norm + a : s.arg == 1 ? norm + a * a : (a > norm ? a : norm);
            }
            if (s.arg == 1) norm = math::sqrt(norm);
            for (uint32_t i = 0; i < n; ++i) y[i] = norm == 0.0f ? x[i] : math::quotient(x[i], norm);
            break;
        }
        case Op::poly2: {
            float* o = y;
            if (s.arg & 1) *o++ = 1.0f;
            for (uint32_t i = 0; i < n; ++i) *o++ = x[i];
            for (uint32_t i = 0; i < n; ++i)
                for (uint32_t j = (s.arg & 2) ? i + 1 : i; j < n; ++j) *o++ = x[i] * x[j];
            break;
        }
    }
}

// Runs the chain on x (n_x = n_inputs floats); *out points at the result
// (n_outputs floats): x itself without steps, else inside scratch
// (scratch_size floats).
inline Status apply(const Chain& c, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                    const float** out) {
    if (x == nullptr || out == nullptr) return Status::bad_argument;
    if (n_x != c.n_inputs) return Status::size_mismatch;
    if (c.n_steps != 0 && (scratch == nullptr || n_scratch < c.scratch_size)) return Status::bad_argument;
    const float* in = x;
    const uint32_t half = c.centered / 2;
    for (uint32_t i = 0; i < c.n_steps; ++i) {
        float* y = scratch + (i & 1) * half;
        apply_step(step(c, i), in, y, scratch + c.centered);
        in = y;
    }
    *out = in;
    return Status::ok;
}

}  // namespace preprocess
}  // namespace microlearn
