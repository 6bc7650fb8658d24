// C entry points over include/microlearn/neural/int8_ops.hpp for
// tests/python/test_neural_tflite_ops.py, which runs each int8 kernel alone on
// the tensors LiteRT's reference interpreter computed and compares bit for bit
// (the engine runs the same kernels through int8_engine.hpp).
#include <vector>

#include "microlearn/neural/engine.hpp"  // int8_ops.hpp with what its Window needs

using namespace microlearn::neural::int8;

namespace {
microlearn::neural::Window window(const int32_t* g) {
    microlearn::neural::Window w;
    uint32_t* f[] = {&w.in_h, &w.in_w, &w.in_c, &w.out_h, &w.out_w, &w.out_c, &w.k_h,
                     &w.k_w, &w.stride_h, &w.stride_w, &w.dil_h, &w.dil_w, &w.pad_t, &w.pad_l, &w.depth_multiplier};
    for (int i = 0; i < 15; ++i) *f[i] = static_cast<uint32_t>(g[i]);
    return w;
}
Requant requant(const int32_t* mult, const int32_t* shift, const int32_t* q) {
    return Requant{mult, shift, q[0], q[1], q[2]};
}
}  // namespace

extern "C" {
// q: output_offset, act_min, act_max
void ml8_fully_connected(const int8_t* x, int32_t in_off, const int8_t* w, const int32_t* bias, int in, int out,
                         const double* scales, const int32_t* q, int8_t* y) {
    fully_connected(x, in_off, w, bias, in, out, scales, requant(nullptr, nullptr, q), y);
}
void ml8_conv_2d(const int8_t* x, int32_t in_off, const int8_t* w, const int32_t* bias, const int32_t* g,
                 int depthwise, const int32_t* mult, const int32_t* shift, const int32_t* q, int8_t* y) {
    if (depthwise)
        depthwise_conv_2d(x, in_off, w, bias, window(g), requant(mult, shift, q), y);
    else {  // the scratch the memory plan reserves in the arena
        const microlearn::neural::Window wg = window(g);
        const uint32_t bytes = conv_scratch_bytes(wg.k_h * wg.k_w * wg.in_c);
        std::vector<int32_t> col(bytes / 4);
        conv_2d(x, in_off, w, bias, wg, requant(mult, shift, q), reinterpret_cast<int16_t*>(col.data()), bytes, y);
    }
}
void ml8_pool_2d(const int8_t* x, const int32_t* g, int average, int32_t lo, int32_t hi, int8_t* y) {
    pool_2d(x, window(g), average != 0, lo, hi, y);
}
void ml8_mean(const int8_t* x, int outer, int channels, int32_t in_zp, int32_t m, int32_t s, int32_t out_zp,
              int8_t* y) {
    mean(x, outer, channels, in_zp, m, s, out_zp, y);
}
void ml8_reduce_max(const int8_t* x, int outer, int channels, int8_t* y) { reduce_max(x, outer, channels, y); }
void ml8_lut(const int8_t* x, int n, const int8_t* table, int8_t* y) { lut(x, n, table, y); }
// p: the AddParams fields in order
void ml8_add_mul(const int8_t* a, const int8_t* b, int n, int b_n, int mul, const int32_t* p, int8_t* y) {
    const AddParams ap{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]};
    add_mul(a, b, n, b_n, mul != 0, ap, y);
}
// s_bits: the scale's float32 bits; exceptions: n (d, float bits) pairs
void ml8_softmax(const int8_t* x, int rows, int depth, uint32_t s_bits, const int32_t* exceptions, uint32_t n,
                 float output_scale, int8_t* y) {
    softmax(x, rows, depth, SoftmaxExp{nullptr, s_bits, exceptions, n}, output_scale, y);
}
void ml8_pad(const int8_t* x, const uint32_t* in, const uint32_t* before, const uint32_t* after, int value,
             int8_t* y) {
    pad(x, in, before, after, static_cast<int8_t>(value), y);
}
void ml8_concat_part(const int8_t* x, uint32_t outer, uint32_t inner, uint32_t y_inner, uint32_t offset, int8_t* y) {
    concat_part(x, outer, inner, y_inner, offset, y);
}
}
