// The recurrent kernels (neural/recurrent.hpp) against the layers' formulas
// written out in double precision with <cmath>: SimpleRNN, GRU with
// reset_after true and false, LSTM, over random weights and sequences, every
// activation pair, sequence and last-step outputs, and a state carried from
// one call to the next (streaming) equal to one call over the whole sequence.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "microlearn/neural/engine.hpp"  // recurrent.hpp, with the rest of the engine it plugs into

namespace R = microlearn::neural::recurrent;
using microlearn::neural::OpKind;
using Vec = std::vector<double>;

namespace {

double act(R::Act a, double v) {
    switch (a) {
        case R::Act::relu: return v > 0 ? v : 0;
        case R::Act::sigmoid: return 1.0 / (1.0 + std::exp(-v));
        case R::Act::tanh: return std::tanh(v);
        case R::Act::hard_sigmoid: return std::fmin(std::fmax(v + 3.0, 0.0), 6.0) / 6.0;
        default: return v;
    }
}

struct Case {
    OpKind kind;
    R::Layer L;
    std::vector<float> x, W, U, b;
};

Case make(OpKind kind, uint32_t steps, uint32_t in, uint32_t units, R::Act a, R::Act ra, bool reset_after,
          bool sequences, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    Case c{kind, {steps, in, units, a, ra, reset_after, sequences}, {}, {}, {}, {}};
    const uint32_t g = R::n_gates(kind);
    c.x.resize(size_t(steps) * in);
    c.W.resize(size_t(in) * g * units);
    c.U.resize(size_t(units) * g * units);
    c.b.resize((kind == OpKind::gru && reset_after ? 2 : 1) * size_t(g) * units);
    for (auto* v : {&c.x, &c.W, &c.U, &c.b})
        for (float& e : *v) e = u(gen);
    return c;
}

// column k * units + j of row-major M (rows x cols) dotted with v.
double col(const std::vector<float>& M, size_t cols, const Vec& v, size_t c) {
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += v[i] * double(M[i * cols + c]);
    return s;
}

// The layer's formula, step by step, from state (h, c) -> the outputs.
std::vector<double> reference(const Case& c, Vec& h, Vec& cell) {
    const R::Layer& L = c.L;
    const size_t u = L.units, cols = R::n_gates(c.kind) * u;
    std::vector<double> out;
    for (uint32_t t = 0; t < L.steps; ++t) {
        Vec x(c.x.begin() + t * L.in, c.x.begin() + (t + 1) * L.in);
        Vec hn(u);
        for (size_t j = 0; j < u; ++j) {
            if (c.kind == OpKind::simple_rnn) {
                hn[j] = act(L.act, col(c.W, cols, x, j) + c.b[j] + col(c.U, cols, h, j));
            } else if (c.kind == OpKind::lstm) {
                double g[4];
                for (size_t k = 0; k < 4; ++k) g[k] = col(c.W, cols, x, k * u + j) + col(c.U, cols, h, k * u + j) + c.b[k * u + j];
                cell[j] = act(L.rec_act, g[1]) * cell[j] + act(L.rec_act, g[0]) * act(L.act, g[2]);
                hn[j] = act(L.rec_act, g[3]) * act(L.act, cell[j]);
            } else {
                double xz = col(c.W, cols, x, j) + c.b[j], xr = col(c.W, cols, x, u + j) + c.b[u + j];
                double xh = col(c.W, cols, x, 2 * u + j) + c.b[2 * u + j];
                double hz = col(c.U, cols, h, j), hr = col(c.U, cols, h, u + j);
                double hh;
                if (L.reset_after) {
                    hz += c.b[3 * u + j], hr += c.b[4 * u + j];
                    const double r = act(L.rec_act, xr + hr);
                    hh = act(L.act, xh + r * (col(c.U, cols, h, 2 * u + j) + c.b[5 * u + j]));
                } else {
                    Vec rh(u);
                    for (size_t k = 0; k < u; ++k)
                        rh[k] = act(L.rec_act, col(c.W, cols, x, u + k) + c.b[u + k] + col(c.U, cols, h, u + k)) * h[k];
                    hh = act(L.act, xh + col(c.U, cols, rh, 2 * u + j));
                }
                const double z = act(L.rec_act, xz + hz);
                hn[j] = z * h[j] + (1 - z) * hh;
            }
        }
        h = hn;
        if (L.sequences || t + 1 == L.steps) out.insert(out.end(), h.begin(), h.end());
    }
    return out;
}

// Runs the kernel once from `state` (kept), returns its outputs.
std::vector<float> kernel(const Case& c, std::vector<float>& state) {
    std::vector<float> y(c.L.sequences ? size_t(c.L.steps) * c.L.units : c.L.units, -999.0f);
    switch (c.kind) {
        case OpKind::simple_rnn: R::simple_rnn(c.L, c.x.data(), c.W.data(), c.U.data(), c.b.data(), state.data(), y.data()); break;
        case OpKind::gru: R::gru(c.L, c.x.data(), c.W.data(), c.U.data(), c.b.data(), state.data(), y.data()); break;
        default: R::lstm(c.L, c.x.data(), c.W.data(), c.U.data(), c.b.data(), state.data(), y.data()); break;
    }
    return y;
}

size_t state_size(const Case& c) { return R::state_per_unit(c.kind, c.L.reset_after) * size_t(c.L.units); }

const char* name(OpKind k) { return k == OpKind::simple_rnn ? "SimpleRNN" : k == OpKind::gru ? "GRU" : "LSTM"; }

// Every kind, reset_after form, activation pair and output form.
std::vector<Case> cases() {
    std::vector<Case> all;
    unsigned seed = 1;
    const R::Act acts[] = {R::Act::tanh, R::Act::relu, R::Act::linear, R::Act::sigmoid, R::Act::hard_sigmoid};
    for (OpKind kind : {OpKind::simple_rnn, OpKind::gru, OpKind::lstm})
        for (int reset_after = 0; reset_after <= (kind == OpKind::gru ? 1 : 0); ++reset_after)
            for (R::Act a : acts)
                for (R::Act ra : {R::Act::sigmoid, R::Act::hard_sigmoid, R::Act::tanh})
                    for (bool seq : {false, true})
                        all.push_back(make(kind, 1 + seed % 7, 1 + seed % 5, 1 + (seed * 7) % 9, a, ra, reset_after,
                                           seq, seed)), ++seed;
    return all;
}

}  // namespace

