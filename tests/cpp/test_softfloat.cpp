// device/natmods/softfloat.c (the ESP8266's float and integer helpers, see
// that file) against the host's IEEE 754 hardware, bit for bit. CMake compiles
// softfloat.c as C99 into this test with ML_SOFTFLOAT_TEST, which names its
// functions ml_sf_addsf3 etc. instead of __addsf3 etc.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

extern "C" {
float ml_sf_addsf3(float a, float b);
float ml_sf_subsf3(float a, float b);
float ml_sf_mulsf3(float a, float b);
float ml_sf_floatsisf(int32_t a);
float ml_sf_floatunsisf(uint32_t a);
uint32_t ml_sf_fixunssfsi(float a);
double ml_sf_extendsfdf2(float a);
float ml_sf_truncdfsf2(double a);
double ml_sf_adddf3(double a, double b);
double ml_sf_subdf3(double a, double b);
double ml_sf_muldf3(double a, double b);
double ml_sf_floatsidf(int32_t a);
double ml_sf_floatunsidf(uint32_t a);
uint32_t ml_sf_fixunsdfsi(double a);
int64_t ml_sf_muldi3(int64_t a, int64_t b);
uint32_t ml_sf_udivsi3(uint32_t n, uint32_t d);
uint32_t ml_sf_umodsi3(uint32_t n, uint32_t d);
int32_t ml_sf_divsi3(int32_t n, int32_t d);
int32_t ml_sf_fixdfsi(double a);
}

static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "the reference is the host's IEEE 754 arithmetic");
static_assert(FLT_EVAL_METHOD == 0, "float arithmetic must round to binary32 on every operation");

namespace {

std::string hex(uint64_t u) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(u));
    return buf;
}

uint32_t bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
uint64_t bits(double f) { uint64_t u; std::memcpy(&u, &f, 8); return u; }
float f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
double f64(uint64_t u) { double f; std::memcpy(&f, &u, 8); return f; }

// The reference results go through volatile so that the compiler cannot fold
// or contract them: each is one host instruction, rounded to nearest even.
float host_add(float a, float b) { volatile float x = a, y = b; return x + y; }
float host_sub(float a, float b) { volatile float x = a, y = b; return x - y; }
float host_mul(float a, float b) { volatile float x = a, y = b; return x * y; }
double host_add(double a, double b) { volatile double x = a, y = b; return x + y; }
double host_sub(double a, double b) { volatile double x = a, y = b; return x - y; }
double host_mul(double a, double b) { volatile double x = a, y = b; return x * y; }

// The two formats' parameters, for the helpers shared by both.
struct Binary32 {
    using Float = float;
    using Bits = uint32_t;
    static constexpr int kFracBits = 23, kBias = 127, kMaxExp = 255;
};
struct Binary64 {
    using Float = double;
    using Bits = uint64_t;
    static constexpr int kFracBits = 52, kBias = 1023, kMaxExp = 2047;
};

