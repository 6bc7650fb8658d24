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
int64_t ml_sf_muldi3(int64_t a, int64_t b);
uint32_t ml_sf_udivsi3(uint32_t n, uint32_t d);
uint32_t ml_sf_umodsi3(uint32_t n, uint32_t d);
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

// Equal bits, or both NaN with the result a quiet NaN (any payload or sign).
::testing::AssertionResult same32(float expected, float got) {
    if (std::isnan(expected)) {
        if (std::isnan(got) && (bits(got) & 0x00400000u)) return ::testing::AssertionSuccess();
    } else if (bits(expected) == bits(got)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected " << hex(bits(expected)) << " got " << hex(bits(got));
}

::testing::AssertionResult same64(double expected, double got) {
    if (std::isnan(expected)) {
        if (std::isnan(got) && (bits(got) & (uint64_t(1) << 51))) return ::testing::AssertionSuccess();
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
};

// A float with the given exponent field, random sign, and a random fraction
// whose low bits are zero with some probability (short significands make
// exact results, ties and carries common).
uint32_t random_with_exponent(Rng& r, int32_t e) {
    if (e < 0) e = 0;
    if (e > 254) e = 254;
    uint32_t frac = r.u32() & 0x007FFFFFu;
    if (r.below(2)) frac &= ~((1u << r.below(24)) - 1);
    return (r.u32() & 0x80000000u) | (uint32_t(e) << 23) | frac;
}

// The float operands: every pattern, or exponents clustered near a window.
uint32_t random_float(Rng& r) {
    switch (r.below(4)) {
        case 0: return r.u32();
        case 1: return random_with_exponent(r, int32_t(r.below(24)));     // subnormals and the lowest normals
        case 2: return random_with_exponent(r, 254 - int32_t(r.below(8)));  // near overflow
        default: return random_with_exponent(r, int32_t(r.below(255)));
    }
}

// A second operand related to the first: a nearby exponent (alignment,
// cancellation, halfway cases) or, for products, an exponent near 127 - e_a
// (results near 1) or near the subnormal range.
uint32_t related_float(Rng& r, uint32_t a, bool for_product) {
    int32_t ea = int32_t((a >> 23) & 0xFF);
    int32_t delta = int32_t(r.below(61)) - 30;
    switch (r.below(4)) {
        case 0: return r.u32();
        case 1: return random_with_exponent(r, ea + delta);
        case 2:
            if (for_product) return random_with_exponent(r, 127 - ea + delta);
            return (a & ~0x007FFFFFu) ^ (r.u32() & 0x807FFFFFu);  // same exponent
        default:
            if (for_product) return random_with_exponent(r, 127 - 149 - ea + 127 + delta);  // subnormal products
            return random_with_exponent(r, ea - 24 + int32_t(r.below(3)));  // around half an ulp of a
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

constexpr int kRandomPairs = 1500000;

void check_binary(float (*soft)(float, float), float (*host)(float, float), bool product, uint64_t seed) {
    const std::vector<uint32_t> special = special_floats();
    int failures = 0;
    for (uint32_t a : special)
        for (uint32_t b : special) {
            auto r = same32(host(f32(a), f32(b)), soft(f32(a), f32(b)));
            if (!r && failures++ < 10) ADD_FAILURE() << hex(a) << ", " << hex(b) << ": " << r.message();
        }
    Rng rng{seed};
    for (int i = 0; i < kRandomPairs; ++i) {
        uint32_t a = random_float(rng);
        uint32_t b = related_float(rng, a, product);
        if (rng.below(2)) std::swap(a, b);
        auto r = same32(host(f32(a), f32(b)), soft(f32(a), f32(b)));
        if (!r && failures++ < 10) ADD_FAILURE() << hex(a) << ", " << hex(b) << ": " << r.message();
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, Add) { check_binary(ml_sf_addsf3, host_add, false, 1); }
TEST(SoftFloat, Sub) { check_binary(ml_sf_subsf3, host_sub, false, 2); }
TEST(SoftFloat, Mul) { check_binary(ml_sf_mulsf3, host_mul, true, 3); }

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
        auto r1 = same32(float(vu), ml_sf_floatunsisf(u));
        auto r2 = same32(float(vi), ml_sf_floatsisf(int32_t(u)));
        if (!r1 && failures++ < 10) ADD_FAILURE() << "floatunsisf(" << u << "): " << r1.message();
        if (!r2 && failures++ < 10) ADD_FAILURE() << "floatsisf(" << int32_t(u) << "): " << r2.message();
    }
    EXPECT_EQ(failures, 0);
}

// C leaves out-of-range float -> unsigned undefined; softfloat.c saturates.
uint32_t expected_fixuns(float f) {
    if (std::isnan(f)) return 0;
    if (f > -1.0f && f < 4294967296.0f) {
        volatile float v = f;
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
    for (int i = 0; i < kRandomPairs; ++i) edges.push_back(rng.below(2) ? rng.u32() : random_with_exponent(rng, 110 + int32_t(rng.below(55))));
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

TEST(SoftFloat, FloatToDouble) {
    std::vector<uint32_t> edges = special_floats();
    for (uint32_t i = 0; i < 0x1000; ++i) edges.push_back(i << 11);  // every exponent, sign, some fractions
    for (uint32_t i = 0; i < 24; ++i) edges.push_back(1u << i);  // every subnormal leading-bit position
    Rng rng{6};
    for (int i = 0; i < kRandomPairs; ++i) edges.push_back(random_float(rng));
    int failures = 0;
    for (uint32_t a : edges) {
        volatile float v = f32(a);
        auto r = same64(double(v), ml_sf_extendsfdf2(f32(a)));
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
        auto r = same32(float(v), ml_sf_truncdfsf2(f64(a)));
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

}  // namespace