TEST(NeuralRecurrent, KernelsMatchTheLayerFormulas) {
    for (const Case& c : cases()) {
        Vec h(c.L.units, 0.0), cell(c.L.units, 0.0);
        const std::vector<double> want = reference(c, h, cell);
        std::vector<float> state(state_size(c), 0.0f);
        const std::vector<float> got = kernel(c, state);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
            EXPECT_NEAR(got[i], want[i], 2e-6 * (1.0 + std::fabs(want[i])))
                << name(c.kind) << " reset_after=" << c.L.reset_after << " act=" << int(c.L.act)
                << " rec_act=" << int(c.L.rec_act) << " steps=" << c.L.steps << " output " << i;
        for (size_t j = 0; j < c.L.units; ++j) EXPECT_NEAR(state[j], h[j], 2e-6 * (1.0 + std::fabs(h[j])));
        if (c.kind == OpKind::lstm) {
            for (size_t j = 0; j < c.L.units; ++j)
                EXPECT_NEAR(state[c.L.units + j], cell[j], 2e-6 * (1.0 + std::fabs(cell[j])));
        }
    }
}

TEST(NeuralRecurrent, StreamingOneStepAtATimeEqualsTheWholeSequence) {
    for (const Case& whole : cases()) {
        if (!whole.L.sequences) continue;
        std::vector<float> state(state_size(whole), 0.0f);
        const std::vector<float> all = kernel(whole, state);
        std::vector<float> streamed(state_size(whole), 0.0f);
        Case step = whole;
        step.L.steps = 1;
        step.L.sequences = false;
        for (uint32_t t = 0; t < whole.L.steps; ++t) {
            step.x.assign(whole.x.begin() + t * whole.L.in, whole.x.begin() + (t + 1) * whole.L.in);
            const std::vector<float> y = kernel(step, streamed);
            for (uint32_t j = 0; j < whole.L.units; ++j)  // the same operations in the same order: bit for bit
                ASSERT_EQ(y[j], all[size_t(t) * whole.L.units + j]) << name(whole.kind) << " step " << t;
        }
        for (size_t k = 0; k < whole.L.units; ++k) EXPECT_EQ(streamed[k], state[k]);
    }
}

TEST(NeuralRecurrent, ActivationsAsKerasDefinesThem) {
    for (float v = -8.0f; v <= 8.0f; v += 0.37f) {
        EXPECT_NEAR(R::activate(R::Act::tanh, v), std::tanh(double(v)), 2e-7);
        EXPECT_NEAR(R::activate(R::Act::sigmoid, v), 1.0 / (1.0 + std::exp(-double(v))), 2e-7);
        EXPECT_NEAR(R::activate(R::Act::hard_sigmoid, v), act(R::Act::hard_sigmoid, v), 1e-7);
        EXPECT_EQ(R::activate(R::Act::relu, v), v > 0 ? v : 0.0f);
        EXPECT_EQ(R::activate(R::Act::linear, v), v);
    }
}
