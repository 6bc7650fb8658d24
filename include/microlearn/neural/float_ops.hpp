// Float32 reference kernels of the neural-network ops: plain loops, one per
// op, the specification the faster paths (and the tests) are checked
// against. Conventions (TensorFlow Lite's): row-major, channels last, no
// batch axis; padding explicit; average pooling divides by the window's
// elements inside the input. No libm and no float division by a variable
// (math::divide): native modules link no C library.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../kernels.hpp"
#include "../math.hpp"
#include "model.hpp"

namespace microlearn {
namespace neural {
namespace float_ops {

// float -> int8 as TFLite's QUANTIZE: the float32 quotient v / scale rounded
// half away from zero (math::round_quotient), + zero_point, clamped to [-128, 127].
inline int8_t quantize(float v, float scale, int32_t zero_point) {
    const int32_t i = math::round_quotient(v, scale) + zero_point;  // no overflow: |.| <= 2^30 + 2^8
    return static_cast<int8_t>(i < -128 ? -128 : i > 127 ? 127 : i);
}

// The clamp of a fused activation, applied to every output of an op.
struct Clamp {
    float lo, hi;
    bool on;
    __attribute__((always_inline)) float operator()(float v) const { return !on ? v : v < lo ? lo : v > hi ? hi : v; }
};

inline Clamp clamp_of(Activation a) {
    switch (a) {
        case Activation::relu: return {0.0f, math::from_bits(0x7f800000u), true};
        case Activation::relu6: return {0.0f, 6.0f, true};
        case Activation::relu_n1_to_1: return {-1.0f, 1.0f, true};
        default: return {0.0f, 0.0f, false};
    }
}

// acc[r] += sum_{k < runs} sum_{i < n} w[r * stride + k * w_step + i] * x[k * x_step + i]
// for r < 4: four weight rows against the same input, over `runs` runs of n
// contiguous values (a conv window's kernel rows; one run for a dense layer),
// each sum in index order (the same sums as four dot products). The
// register-blocked core of FULLY_CONNECTED and CONV_2D. On Cortex-M4F/M7
// (FPv4/v5) four values load in one instruction (vldmia) and each product is
// added by VMLA (multiply, round, add: the plain loop's rounding, so results
// equal the portable loop's bit for bit): 23 instructions per 16 MACs
// instead of 12 per 4.
__attribute__((always_inline)) inline void dot4(const float* x, size_t x_step, const float* w, size_t stride,
                                                size_t w_step, uint32_t runs, size_t n, float& s0, float& s1,
                                                float& s2, float& s3) {
    for (uint32_t k = 0; k < runs; ++k, x += x_step, w += w_step) {
        const float *w0 = w, *w1 = w + stride, *w2 = w1 + stride, *w3 = w2 + stride;
        size_t i = 0;
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(MICROLEARN_NO_ASM)
        if (n >= 4) {
            register float a0 asm("s8") = s0;
            register float a1 asm("s9") = s1;
            register float a2 asm("s10") = s2;
            register float a3 asm("s11") = s3;
            const float* xp = x;
            const float *p0 = w0, *p1 = w1, *p2 = w2, *p3 = w3;
            size_t steps = n >> 2;
            asm volatile(
                "1:\n\t"
                "vldmia %[x]!, {s0-s3}\n\t"
                "vldmia %[p0]!, {s4-s7}\n\t"
                "vmla.f32 %[a0], s4, s0\n\tvmla.f32 %[a0], s5, s1\n\t"
                "vmla.f32 %[a0], s6, s2\n\tvmla.f32 %[a0], s7, s3\n\t"
                "vldmia %[p1]!, {s4-s7}\n\t"
                "vmla.f32 %[a1], s4, s0\n\tvmla.f32 %[a1], s5, s1\n\t"
                "vmla.f32 %[a1], s6, s2\n\tvmla.f32 %[a1], s7, s3\n\t"
                "vldmia %[p2]!, {s4-s7}\n\t"
                "vmla.f32 %[a2], s4, s0\n\tvmla.f32 %[a2], s5, s1\n\t"
                "vmla.f32 %[a2], s6, s2\n\tvmla.f32 %[a2], s7, s3\n\t"
                "vldmia %[p3]!, {s4-s7}\n\t"
                "vmla.f32 %[a3], s4, s0\n\tvmla.f32 %[a3], s5, s1\n\t"
                "vmla.f32 %[a3], s6, s2\n\tvmla.f32 %[a3], s7, s3\n\t"
                "subs %[n], %[n], #1\n\t"
                "bne 1b\n\t"
                : [a0] "+t"(a0), [a1] "+t"(a1), [a2] "+t"(a2), [a3] "+t"(a3), [x] "+r"(xp), [p0] "+r"(p0),
                  [p1] "+r"(p1), [p2] "+r"(p2), [p3] "+r"(p3), [n] "+r"(steps)
                :
                : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "cc", "memory");
            s0 = a0, s1 = a1, s2 = a2, s3 = a3;
            i = n & ~size_t(3);
        }
#endif
        for (; i < n; ++i) {
            const float v = x[i];
            s0 += w0[i] * v, s1 += w1[i] * v, s2 += w2[i] * v, s3 += w3[i] * v;
        }
    }
}

// Inside the Cortex-M4F asm blocks: Clamp for the value in register v with
// lo in s0 and hi in s1: v < lo (mi: false for NaN) -> lo, then v > hi (gt:
// false for NaN) -> hi, as Clamp::operator().
#define MICROLEARN_CLAMP_S(v)                                                           \
    "vcmpe.f32 " v ", s0\n\tvmrs APSR_nzcv, fpscr\n\tit mi\n\tvmovmi.f32 " v ", s0\n\t" \
    "vcmpe.f32 " v ", s1\n\tvmrs APSR_nzcv, fpscr\n\tit gt\n\tvmovgt.f32 " v ", s1\n\t"

// Two windows at once, `blocks` blocks of four output channels (weight rows
// r at w + r * stride): y[r] = c(bias[r] + a_r) and y[y_next + r] =
// c(bias[r] + b_r) (without bias: c(a_r)), where a_r is dot4's sum over x
// from zero and b_r the same over x + pixel (the next output pixel's window,
// whose taps are the same), each sum in dot4's order (so the same bits on
// every target). On Cortex-M4F/M7 each
// load of four weights serves both pixels: 40 instructions per 32 MACs in
// the blocked loop, and the runs (kernel rows), each run's last n % 4
// values, the bias, the clamp and the stores stay inside one asm block, so a
// window costs one set-up however few its channels.
__attribute__((always_inline)) inline void dot4x2(const float* x, size_t pixel, size_t x_step, const float* w,
                                                  size_t stride, size_t w_step, uint32_t runs, size_t n,
                                                  uint32_t blocks, const float* bias, const Clamp& c, float* y,
                                                  size_t y_next) {
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(MICROLEARN_NO_ASM)
    register float a0 asm("s16"), a1 asm("s17"), a2 asm("s18"), a3 asm("s19");  // the sums, from zero
    register float b0 asm("s20"), b1 asm("s21"), b2 asm("s22"), b3 asm("s23");
    // n >> 2, n & 3, the bytes from a run's end to the next run's start in x and in w, the runs, the bytes
    // from one pixel's outputs to the next one's, the clamp (on, lo, hi).
    const uint32_t p[9] = {uint32_t(n >> 2), uint32_t(n & 3), uint32_t((x_step - n) * 4), uint32_t((w_step - n) * 4),
                           runs, uint32_t(y_next * 4), c.on, math::to_bits(c.lo), math::to_bits(c.hi)};
    for (uint32_t k = 0; k < blocks; ++k, w += 4 * stride, y += 4, bias = bias != nullptr ? bias + 4 : nullptr) {
        const float *xa = x, *xb = x + pixel, *p0 = w, *p1 = w + stride, *p2 = p1 + stride, *p3 = p2 + stride;
        asm volatile(  // r12: the step count, lr: the runs left
            "mov r12, #0\n\t"
            "vmov s16, s17, r12, r12\n\tvmov s18, s19, r12, r12\n\t"
            "vmov s20, s21, r12, r12\n\tvmov s22, s23, r12, r12\n\t"
            "ldr lr, [%[p], #16]\n\t"
            "0:\n\t"
            "ldr r12, [%[p]]\n\t"
            "cmp r12, #0\n\t"
            "beq 2f\n\t"
            "1:\n\t"
            "vldmia %[xa]!, {s0-s3}\n\t"
            "vldmia %[xb]!, {s4-s7}\n\t"
            "vldmia %[p0]!, {s8-s11}\n\t"
            "vmla.f32 %[a0], s8, s0\n\tvmla.f32 %[b0], s8, s4\n\tvmla.f32 %[a0], s9, s1\n\tvmla.f32 %[b0], s9, s5\n\t"
            "vmla.f32 %[a0], s10, s2\n\tvmla.f32 %[b0], s10, s6\n\t"
            "vmla.f32 %[a0], s11, s3\n\tvmla.f32 %[b0], s11, s7\n\t"
            "vldmia %[p1]!, {s8-s11}\n\t"
            "vmla.f32 %[a1], s8, s0\n\tvmla.f32 %[b1], s8, s4\n\tvmla.f32 %[a1], s9, s1\n\tvmla.f32 %[b1], s9, s5\n\t"
            "vmla.f32 %[a1], s10, s2\n\tvmla.f32 %[b1], s10, s6\n\t"
            "vmla.f32 %[a1], s11, s3\n\tvmla.f32 %[b1], s11, s7\n\t"
            "vldmia %[p2]!, {s8-s11}\n\t"
            "vmla.f32 %[a2], s8, s0\n\tvmla.f32 %[b2], s8, s4\n\tvmla.f32 %[a2], s9, s1\n\tvmla.f32 %[b2], s9, s5\n\t"
            "vmla.f32 %[a2], s10, s2\n\tvmla.f32 %[b2], s10, s6\n\t"
            "vmla.f32 %[a2], s11, s3\n\tvmla.f32 %[b2], s11, s7\n\t"
            "vldmia %[p3]!, {s8-s11}\n\t"
            "vmla.f32 %[a3], s8, s0\n\tvmla.f32 %[b3], s8, s4\n\tvmla.f32 %[a3], s9, s1\n\tvmla.f32 %[b3], s9, s5\n\t"
            "vmla.f32 %[a3], s10, s2\n\tvmla.f32 %[b3], s10, s6\n\t"
            "vmla.f32 %[a3], s11, s3\n\tvmla.f32 %[b3], s11, s7\n\t"
            "subs r12, r12, #1\n\t"
            "bne 1b\n\t"
            "2:\n\t"
            "ldr r12, [%[p], #4]\n\t"
            "cmp r12, #0\n\t"
            "beq 4f\n\t"
            "3:\n\t"
            "vldmia %[xa]!, {s0}\n\t"
            "vldmia %[xb]!, {s4}\n\t"
            "vldmia %[p0]!, {s8}\n\t"
            "vldmia %[p1]!, {s9}\n\t"
            "vldmia %[p2]!, {s10}\n\t"
            "vldmia %[p3]!, {s11}\n\t"
            "vmla.f32 %[a0], s8, s0\n\tvmla.f32 %[b0], s8, s4\n\tvmla.f32 %[a1], s9, s0\n\tvmla.f32 %[b1], s9, s4\n\t"
            "vmla.f32 %[a2], s10, s0\n\tvmla.f32 %[b2], s10, s4\n\t"
            "vmla.f32 %[a3], s11, s0\n\tvmla.f32 %[b3], s11, s4\n\t"
            "subs r12, r12, #1\n\t"
            "bne 3b\n\t"
            "4:\n\t"
            "ldr r12, [%[p], #8]\n\t"
            "add %[xa], %[xa], r12\n\t"
            "add %[xb], %[xb], r12\n\t"
            "ldr r12, [%[p], #12]\n\t"
            "add %[p0], %[p0], r12\n\t"
            "add %[p1], %[p1], r12\n\t"
            "add %[p2], %[p2], r12\n\t"
            "add %[p3], %[p3], r12\n\t"
            "subs lr, lr, #1\n\t"
            "bne 0b\n\t"
            // bias[r] + sum (no bias: the sum as it is)
            "cmp %[bias], #0\n\t"
            "beq 5f\n\t"
            "vldmia %[bias], {s0-s3}\n\t"
            "vadd.f32 %[a0], s0, %[a0]\n\tvadd.f32 %[b0], s0, %[b0]\n\tvadd.f32 %[a1], s1, %[a1]\n\t"
            "vadd.f32 %[b1], s1, %[b1]\n\tvadd.f32 %[a2], s2, %[a2]\n\tvadd.f32 %[b2], s2, %[b2]\n\t"
            "vadd.f32 %[a3], s3, %[a3]\n\tvadd.f32 %[b3], s3, %[b3]\n\t"
            "5:\n\t"  // the clamp
            "ldr r12, [%[p], #24]\n\t"
            "cmp r12, #0\n\t"
            "beq 6f\n\t"
            "vldr s0, [%[p], #28]\n\t"
            "vldr s1, [%[p], #32]\n\t"
            MICROLEARN_CLAMP_S("%[a0]") MICROLEARN_CLAMP_S("%[a1]") MICROLEARN_CLAMP_S("%[a2]")
            MICROLEARN_CLAMP_S("%[a3]") MICROLEARN_CLAMP_S("%[b0]") MICROLEARN_CLAMP_S("%[b1]")
            MICROLEARN_CLAMP_S("%[b2]") MICROLEARN_CLAMP_S("%[b3]")
            "6:\n\t"
            "ldr r12, [%[p], #20]\n\t"
            "vstmia %[y], {s16-s19}\n\t"
            "add r12, r12, %[y]\n\t"
            "vstmia r12, {s20-s23}\n\t"
            : [a0] "=&t"(a0), [a1] "=&t"(a1), [a2] "=&t"(a2), [a3] "=&t"(a3), [b0] "=&t"(b0), [b1] "=&t"(b1),
              [b2] "=&t"(b2), [b3] "=&t"(b3), [xa] "+r"(xa), [xb] "+r"(xb), [p0] "+r"(p0), [p1] "+r"(p1),
              [p2] "+r"(p2), [p3] "+r"(p3)
            : [p] "r"(p), [bias] "r"(bias), [y] "r"(y)
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "r12", "lr", "cc", "memory");
    }
#else
    for (uint32_t k = 0; k < blocks; ++k, w += 4 * stride, y += 4, bias = bias != nullptr ? bias + 4 : nullptr) {
        float a[4] = {0.0f, 0.0f, 0.0f, 0.0f}, b[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        dot4(x, x_step, w, stride, w_step, runs, n, a[0], a[1], a[2], a[3]);
        dot4(x + pixel, x_step, w, stride, w_step, runs, n, b[0], b[1], b[2], b[3]);
        for (uint32_t r = 0; r < 4; ++r) {
            y[r] = c(bias != nullptr ? bias[r] + a[r] : a[r]);
            y[y_next + r] = c(bias != nullptr ? bias[r] + b[r] : b[r]);
        }
    }
#endif
}

// y[r, j] = act(bias[j] + sum_i W[j, i] x[r, i]) for each of `rows` rows;
// four outputs at a time (dot4), the rest one by one.
inline void fully_connected(const float* x, const float* W, const float* bias, uint32_t rows, uint32_t n_in,
                            uint32_t n_out, Activation act, float* y) {
    const Clamp c = clamp_of(act);
    for (uint32_t r = 0; r < rows; ++r, x += n_in, y += n_out) {
        uint32_t j = 0;
        for (; j + 4 <= n_out; j += 4) {
            float s[4];
            s[0] = s[1] = s[2] = s[3] = 0.0f;
            dot4(x, 0, W + size_t(j) * n_in, n_in, 0, 1, n_in, s[0], s[1], s[2], s[3]);
            for (uint32_t k = 0; k < 4; ++k) y[j + k] = c(bias != nullptr ? bias[j + k] + s[k] : s[k]);
        }
        for (; j < n_out; ++j) {
            const float s = kernels::dot(W + size_t(j) * n_in, x, n_in);
            y[j] = c(bias != nullptr ? bias[j] + s : s);
        }
    }
}

// The input rows and columns a window at output (oy, ox) reads: taps
// [k0, k1) of k, each at in = start + tap * dilation inside [0, size).
struct Taps {
    int32_t start;
    uint32_t k0, k1;
};

inline Taps taps(uint32_t out, uint32_t stride, uint32_t pad, uint32_t k, uint32_t dil, uint32_t size) {
    Taps t;
    t.start = int32_t(out * stride) - int32_t(pad);
    t.k0 = 0, t.k1 = k;
    while (t.k0 < k && t.start + int32_t(t.k0 * dil) < 0) ++t.k0;
    while (t.k1 > t.k0 && t.start + int32_t((t.k1 - 1) * dil) >= int32_t(size)) --t.k1;
    return t;
}

// CONV_2D: y[oy, ox, o] = act(b[o] + sum_{ky, kx, c} W[o, ky, kx, c] x[iy, ix, c])
// over the taps inside the input (padding reads zeros). Weights (O, KH, KW, C).
// Four output channels at a time share each load of x (dot4), over the
// window's kernel rows; a kernel row's taps are one contiguous run of x and
// W when dilation_w is 1 (else one run per tap). Two neighbouring pixels
// with the same taps go together (dot4x2): on the Cortex-M4F they also share
// each load of W and one set-up per window, which short runs (few input
// channels) need; elsewhere fewer loop and store steps.
inline void conv_2d(const Window& g, const float* x, const float* W, const float* bias, float* y) {
    const Clamp c = clamp_of(g.activation);
    const uint32_t C = g.in_c, row = g.in_w * C, kernel = g.k_h * g.k_w * C;
    const size_t x_step = size_t(g.dil_h) * row, w_step = size_t(g.k_w) * C;
    const size_t pixel = size_t(g.stride_w) * C;  // from one output pixel's window to the next one's
    for (uint32_t oy = 0; oy < g.out_h; ++oy) {
        const Taps ty = taps(oy, g.stride_h, g.pad_t, g.k_h, g.dil_h, g.in_h);
        const uint32_t runs = ty.k1 - ty.k0;
        const float* xr = x + size_t(ty.start + int32_t(ty.k0 * g.dil_h)) * row;
        const float* wr = W + size_t(ty.k0) * w_step;
        for (uint32_t ox = 0; ox < g.out_w; ++ox, y += g.out_c) {
            const Taps tx = taps(ox, g.stride_w, g.pad_l, g.k_w, g.dil_w, g.in_w);
            const uint32_t per_run = g.dil_w == 1 ? tx.k1 - tx.k0 : 1;  // taps per contiguous run
            const uint32_t n = per_run * C;
            const float* xw = xr + size_t(tx.start + int32_t(tx.k0 * g.dil_w)) * C;  // the window's first tap
            const float* ww = wr + size_t(tx.k0) * C;
            uint32_t o = 0;
            if (g.dil_w == 1 && runs > 0 && n > 0 && ox + 1 < g.out_w) {
                const Taps t2 = taps(ox + 1, g.stride_w, g.pad_l, g.k_w, 1, g.in_w);
                if (t2.k0 == tx.k0 && t2.k1 == tx.k1) {  // two pixels with the same taps: one pass for both
                    o = g.out_c & ~3u;
                    dot4x2(xw, pixel, x_step, ww, kernel, w_step, runs, n, o / 4, bias, c, y, g.out_c);
                    ww += size_t(o) * kernel;
                    for (; o < g.out_c; ++o, ww += kernel)  // the last one to three channels
                        for (uint32_t px = 0; px < 2; ++px) {
                            float s = 0.0f;
                            for (uint32_t r = 0; r < runs; ++r)
                                s += kernels::dot(ww + r * w_step, xw + px * pixel + r * x_step, n);
                            y[px * g.out_c + o] = c(bias != nullptr ? bias[o] + s : s);
                        }
                    ++ox, y += g.out_c;
                    continue;
                }
            }
            const size_t x_run = size_t(g.dil_w) * C;  // from one run to the next when dil_w > 1
            for (; o + 4 <= g.out_c; o += 4, ww += 4 * size_t(kernel)) {
                float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                const float *xp = xw, *wp = ww;
                for (uint32_t kx = tx.k0; kx < tx.k1; kx += per_run, xp += x_run, wp += C)
                    dot4(xp, x_step, wp, kernel, w_step, runs, n, s[0], s[1], s[2], s[3]);
                if (bias != nullptr) {
                    s[0] = bias[o] + s[0], s[1] = bias[o + 1] + s[1];
                    s[2] = bias[o + 2] + s[2], s[3] = bias[o + 3] + s[3];
                }
#if defined(__arm__) && !defined(__ARM_FP)  // soft-float: s stays in memory (fewer spills in dot4's loop)
                for (uint32_t k = 0; k < 4; ++k) y[o + k] = c(s[k]);
#else  // the sums stay in registers
                y[o] = c(s[0]), y[o + 1] = c(s[1]), y[o + 2] = c(s[2]), y[o + 3] = c(s[3]);
#endif
            }
            for (; o < g.out_c; ++o, ww += kernel) {  // the last one to three channels
                float s = 0.0f;
                const float *xp = xw, *wp = ww;
                for (uint32_t kx = tx.k0; kx < tx.k1; kx += per_run, xp += x_run, wp += C)
                    for (uint32_t r = 0; r < runs; ++r) s += kernels::dot(wp + r * w_step, xp + r * x_step, n);
                y[o] = c(bias != nullptr ? bias[o] + s : s);
            }
        }
    }
}

// Depthwise blocks of four channels (depth multiplier 1): for each block k
// and r < 4, y[4k + r] = c(bias[4k + r] + sum over the window's taps of
// w[4k + r] x[4k + r]) (without bias: from 0), tap by tap in (row, tap)
// order; a tap's x and w are x_tap and w_tap floats from the last one's, a
// row's x_row and w_row from the last row's. The four sums stay in
// registers; on the Cortex-M4F the window's taps, the clamp and the stores
// are one asm block per four channels (10 instructions per tap).
__attribute__((always_inline)) inline void depthwise4(const float* x, size_t x_tap, size_t x_row, const float* w,
                                                      size_t w_tap, size_t w_row, uint32_t rows, uint32_t taps,
                                                      uint32_t blocks, const float* bias, const Clamp& c, float* y) {
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(MICROLEARN_NO_ASM)
    register float s0 asm("s16"), s1 asm("s17"), s2 asm("s18"), s3 asm("s19");
    // the rows, the taps per row, a row's step in x and in w (bytes), the clamp (on, lo, hi).
    const uint32_t p[7] = {rows, taps, uint32_t(x_row * 4), uint32_t(w_row * 4), c.on, math::to_bits(c.lo),
                           math::to_bits(c.hi)};
    const uint32_t xt = uint32_t(x_tap * 4), wt = uint32_t(w_tap * 4);
    for (uint32_t k = 0; k < blocks; ++k, x += 4, w += 4, y += 4, bias = bias != nullptr ? bias + 4 : nullptr) {
        const float *xr = x, *wr = w, *xp, *wp;
        asm volatile(  // r12: the taps left in the row, lr: the rows left
            "cmp %[bias], #0\n\t"
            "beq 1f\n\t"
            "vldmia %[bias], {s16-s19}\n\t"
            "b 2f\n\t"
            "1:\n\t"
            "mov r12, #0\n\t"
            "vmov s16, s17, r12, r12\n\tvmov s18, s19, r12, r12\n\t"
            "2:\n\t"
            "ldr lr, [%[p]]\n\t"
            "3:\n\t"
            "mov %[xp], %[xr]\n\t"
            "mov %[wp], %[wr]\n\t"
            "ldr r12, [%[p], #4]\n\t"
            "4:\n\t"
            "vldmia %[xp], {s0-s3}\n\t"
            "vldmia %[wp], {s4-s7}\n\t"
            "vmla.f32 %[s0], s4, s0\n\tvmla.f32 %[s1], s5, s1\n\tvmla.f32 %[s2], s6, s2\n\tvmla.f32 %[s3], s7, s3\n\t"
            "add %[xp], %[xp], %[xt]\n\t"
            "add %[wp], %[wp], %[wt]\n\t"
            "subs r12, r12, #1\n\t"
            "bne 4b\n\t"
            "ldr r12, [%[p], #8]\n\t"
            "add %[xr], %[xr], r12\n\t"
            "ldr r12, [%[p], #12]\n\t"
            "add %[wr], %[wr], r12\n\t"
            "subs lr, lr, #1\n\t"
            "bne 3b\n\t"
            "ldr r12, [%[p], #16]\n\t"
            "cmp r12, #0\n\t"
            "beq 5f\n\t"
            "vldr s0, [%[p], #20]\n\t"
            "vldr s1, [%[p], #24]\n\t"
            MICROLEARN_CLAMP_S("%[s0]") MICROLEARN_CLAMP_S("%[s1]") MICROLEARN_CLAMP_S("%[s2]")
            MICROLEARN_CLAMP_S("%[s3]")
            "5:\n\t"
            "vstmia %[y], {s16-s19}\n\t"
            : [s0] "=&t"(s0), [s1] "=&t"(s1), [s2] "=&t"(s2), [s3] "=&t"(s3), [xr] "+r"(xr), [wr] "+r"(wr),
              [xp] "=&r"(xp), [wp] "=&r"(wp)
            : [p] "r"(p), [bias] "r"(bias), [y] "r"(y), [xt] "r"(xt), [wt] "r"(wt)
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "r12", "lr", "cc", "memory");
    }
#else
    for (uint32_t o = 0; o < 4 * blocks; o += 4) {
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        if (bias != nullptr) s0 = bias[o], s1 = bias[o + 1], s2 = bias[o + 2], s3 = bias[o + 3];
        const float *xr = x + o, *wr = w + o;
        for (uint32_t ky = 0; ky < rows; ++ky, xr += x_row, wr += w_row) {
            const float *xp = xr, *wp = wr;
            for (uint32_t kx = 0; kx < taps; ++kx, xp += x_tap, wp += w_tap)
                s0 += wp[0] * xp[0], s1 += wp[1] * xp[1], s2 += wp[2] * xp[2], s3 += wp[3] * xp[3];
        }
        y[o] = c(s0), y[o + 1] = c(s1), y[o + 2] = c(s2), y[o + 3] = c(s3);
    }
#endif
}

#undef MICROLEARN_CLAMP_S

// DEPTHWISE_CONV_2D: output channel o = c * M + m reads input channel c:
// y[oy, ox, o] = act(b[o] + sum_{ky, kx} W[0, ky, kx, o] x[iy, ix, c]),
// each sum from the bias, tap by tap in (ky, kx) order over the taps inside
// the input. With M = 1, blocks of four channels (depthwise4: channels are
// contiguous in x, W and y), then the last one to three channels one by one.
inline void depthwise_conv_2d(const Window& g, const float* x, const float* W, const float* bias, float* y) {
    const Clamp c = clamp_of(g.activation);
    const uint32_t M = g.depth_multiplier, C = g.in_c, O = g.out_c;
    const size_t x_row = size_t(g.dil_h) * g.in_w * C, x_tap = size_t(g.dil_w) * C, w_row = size_t(g.k_w) * O;
    for (uint32_t oy = 0; oy < g.out_h; ++oy) {
        const Taps ty = taps(oy, g.stride_h, g.pad_t, g.k_h, g.dil_h, g.in_h);
        const uint32_t iy = ty.k1 > ty.k0 ? uint32_t(ty.start + int32_t(ty.k0 * g.dil_h)) : 0;  // no taps: unused
        for (uint32_t ox = 0; ox < g.out_w; ++ox, y += O) {
            const Taps tx = taps(ox, g.stride_w, g.pad_l, g.k_w, g.dil_w, g.in_w);
            const uint32_t ix = tx.k1 > tx.k0 ? uint32_t(tx.start + int32_t(tx.k0 * g.dil_w)) : 0;
            const float* xw = x + (size_t(iy) * g.in_w + ix) * C;  // the window's first tap inside the input
            const float* ww = W + size_t(ty.k0 * g.k_w + tx.k0) * O;
            uint32_t o = 0;
            if (M == 1 && ty.k1 > ty.k0 && tx.k1 > tx.k0) {
                o = O & ~3u;
                depthwise4(xw, x_tap, x_row, ww, O, w_row, ty.k1 - ty.k0, tx.k1 - tx.k0, o / 4, bias, c, y);
            }
            for (uint32_t ci = o, m = 0; o < O; ++o) {  // M > 1 (o = ci * M + m), or the last one to three channels
                float s = bias != nullptr ? bias[o] : 0.0f;
                const float *xr = xw + ci, *wr = ww + o;
                if (++m == M) m = 0, ++ci;
                for (uint32_t ky = ty.k0; ky < ty.k1; ++ky, xr += x_row, wr += w_row) {
                    const float *xp = xr, *wp = wr;
                    for (uint32_t kx = tx.k0; kx < tx.k1; ++kx, xp += x_tap, wp += O) s += *wp * *xp;
                }
                y[o] = c(s);
            }
        }
    }
}

// MAX_POOL_2D / AVERAGE_POOL_2D over the window's elements inside the input.
inline void pool_2d(const Window& g, bool average, const float* x, float* y) {
    const Clamp c = clamp_of(g.activation);
    for (uint32_t oy = 0; oy < g.out_h; ++oy) {
        const Taps ty = taps(oy, g.stride_h, g.pad_t, g.k_h, 1, g.in_h);
        for (uint32_t ox = 0; ox < g.out_w; ++ox, y += g.out_c) {
            const Taps tx = taps(ox, g.stride_w, g.pad_l, g.k_w, 1, g.in_w);
            const uint32_t n = (ty.k1 - ty.k0) * (tx.k1 - tx.k0);
            for (uint32_t ch = 0; ch < g.in_c; ++ch) {
                float acc = average ? 0.0f : -math::from_bits(0x7f800000u);
                for (uint32_t ky = ty.k0; ky < ty.k1; ++ky)
                    for (uint32_t kx = tx.k0; kx < tx.k1; ++kx) {
                        const float v = x[(size_t(ty.start + int32_t(ky)) * g.in_w + uint32_t(tx.start + int32_t(kx))) *
                                              g.in_c + ch];
                        acc = average ? acc + v : (v > acc ? v : acc);
                    }
                // An empty window (padding only) gives 0, as TFLite's.
                y[ch] = c(n == 0 ? 0.0f : average ? math::divide(acc, float(n)) : acc);
            }
        }
    }
}

// MEAN / REDUCE_MAX over the axes in `mask` (bit k: axis k) of x (its
// dims, up to 4); y holds the kept axes in order.
inline void reduce(const Tensor& x, uint32_t mask, bool average, float* y, uint32_t n_y) {
    uint32_t stride[kMaxRank], n_reduced = 1;
    uint32_t s = 1;
    for (int k = int(kMaxRank) - 1; k >= 0; --k) {  // y's stride for each of x's axes; 0 for reduced ones
        const bool reduced = uint32_t(k) < x.rank && (mask >> k & 1u);
        stride[k] = reduced ? 0 : s;
        if (reduced) n_reduced *= x.dims[k]; else s *= x.dims[k];
    }
    for (uint32_t i = 0; i < n_y; ++i) y[i] = average ? 0.0f : -math::from_bits(0x7f800000u);
    const float* p = x.f32();
    for (uint32_t a = 0; a < x.dims[0]; ++a)
        for (uint32_t b = 0; b < x.dims[1]; ++b)
            for (uint32_t c = 0; c < x.dims[2]; ++c)
                for (uint32_t d = 0; d < x.dims[3]; ++d, ++p) {
                    float& t = y[a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3]];
                    t = average ? t + *p : (*p > t ? *p : t);
                }
    if (average)
        for (uint32_t i = 0; i < n_y; ++i) y[i] = math::divide(y[i], float(n_reduced));
}

// PAD with zeros: x (its dims) into y, `pads` (before, after) per axis.
inline void pad(const Tensor& x, const int32_t* pads, const Tensor& y) {
    float* out = y.f32();
    for (uint32_t i = 0; i < y.count; ++i) out[i] = 0.0f;
    const float* p = x.f32();
    uint32_t before[kMaxRank] = {0, 0, 0, 0};
    for (uint32_t k = 0; k < x.rank; ++k) before[k] = uint32_t(pads[2 * k]);
    for (uint32_t a = 0; a < x.dims[0]; ++a)
        for (uint32_t b = 0; b < x.dims[1]; ++b)
            for (uint32_t c = 0; c < x.dims[2]; ++c) {
                float* row = out + (((size_t(a + before[0]) * y.dims[1] + b + before[1]) * y.dims[2] + c + before[2]) *
                                        y.dims[3] + before[3]);
                for (uint32_t d = 0; d < x.dims[3]; ++d) row[d] = *p++;
            }
}

// ADD / MUL: y[i] = act(a[i] op b[i mod n_b]) (b: the same size, one value
// per channel of a's last axis, or one value).
inline void binary(bool multiply, const float* a, uint32_t n, const float* b, uint32_t n_b, Activation act, float* y) {
    const Clamp c = clamp_of(act);
    for (uint32_t i = 0, k = 0; i < n; ++i) {
        const float v = b[k];
        y[i] = c(multiply ? a[i] * v : a[i] + v);
        if (++k == n_b) k = 0;
    }
}

// CONCATENATION along `axis`: y = [x_0 | x_1 | ...] along that axis.
inline void concatenation(const Model& m, const Op& o, uint8_t* arena, const Tensor& y) {
    const uint32_t axis = uint32_t(o.ints[0]);
    uint32_t outer = 1, after = 1;  // elements in the blocks before the axis, and after it
    for (uint32_t k = 0; k < axis; ++k) outer *= y.dims[k];
    for (uint32_t k = axis + 1; k < y.rank; ++k) after *= y.dims[k];
    const uint32_t inner_y = y.dims[axis] * after;
    uint32_t at = 0;
    for (uint32_t i = 0; i < o.n_inputs; ++i) {
        const Tensor x = tensor(m, o.inputs[i], arena);
        const uint32_t inner = x.dims[axis] * after;
        for (uint32_t b = 0; b < outer; ++b)
            for (uint32_t k = 0; k < inner; ++k) y.f32()[size_t(b) * inner_y + at + k] = x.f32()[size_t(b) * inner + k];
        at += inner;
    }
    const Clamp c = clamp_of(static_cast<Activation>(o.ints[1]));
    if (c.on)
        for (uint32_t i = 0; i < y.count; ++i) y.f32()[i] = c(y.f32()[i]);
}

// Elementwise activations, y[i] = f(x[i]); y may be x.
inline float hard_sigmoid(float v) {  // Keras 3: relu6(v + 3) / 6
    const float r = v + 3.0f;
    return (r < 0.0f ? 0.0f : r > 6.0f ? 6.0f : r) * (1.0f / 6.0f);
}

// The standard normal distribution's tail, Phi(-u) = erfc(u / sqrt 2) / 2 for
// u >= 0: exp(-u^2 / 2) S(u), S a polynomial in t = 1 / (1 + 0.3 u) fitted
// (least squares on the relative error, u in [0, 14]) to 4e-7 relative in
// float32; beyond u = 14 Phi(-u) < 1e-44, below float32's smallest value.
inline float normal_tail(float u) {
    if (!(u <= 14.0f)) return u > 14.0f ? 0.0f : u;  // NaN stays NaN
    const float t = math::divide(1.0f, 1.0f + 0.3f * u);
    float s = 0.0396956429f;
    s = s * t - 0.175031304f;
    s = s * t + 0.239686474f;
    s = s * t - 0.0879059583f;
    s = s * t + 0.149604151f;
    s = s * t + 0.0919982493f;
    s = s * t + 0.122529425f;
    s = s * t + 0.119412355f;
    s = s * t + 1.10576557e-05f;
    return math::exp(-0.5f * u * u) * s;
}

// GELU, x Phi(x) (Keras's approximate=False, TFLite's GELU), or with
// `approximate` its tanh form 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
inline float gelu(float v, bool approximate) {
    if (approximate) return 0.5f * v * (1.0f + kernels::tanh(0.797884561f * (v + 0.044715f * v * v * v)));
    if (v > 14.0f || v < -14.0f) return v > 0.0f ? v : 0.0f;  // (inf * a zero tail would be NaN)
    return v < 0.0f ? v * normal_tail(-v) : v - v * normal_tail(v);
}

// alpha: LEAKY_RELU's slope; GELU's approximate (0 or 1).
inline void unary(OpKind kind, const float* x, uint32_t n, float alpha, float* y) {
    for (uint32_t i = 0; i < n; ++i) {
        const float v = x[i];
        float r;
        switch (kind) {
            case OpKind::relu: r = v > 0.0f ? v : 0.0f; break;
            case OpKind::relu6: r = v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v; break;
            case OpKind::leaky_relu: r = v >= 0.0f ? v : alpha * v; break;
            case OpKind::elu: r = v > 0.0f ? v : math::exp(v) - 1.0f; break;
            case OpKind::logistic: r = math::logistic(v); break;
            case OpKind::tanh: r = kernels::tanh(v); break;
            case OpKind::hard_sigmoid: r = hard_sigmoid(v); break;
            case OpKind::gelu: r = gelu(v, alpha != 0.0f); break;
            case OpKind::silu: r = v * math::logistic(v); break;  // swish: LOGISTIC + MUL in one pass, in place
            default: r = v * hard_sigmoid(v); break;  // hard_swish: v relu6(v + 3) / 6
        }
        y[i] = r;
    }
}

// SOFTMAX over the last axis (rows of `width`), exp(beta (v - max)) / sum;
// y may be x.
inline void softmax(const float* x, uint32_t n, uint32_t width, float beta, float* y) {
    for (uint32_t r = 0; r < n; r += width, x += width, y += width) {
        const float top = x[kernels::argmax(x, width)];
        float sum = 0.0f;
        for (uint32_t k = 0; k < width; ++k) sum += (y[k] = math::exp(beta * (x[k] - top)));
        for (uint32_t k = 0; k < width; ++k) y[k] = math::divide(y[k], sum);
    }
}

}  // namespace float_ops
}  // namespace neural
}  // namespace microlearn