// Equal bits, or both NaN with the result a quiet NaN (any payload or sign).
template <class T>
::testing::AssertionResult same(T expected, T got) {
    const auto quiet = decltype(bits(got))(1) << (std::numeric_limits<T>::digits - 2);
    if (std::isnan(expected)) {
        if (std::isnan(got) && (bits(got) & quiet)) return ::testing::AssertionSuccess();
    } else if (bits(expected) == bits(got)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected " << hex(bits(expected)) << " got " << hex(bits(got));
}

struct Rng {  // splitmix64
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint32_t u32() { return uint32_t(next() >> 32); }
    uint32_t below(uint32_t n) { return uint32_t((next() >> 32) % n); }
    template <class Bits>
    Bits bits() { return Bits(next() >> (64 - 8 * sizeof(Bits))); }  // u32() for 32 bits
};

// A number of format F with the given exponent field, random sign, and a
// random fraction whose low bits are zero with some probability (short
// significands make exact results, ties and carries common).
template <class F>
typename F::Bits random_with_exponent(Rng& r, int32_t e) {
    using Bits = typename F::Bits;
    const Bits frac_mask = (Bits(1) << F::kFracBits) - 1, sign = Bits(1) << (8 * sizeof(Bits) - 1);
    if (e < 0) e = 0;
    if (e > F::kMaxExp - 1) e = F::kMaxExp - 1;
    Bits frac = r.bits<Bits>() & frac_mask;
    if (r.below(2)) frac &= ~((Bits(1) << r.below(F::kFracBits + 1)) - 1);
    return (r.bits<Bits>() & sign) | (Bits(e) << F::kFracBits) | frac;
}

// The operands: every pattern, or exponents clustered near a window.
template <class F>
typename F::Bits random_operand(Rng& r) {
    using Bits = typename F::Bits;
    switch (r.below(4)) {
        case 0: return r.bits<Bits>();
        case 1: return random_with_exponent<F>(r, int32_t(r.below(F::kFracBits + 1)));  // subnormals and the lowest normals
        case 2: return random_with_exponent<F>(r, F::kMaxExp - 1 - int32_t(r.below(8)));  // near overflow
        default: return random_with_exponent<F>(r, int32_t(r.below(F::kMaxExp)));
    }
}
uint32_t random_float(Rng& r) { return random_operand<Binary32>(r); }

// A second operand related to the first: a nearby exponent (alignment,
// cancellation, halfway cases) or, for products, an exponent near bias - e_a
// (results near 1) or near the subnormal range.
template <class F>
typename F::Bits related_operand(Rng& r, typename F::Bits a, bool for_product) {
    using Bits = typename F::Bits;
    const Bits frac_mask = (Bits(1) << F::kFracBits) - 1, sign = Bits(1) << (8 * sizeof(Bits) - 1);
    const int32_t ea = int32_t((a >> F::kFracBits) & Bits(F::kMaxExp)), reach = F::kFracBits + 7;
    int32_t delta = int32_t(r.below(2 * reach + 1)) - reach;
    switch (r.below(4)) {
        case 0: return r.bits<Bits>();
        case 1: return random_with_exponent<F>(r, ea + delta);
        case 2:
            if (for_product) return random_with_exponent<F>(r, F::kBias - ea + delta);
            return (a & ~frac_mask) ^ (r.bits<Bits>() & (sign | frac_mask));  // same exponent
        default:  // subnormal products, or around half an ulp of a
            if (for_product) return random_with_exponent<F>(r, F::kBias - F::kFracBits + 1 - ea + delta);
            return random_with_exponent<F>(r, ea - (F::kFracBits + 1) + int32_t(r.below(3)));
    }
}

std::vector<uint32_t> special_floats() {
    const uint32_t magnitudes[] = {
        0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x003FFFFF, 0x00400000, 0x00400001, 0x007FFFFE,
        0x007FFFFF, 0x00800000, 0x00800001, 0x00FFFFFF, 0x01000000, 0x0C000000, 0x33800000, 0x33800001,
        0x34000000, 0x3EFFFFFF, 0x3F000000, 0x3F000001, 0x3F7FFFFF, 0x3F800000, 0x3F800001, 0x3F800002,
        0x3F800003, 0x3FC00000, 0x3FFFFFFF, 0x40000000, 0x40400000, 0x4B000000, 0x4B000001, 0x4B7FFFFF,
        0x4B800000, 0x4B800001, 0x4EFFFFFF, 0x4F000000, 0x4F7FFFFF, 0x4F800000, 0x5F000000, 0x7E800000,
        0x7EFFFFFF, 0x7F000000, 0x7F7FFFFE, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0x7FA00000, 0x7FBFFFFF,
        0x7FC00000, 0x7FC00001, 0x7FFFFFFF,
    };
    std::vector<uint32_t> v;
    for (uint32_t m : magnitudes) {
        v.push_back(m);
        v.push_back(m | 0x80000000u);
    }
    return v;
}

// The binary64 specials: zeros, subnormals, min/max normal, around 0.5, 1, 2,
// 2^31, 2^32, 2^52, 2^53 and overflow, infinities, signalling and quiet NaNs.
std::vector<uint64_t> special_doubles() {
    const uint64_t magnitudes[] = {
        0x0000000000000000, 0x0000000000000001, 0x0000000000000002, 0x0000000000000003, 0x0007FFFFFFFFFFFF,
        0x0008000000000000, 0x0008000000000001, 0x000FFFFFFFFFFFFE, 0x000FFFFFFFFFFFFF, 0x0010000000000000,
        0x0010000000000001, 0x001FFFFFFFFFFFFF, 0x0020000000000000, 0x0180000000000000, 0x1FF0000000000000,
        0x3CA0000000000000, 0x3CA0000000000001, 0x3CB0000000000000, 0x3FDFFFFFFFFFFFFF, 0x3FE0000000000000,
        0x3FE0000000000001, 0x3FEFFFFFFFFFFFFF, 0x3FF0000000000000, 0x3FF0000000000001, 0x3FF0000000000002,
        0x3FF0000000000003, 0x3FF8000000000000, 0x3FFFFFFFFFFFFFFF, 0x4000000000000000, 0x4008000000000000,
        0x41DFFFFFFFC00000, 0x41E0000000000000, 0x41EFFFFFFFE00000, 0x41F0000000000000, 0x4330000000000000,
        0x4330000000000001, 0x433FFFFFFFFFFFFF, 0x4340000000000000, 0x4340000000000001, 0x5FE0000000000000,
        0x7C90000000000000, 0x7FD0000000000000, 0x7FDFFFFFFFFFFFFF, 0x7FE0000000000000, 0x7FEFFFFFFFFFFFFE,
        0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0x7FF0000000000001, 0x7FF4000000000000, 0x7FF7FFFFFFFFFFFF,
        0x7FF8000000000000, 0x7FF8000000000001, 0x7FFFFFFFFFFFFFFF,
    };
    std::vector<uint64_t> v;
    for (uint64_t m : magnitudes) {
        v.push_back(m);
        v.push_back(m | (uint64_t(1) << 63));
    }
    return v;
}

constexpr int kRandomPairs = 1500000;

// soft(a, b) against the host's a op b, for every pair of specials and for
// kRandomPairs random pairs of related operands.
template <class F>
void check_binary(typename F::Float (*soft)(typename F::Float, typename F::Float),
                  typename F::Float (*host)(typename F::Float, typename F::Float),
                  const std::vector<typename F::Bits>& special, bool product, uint64_t seed) {
    using Bits = typename F::Bits;
    using Float = typename F::Float;
    int failures = 0;
    auto check = [&](Bits a, Bits b) {
        Float x, y;
        std::memcpy(&x, &a, sizeof x);
        std::memcpy(&y, &b, sizeof y);
        auto r = same(host(x, y), soft(x, y));
        if (!r && failures++ < 10) ADD_FAILURE() << hex(a) << ", " << hex(b) << ": " << r.message();
    };
    for (Bits a : special)
        for (Bits b : special) check(a, b);
    Rng rng{seed};
    for (int i = 0; i < kRandomPairs; ++i) {
        Bits a = random_operand<F>(rng);
        Bits b = related_operand<F>(rng, a, product);
        if (rng.below(2)) std::swap(a, b);
        check(a, b);
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, Add) { check_binary<Binary32>(ml_sf_addsf3, host_add, special_floats(), false, 1); }
TEST(SoftFloat, Sub) { check_binary<Binary32>(ml_sf_subsf3, host_sub, special_floats(), false, 2); }
TEST(SoftFloat, Mul) { check_binary<Binary32>(ml_sf_mulsf3, host_mul, special_floats(), true, 3); }
TEST(SoftFloat, AddDouble) { check_binary<Binary64>(ml_sf_adddf3, host_add, special_doubles(), false, 11); }
TEST(SoftFloat, SubDouble) { check_binary<Binary64>(ml_sf_subdf3, host_sub, special_doubles(), false, 12); }
TEST(SoftFloat, MulDouble) { check_binary<Binary64>(ml_sf_muldf3, host_mul, special_doubles(), true, 13); }

TEST(SoftFloat, HandPickedCases) {
    const float inf = std::numeric_limits<float>::infinity();
    const float min_sub = f32(1), max_sub = f32(0x007FFFFF), min_norm = f32(0x00800000), max = f32(0x7F7FFFFF);
    EXPECT_EQ(bits(ml_sf_addsf3(0.0f, -0.0f)), 0x00000000u);
    EXPECT_EQ(bits(ml_sf_addsf3(-0.0f, -0.0f)), 0x80000000u);
    EXPECT_EQ(bits(ml_sf_subsf3(1.5f, 1.5f)), 0x00000000u);      // exact cancellation: +0
    EXPECT_EQ(bits(ml_sf_subsf3(-0.0f, 0.0f)), 0x80000000u);
    EXPECT_EQ(bits(ml_sf_addsf3(1.0f, f32(0x33800000))), 0x3F800000u);  // 1 + ulp/2: tie to even (down)
    EXPECT_EQ(bits(ml_sf_addsf3(f32(0x3F800001), f32(0x33800000))), 0x3F800002u);  // tie to even (up)
    EXPECT_EQ(bits(ml_sf_addsf3(f32(0x3F7FFFFF), f32(0x33000000))), 0x3F800000u);  // carry into the exponent
    EXPECT_EQ(bits(ml_sf_addsf3(max_sub, min_sub)), 0x00800000u);  // subnormal + subnormal -> normal
    EXPECT_EQ(bits(ml_sf_subsf3(min_norm, min_sub)), 0x007FFFFFu);  // normal - subnormal -> subnormal
    EXPECT_EQ(bits(ml_sf_addsf3(max, f32(0x73000000))), 0x7F800000u);  // max + ulp/2 rounds (to even) to inf
    EXPECT_EQ(bits(ml_sf_addsf3(max, f32(0x72FFFFFF))), 0x7F7FFFFFu);  // just below the tie: stays finite
    EXPECT_TRUE(std::isnan(ml_sf_addsf3(inf, -inf)));
    EXPECT_TRUE(std::isnan(ml_sf_mulsf3(inf, 0.0f)));
    EXPECT_EQ(bits(ml_sf_mulsf3(-0.0f, 3.0f)), 0x80000000u);
    EXPECT_EQ(bits(ml_sf_mulsf3(max, 2.0f)), 0x7F800000u);
    EXPECT_EQ(bits(ml_sf_mulsf3(min_norm, 0.5f)), 0x00400000u);  // to a subnormal, exactly
    EXPECT_EQ(bits(ml_sf_mulsf3(min_sub, 0.5f)), 0x00000000u);  // half the least subnormal: tie to even, 0
    EXPECT_EQ(bits(ml_sf_mulsf3(f32(0x00000003), 0.5f)), 0x00000002u);  // 1.5 least subnormals: tie to 2
    EXPECT_EQ(bits(ml_sf_mulsf3(min_sub, f32(0x3F000001))), 0x00000001u);  // just above the tie: rounds up
    EXPECT_EQ(bits(ml_sf_mulsf3(f32(0x3F800001), 1.5f)), bits(host_mul(f32(0x3F800001), 1.5f)));  // tie
    EXPECT_EQ(bits(ml_sf_mulsf3(f32(0x007FFFFF), f32(0x4B000000))), bits(host_mul(f32(0x007FFFFF), f32(0x4B000000))));
    // A NaN input comes back quietened.
    EXPECT_EQ(bits(ml_sf_addsf3(f32(0x7F800001), 1.0f)), 0x7FC00001u);
    EXPECT_EQ(bits(ml_sf_mulsf3(2.0f, f32(0xFFC00005))), 0xFFC00005u);
}

TEST(SoftFloat, HandPickedDoubleCases) {
    const double inf = std::numeric_limits<double>::infinity();
    const double min_sub = f64(1), max_sub = f64(0x000FFFFFFFFFFFFF), min_norm = f64(0x0010000000000000);
    const double max = f64(0x7FEFFFFFFFFFFFFF), half_ulp1 = f64(0x3CA0000000000000);  // 2^-53
    EXPECT_EQ(bits(ml_sf_adddf3(0.0, -0.0)), 0x0000000000000000u);
    EXPECT_EQ(bits(ml_sf_adddf3(-0.0, -0.0)), 0x8000000000000000u);
    EXPECT_EQ(bits(ml_sf_subdf3(1.5, 1.5)), 0x0000000000000000u);  // exact cancellation: +0
    EXPECT_EQ(bits(ml_sf_subdf3(-0.0, 0.0)), 0x8000000000000000u);
    EXPECT_EQ(bits(ml_sf_adddf3(1.0, half_ulp1)), 0x3FF0000000000000u);  // 1 + ulp/2: tie to even (down)
    EXPECT_EQ(bits(ml_sf_adddf3(f64(0x3FF0000000000001), half_ulp1)), 0x3FF0000000000002u);  // tie (up)
    EXPECT_EQ(bits(ml_sf_adddf3(1.0, f64(0x3CA0000000000001))), 0x3FF0000000000001u);  // above the tie
    EXPECT_EQ(bits(ml_sf_adddf3(f64(0x3FEFFFFFFFFFFFFF), f64(0x3C90000000000000))), 0x3FF0000000000000u);  // carry
    EXPECT_EQ(bits(ml_sf_subdf3(1.0, f64(0x3C90000000000000))), 0x3FF0000000000000u);  // 1 - 2^-54: tie, to even (1)
    EXPECT_EQ(bits(ml_sf_subdf3(1.0, f64(0x3C90000000000001))), 0x3FEFFFFFFFFFFFFFu);  // just above the tie
    EXPECT_EQ(bits(ml_sf_subdf3(f64(0x3FF0000000000001), 1.0)), 0x3CB0000000000000u);  // cancellation: exact 2^-52
    EXPECT_EQ(bits(ml_sf_adddf3(max_sub, min_sub)), 0x0010000000000000u);  // subnormal + subnormal -> normal
    EXPECT_EQ(bits(ml_sf_subdf3(min_norm, min_sub)), 0x000FFFFFFFFFFFFFu);  // normal - subnormal -> subnormal
    EXPECT_EQ(bits(ml_sf_adddf3(max, f64(0x7C90000000000000))), 0x7FF0000000000000u);  // max + ulp/2 -> inf
    EXPECT_EQ(bits(ml_sf_adddf3(max, f64(0x7C8FFFFFFFFFFFFF))), 0x7FEFFFFFFFFFFFFFu);  // below the tie: finite
    EXPECT_EQ(bits(ml_sf_adddf3(-max, -max)), 0xFFF0000000000000u);
    EXPECT_TRUE(std::isnan(ml_sf_adddf3(inf, -inf)));
    EXPECT_EQ(bits(ml_sf_adddf3(inf, inf)), 0x7FF0000000000000u);
    EXPECT_EQ(bits(ml_sf_subdf3(5.0, inf)), 0xFFF0000000000000u);
    EXPECT_TRUE(std::isnan(ml_sf_muldf3(inf, 0.0)));
    EXPECT_TRUE(std::isnan(ml_sf_muldf3(-0.0, -inf)));
    EXPECT_EQ(bits(ml_sf_muldf3(-inf, 2.0)), 0xFFF0000000000000u);
    EXPECT_EQ(bits(ml_sf_muldf3(-0.0, 3.0)), 0x8000000000000000u);
    EXPECT_EQ(bits(ml_sf_muldf3(-0.0, -min_sub)), 0x0000000000000000u);
    EXPECT_EQ(bits(ml_sf_muldf3(max, 2.0)), 0x7FF0000000000000u);
    EXPECT_EQ(bits(ml_sf_muldf3(max, 1.0)), 0x7FEFFFFFFFFFFFFFu);
    EXPECT_EQ(bits(ml_sf_muldf3(min_norm, 0.5)), 0x0008000000000000u);  // to a subnormal, exactly
    EXPECT_EQ(bits(ml_sf_muldf3(min_sub, 0.5)), 0x0000000000000000u);  // half the least subnormal: tie to even, 0
    EXPECT_EQ(bits(ml_sf_muldf3(f64(3), 0.5)), 0x0000000000000002u);  // 1.5 least subnormals: tie to 2
    EXPECT_EQ(bits(ml_sf_muldf3(min_sub, f64(0x3FE0000000000001))), 0x0000000000000001u);  // above the tie
    EXPECT_EQ(bits(ml_sf_muldf3(min_sub, min_sub)), 0x0000000000000000u);  // far below: zero
    EXPECT_EQ(bits(ml_sf_muldf3(max_sub, f64(0x4330000000000000))), bits(host_mul(max_sub, f64(0x4330000000000000))));
    EXPECT_EQ(bits(ml_sf_muldf3(f64(0x000FFFFFFFFFFFFF), f64(0x3FF0000000000001))), 0x0010000000000000u);  // to min normal
    EXPECT_EQ(bits(ml_sf_muldf3(f64(0x3FF0000000000001), 1.5)), bits(host_mul(f64(0x3FF0000000000001), 1.5)));  // tie
    EXPECT_EQ(bits(ml_sf_muldf3(f64(0x3FFFFFFFFFFFFFFF), f64(0x3FFFFFFFFFFFFFFF))), 0x400FFFFFFFFFFFFEu);  // 106-bit product
    EXPECT_EQ(bits(ml_sf_muldf3(4294967295.0, 4294967295.0)), 0x43EFFFFFFFC00000u);  // 2^64 - 2^33 + 1 rounds down
    // A NaN input comes back quietened.
    EXPECT_EQ(bits(ml_sf_adddf3(f64(0x7FF0000000000001), 1.0)), 0x7FF8000000000001u);
    EXPECT_EQ(bits(ml_sf_subdf3(1.0, f64(0x7FF8000000000005))), 0xFFF8000000000005u);
    EXPECT_EQ(bits(ml_sf_muldf3(2.0, f64(0xFFF8000000000005))), 0xFFF8000000000005u);
    EXPECT_EQ(bits(ml_sf_muldf3(f64(0x7FF4000000000000), 0.0)), 0x7FFC000000000000u);
    // What arrays.c relies on: every int32 exact, times a scale, plus an offset.
    EXPECT_EQ(ml_sf_floatsidf(INT32_MIN), -2147483648.0);
    EXPECT_EQ(ml_sf_floatunsidf(0xFFFFFFFFu), 4294967295.0);
    EXPECT_EQ(bits(ml_sf_floatsidf(0)), 0x0000000000000000u);  // +0, not -0
}

// int32 and uint32 to binary32 (rounded) and binary64 (exact).
TEST(SoftFloat, IntToFloat) {
    std::vector<uint32_t> edges;
    for (int n = 0; n < 32; ++n)
        for (int d = -3; d <= 3; ++d) {
            edges.push_back((uint32_t(1) << n) + uint32_t(d));
            edges.push_back(uint32_t(0) - ((uint32_t(1) << n) + uint32_t(d)));
        }
    for (uint32_t u : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFFu, 0x00FFFFFFu, 0x01000001u,
                       0x01000003u, 0x01000002u, 0x7FFFFFC0u, 0x7FFFFF80u, 0x7FFFFF7Fu, 0xFFFFFF7Fu, 0xFFFFFF80u})
        edges.push_back(u);
    Rng rng{4};
    for (int i = 0; i < kRandomPairs; ++i) edges.push_back(rng.u32() >> rng.below(32));
    int failures = 0;
    for (uint32_t u : edges) {
        volatile uint32_t vu = u;
        volatile int32_t vi = int32_t(u);  // modular conversion (defined since C++20, GCC always)
        auto r1 = same(float(vu), ml_sf_floatunsisf(u));
        auto r2 = same(float(vi), ml_sf_floatsisf(int32_t(u)));
        auto r3 = same(double(vu), ml_sf_floatunsidf(u));
        auto r4 = same(double(vi), ml_sf_floatsidf(int32_t(u)));
        if (!r1 && failures++ < 10) ADD_FAILURE() << "floatunsisf(" << u << "): " << r1.message();
        if (!r2 && failures++ < 10) ADD_FAILURE() << "floatsisf(" << int32_t(u) << "): " << r2.message();
        if (!r3 && failures++ < 10) ADD_FAILURE() << "floatunsidf(" << u << "): " << r3.message();
        if (!r4 && failures++ < 10) ADD_FAILURE() << "floatsidf(" << int32_t(u) << "): " << r4.message();
    }
    EXPECT_EQ(failures, 0);
}

// C leaves out-of-range float -> unsigned undefined; softfloat.c saturates.
template <class T>
uint32_t expected_fixuns(T f) {
    if (std::isnan(f)) return 0;
    if (f > T(-1) && f < T(4294967296.0)) {
        volatile T v = f;
        return uint32_t(v);  // truncation toward zero
    }
    return f < 0 ? 0 : 0xFFFFFFFFu;
}

TEST(SoftFloat, FloatToUnsigned) {
    std::vector<uint32_t> edges = special_floats();
    for (int e = 120; e <= 165; ++e)  // around 1, 2^23, 2^24, 2^31, 2^32
        for (uint32_t frac : {0x000000u, 0x000001u, 0x400000u, 0x7FFFFEu, 0x7FFFFFu, 0x200001u})
            for (uint32_t sign : {0u, 0x80000000u}) edges.push_back(sign | (uint32_t(e) << 23) | frac);
    Rng rng{5};
    for (int i = 0; i < kRandomPairs; ++i) edges.push_back(rng.below(2) ? rng.u32() : random_with_exponent<Binary32>(rng, 110 + int32_t(rng.below(55))));
    int failures = 0;
    for (uint32_t a : edges) {
        uint32_t want = expected_fixuns(f32(a)), got = ml_sf_fixunssfsi(f32(a));
        if (want != got && failures++ < 10) ADD_FAILURE() << hex(a) << ": expected " << hex(want) << " got " << hex(got);
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(ml_sf_fixunssfsi(-0.75f), 0u);
    EXPECT_EQ(ml_sf_fixunssfsi(-1.0f), 0u);
    EXPECT_EQ(ml_sf_fixunssfsi(4294967040.0f), 4294967040u);  // largest float below 2^32
    EXPECT_EQ(ml_sf_fixunssfsi(4294967296.0f), 0xFFFFFFFFu);
    EXPECT_EQ(ml_sf_fixunssfsi(std::numeric_limits<float>::infinity()), 0xFFFFFFFFu);
    EXPECT_EQ(ml_sf_fixunssfsi(-std::numeric_limits<float>::infinity()), 0u);
    EXPECT_EQ(ml_sf_fixunssfsi(f32(0x7FC00000)), 0u);
}

TEST(SoftFloat, DoubleToUnsigned) {
    std::vector<uint64_t> edges = special_doubles();
    for (int e = 1013; e <= 1060; ++e)  // around 1, 2^31, 2^32 (and every shift in between)
        for (uint64_t frac : {0x0ull, 0x1ull, 0x8000000000000ull, 0xFFFFFFFFFFFFEull, 0xFFFFFFFFFFFFFull,
                              0xFFFFFFFE00000ull, 0xFFFFFFFF00000ull, 0x4000000000001ull})
            for (uint64_t sign : {uint64_t(0), uint64_t(1) << 63}) edges.push_back(sign | (uint64_t(e) << 52) | frac);
    for (uint32_t u : {0u, 1u, 2u, 3u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu}) {
        const uint64_t d = bits(double(u));  // integers and their neighbours
        edges.insert(edges.end(), {d - 1, d, d + 1});
    }
    Rng rng{10};
    for (int i = 0; i < kRandomPairs; ++i)
        edges.push_back(rng.below(2) ? rng.next() : random_with_exponent<Binary64>(rng, 1000 + int32_t(rng.below(60))));
    int failures = 0;
    for (uint64_t a : edges) {
        uint32_t want = expected_fixuns(f64(a)), got = ml_sf_fixunsdfsi(f64(a));
        if (want != got && failures++ < 10) ADD_FAILURE() << hex(a) << ": expected " << hex(want) << " got " << hex(got);
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(ml_sf_fixunsdfsi(-0.75), 0u);
    EXPECT_EQ(ml_sf_fixunsdfsi(-1.0), 0u);
    EXPECT_EQ(ml_sf_fixunsdfsi(4294967295.75), 0xFFFFFFFFu);
    EXPECT_EQ(ml_sf_fixunsdfsi(4294967296.0), 0xFFFFFFFFu);
    EXPECT_EQ(ml_sf_fixunsdfsi(2147483648.5), 0x80000000u);
    EXPECT_EQ(ml_sf_fixunsdfsi(std::numeric_limits<double>::infinity()), 0xFFFFFFFFu);
    EXPECT_EQ(ml_sf_fixunsdfsi(-std::numeric_limits<double>::infinity()), 0u);
    EXPECT_EQ(ml_sf_fixunsdfsi(f64(0x7FF8000000000000)), 0u);
}

TEST(SoftFloat, FloatToDouble) {
    std::vector<uint32_t> edges = special_floats();
    for (uint32_t i = 0; i < 0x1000; ++i) edges.push_back(i << 11);  // every exponent, sign, some fractions
    for (uint32_t i = 0; i < 24; ++i) edges.push_back(1u << i);  // every subnormal leading-bit position
    Rng rng{6};
    for (int i = 0; i < kRandomPairs; ++i) edges.push_back(random_float(rng));
    int failures = 0;
    for (uint32_t a : edges) {
        volatile float v = f32(a);
        auto r = same(double(v), ml_sf_extendsfdf2(f32(a)));
        if (!r && failures++ < 10) ADD_FAILURE() << hex(a) << ": " << r.message();
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(bits(ml_sf_extendsfdf2(f32(0x7F800001))) >> 51, 0xFFFu);  // signalling NaN quietened
}

// A double with exponent field e, random sign and fraction, low bits often
// shaped into float rounding ties (the 29 bits binary32 drops: 100...0, +-1).
uint64_t random_double_with_exponent(Rng& r, int32_t e) {
    uint64_t frac = r.next() & ((uint64_t(1) << 52) - 1);
    switch (r.below(4)) {
        case 0: frac = (frac & ~((uint64_t(1) << 29) - 1)) | (uint64_t(1) << 28); break;  // tie
        case 1: frac = (frac & ~((uint64_t(1) << 29) - 1)) | ((uint64_t(1) << 28) + (r.below(2) ? 1 : -1)); break;
        case 2: frac &= ~((uint64_t(1) << r.below(53)) - 1); break;
        default: break;
    }
    return (r.next() & (uint64_t(1) << 63)) | (uint64_t(e) << 52) | frac;
}

TEST(SoftFloat, DoubleToFloat) {
    std::vector<uint64_t> edges;
    for (uint32_t a : special_floats()) {  // every float, as a double, and its neighbours
        volatile float v = f32(a);
        uint64_t d = bits(double(v));
        for (int k = -2; k <= 2; ++k) edges.push_back(d + uint64_t(int64_t(k)));
    }
    for (uint64_t u : {uint64_t(0), uint64_t(1), uint64_t(0x000FFFFFFFFFFFFF), uint64_t(0x7FEFFFFFFFFFFFFF),
                       uint64_t(0x7FF0000000000000), uint64_t(0x7FF0000000000001), uint64_t(0x7FF8000000000000),
                       uint64_t(0x7FFFFFFFFFFFFFFF), uint64_t(0x47EFFFFFE0000000), uint64_t(0x47EFFFFFDFFFFFFF),
                       uint64_t(0x36A0000000000000), uint64_t(0x36A0000000000001), uint64_t(0x3690000000000000),
                       uint64_t(0x3690000000000001), uint64_t(0x36AFFFFFFFFFFFFF), uint64_t(0x380FFFFFE0000000),
                       uint64_t(0x380FFFFFF0000000), uint64_t(0x3FF0000010000000), uint64_t(0x3FF0000030000000)}) {
        edges.push_back(u);
        edges.push_back(u | (uint64_t(1) << 63));
    }
    Rng rng{7};
    for (int i = 0; i < kRandomPairs; ++i) {
        switch (rng.below(3)) {
            case 0: edges.push_back(rng.next()); break;
            case 1: edges.push_back(random_double_with_exponent(rng, 1023 - 155 + int32_t(rng.below(40)))); break;  // subnormal range
            default: edges.push_back(random_double_with_exponent(rng, 1023 - 130 + int32_t(rng.below(265)))); break;
        }
    }
    int failures = 0;
    for (uint64_t a : edges) {
        volatile double v = f64(a);
        auto r = same(float(v), ml_sf_truncdfsf2(f64(a)));
        if (!r && failures++ < 10) ADD_FAILURE() << hex(a) << ": " << r.message();
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, Muldi3) {
    const uint64_t special[] = {0, 1, 2, 3, 0xFFFFFFFF, 0x100000000ull, 0x7FFFFFFF, 0x80000000ull,
                                0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, 0xFFFFFFFFFFFFFFFFull,
                                0xFFFFFFFF00000000ull, 0x00000000FFFF0000ull, 0xFFFF0000FFFF0000ull};
    std::vector<std::pair<uint64_t, uint64_t>> cases;
    for (uint64_t a : special)
        for (uint64_t b : special) cases.push_back({a, b});
    Rng rng{8};
    for (int i = 0; i < kRandomPairs; ++i) {
        uint64_t a = rng.next() >> rng.below(64), b = rng.next() >> rng.below(64);
        if (rng.below(2)) a = 0 - a;
        if (rng.below(2)) b = 0 - b;
        cases.push_back({a, b});
    }
    int failures = 0;
    for (auto [a, b] : cases) {
        int64_t want = int64_t(a * b);  // modular (defined since C++20, GCC always)
        int64_t got = ml_sf_muldi3(int64_t(a), int64_t(b));
        if (want != got && failures++ < 10) ADD_FAILURE() << hex(a) << " * " << hex(b);
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, UnsignedDivision) {
    const uint32_t special[] = {0, 1, 2, 3, 7, 10, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000u, 0x80000001u,
                                0xC0000000u, 0xFFFFFFFEu, 0xFFFFFFFFu};
    std::vector<std::pair<uint32_t, uint32_t>> cases;
    for (uint32_t n : special)
        for (uint32_t d : special) cases.push_back({n, d});
    Rng rng{9};
    for (int i = 0; i < kRandomPairs; ++i) cases.push_back({rng.u32() >> rng.below(32), rng.u32() >> rng.below(32)});
    int failures = 0;
    for (auto [n, d] : cases) {
        uint32_t q = ml_sf_udivsi3(n, d), r = ml_sf_umodsi3(n, d);
        uint32_t want_q = d ? n / d : 0xFFFFFFFFu, want_r = d ? n % d : n;  // documented for d == 0
        if ((q != want_q || r != want_r) && failures++ < 10)
            ADD_FAILURE() << n << " / " << d << ": got " << q << " rem " << r;
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, SignedDivision) {
    const int32_t special[] = {0, 1, -1, 2, -2, 3, -7, 10, 0xFFFF, -0x10000, 0x7FFFFFFF, -0x7FFFFFFF,
                               std::numeric_limits<int32_t>::min()};
    std::vector<std::pair<int32_t, int32_t>> cases;
    for (int32_t n : special)
        for (int32_t d : special) cases.push_back({n, d});
    Rng rng{10};
    for (int i = 0; i < kRandomPairs; ++i)
        cases.push_back({(int32_t)(rng.u32() >> rng.below(32)), (int32_t)(rng.u32() >> rng.below(32))});
    int failures = 0;
    for (auto [n, d] : cases) {
        int32_t want;  // C's truncating division, with the documented results where C has none
        if (d == 0) want = n < 0 ? 1 : -1;
        else if (n == std::numeric_limits<int32_t>::min() && d == -1) want = n;
        else want = n / d;
        int32_t got = ml_sf_divsi3(n, d);
        if (got != want && failures++ < 10) ADD_FAILURE() << n << " / " << d << ": got " << got;
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, DoubleToSigned) {
    const double inf = std::numeric_limits<double>::infinity();
    const double cases[] = {0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.0, -1.0, 1.5, -1.5, 123456.75, -123456.75,
                            2147483647.0, 2147483647.9, -2147483648.0, -2147483648.9, 2147483648.0,
                            -2147483649.0, 1e300, -1e300, inf, -inf, 4.9e-324, -4.9e-324};
    for (double a : cases) {
        int32_t want = a >= 2147483648.0 ? std::numeric_limits<int32_t>::max()
                       : a <= -2147483649.0 ? std::numeric_limits<int32_t>::min()
                       : static_cast<int32_t>(a);
        EXPECT_EQ(ml_sf_fixdfsi(a), want) << a;
    }
    EXPECT_EQ(ml_sf_fixdfsi(std::nan("")), 0);
    Rng rng{11};
    for (int i = 0; i < kRandomPairs; ++i) {
        double a = static_cast<double>(static_cast<int32_t>(rng.u32())) * (1.0 + rng.below(1000) / 1000.0) /
                   (1 + rng.below(64));
        int32_t want = a >= 2147483648.0 ? std::numeric_limits<int32_t>::max()
                       : a <= -2147483649.0 ? std::numeric_limits<int32_t>::min()
                       : static_cast<int32_t>(a);
        if (ml_sf_fixdfsi(a) != want) ADD_FAILURE() << a;
    }
}

}  // namespace
