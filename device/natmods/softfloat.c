// Soft-float and integer helpers for ARCH=xtensa (ESP8266, lx106).
//
// GCC compiles float arithmetic on the lx106 into calls to libgcc routines,
// but Debian's gcc-xtensa-lx106 libgcc.a leaves out the ones the ESP8266 ROM
// provides, and a native module cannot call ROM addresses. These are our own
// versions of exactly the missing ones, written from the IEEE 754 rules:
//
//   __addsf3 __subsf3 __mulsf3             binary32 + - *
//   __floatsisf __floatunsisf              int32 / uint32 -> binary32
//   __fixunssfsi                           binary32 -> uint32
//   __extendsfdf2 __truncdfsf2             binary32 <-> binary64
//   __adddf3 __subdf3 __muldf3             binary64 + - *
//   __floatsidf __floatunsidf              int32 / uint32 -> binary64 (exact)
//   __fixunsdfsi __fixdfsi                 binary64 -> uint32 / int32
//   __muldi3                               int64 * int64
//   __udivsi3 __umodsi3 __divsi3           uint32 / and %, int32 /
//
// Semantics: round to nearest, ties to even; subnormal inputs and outputs;
// signed zeros; infinities; overflow to infinity. A NaN result is a quiet NaN
// (an input NaN, quietened, where there is one). No exception flags.
// Cases C leaves undefined, given defined results here:
//   __fixunssfsi, __fixunsdfsi: NaN and negative values -> 0 (values in
//                 (-1, 0) truncate to 0 as C says), values >= 2^32 and +inf
//                 -> 0xFFFFFFFF.
//   __fixdfsi: NaN -> 0, values beyond the int32 range (and infinities)
//                 saturate to INT32_MIN / INT32_MAX.
//   __udivsi3(n, 0) -> 0xFFFFFFFF, __umodsi3(n, 0) -> n.
//   __divsi3(n, 0) -> -1 (n >= 0) or 1 (n < 0); INT32_MIN / -1 -> INT32_MIN.
//   __muldi3: the product modulo 2^64 (what two's complement hardware gives).
//
// The code must not itself produce calls to the routines it defines, so it
// uses no float or double arithmetic, no 64-bit multiplication and no 32-bit
// division: it works on the bit patterns with integer operations. Products
// are built from 16x16-bit ones (mul32x32, mul64x64). 64-bit additions,
// subtractions and comparisons are inline code; variable 64-bit shifts call
// libgcc's __ashldi3 and __lshrdi3, which Debian's libgcc.a has.
//
// Everything that takes or returns a double (__extendsfdf2 to __fixdfsi
// above) is built only with ML_SOFTFLOAT_BINARY64 defined: only modules
// that use double need it, and each module holds its own copy in RAM.
//
// Built with ML_SOFTFLOAT_TEST defined (the host tests), the functions are
// named ml_sf_addsf3 etc. so that they do not clash with the host's libgcc,
// and all of them are built.
#include <stdint.h>

#ifdef ML_SOFTFLOAT_TEST
#define SF(name) ml_sf_##name
#else
#define SF(name) __##name
#endif

// Prototypes (also keep -Wmissing-prototypes quiet).
float SF(addsf3)(float a, float b);
float SF(subsf3)(float a, float b);
float SF(mulsf3)(float a, float b);
float SF(floatsisf)(int32_t a);
float SF(floatunsisf)(uint32_t a);
uint32_t SF(fixunssfsi)(float a);
double SF(extendsfdf2)(float a);
float SF(truncdfsf2)(double a);
double SF(adddf3)(double a, double b);
double SF(subdf3)(double a, double b);
double SF(muldf3)(double a, double b);
double SF(floatsidf)(int32_t a);
double SF(floatunsidf)(uint32_t a);
uint32_t SF(fixunsdfsi)(double a);
int32_t SF(fixdfsi)(double a);
int64_t SF(muldi3)(int64_t a, int64_t b);
uint32_t SF(udivsi3)(uint32_t n, uint32_t d);
uint32_t SF(umodsi3)(uint32_t n, uint32_t d);
int32_t SF(divsi3)(int32_t n, int32_t d);

// Bit views (type punning through a union is defined in C99 TC3 / C11).
typedef union { float f; uint32_t u; } f32_bits;
typedef union { double f; uint64_t u; } f64_bits;
typedef union { uint64_t u; int64_t i; } i64_bits;

#define SIGN32 0x80000000u
#define INF32 0x7F800000u
#define QUIET32 0x00400000u
#define FRAC32 0x007FFFFFu
#define HIDDEN32 0x00800000u

static uint32_t bits_of(float f) { f32_bits b; b.f = f; return b.u; }
static float float_of(uint32_t u) { f32_bits b; b.u = u; return b.f; }

static int is_nan32(uint32_t a) { return (a & ~SIGN32) > INF32; }

// Leading zeros of a nonzero x.
static int clz32(uint32_t x) {
    int n = 0;
    if (!(x & 0xFFFF0000u)) { n += 16; x <<= 16; }
    if (!(x & 0xFF000000u)) { n += 8; x <<= 8; }
    if (!(x & 0xF0000000u)) { n += 4; x <<= 4; }
    if (!(x & 0xC0000000u)) { n += 2; x <<= 2; }
    if (!(x & 0x80000000u)) { n += 1; }
    return n;
}

// x >> n, with any bits shifted out ORed into bit 0 ("sticky"), for n >= 0.
static uint32_t shift_right_sticky(uint32_t x, int32_t n) {
    if (n == 0) return x;
    if (n >= 32) return x != 0;
    return (x >> n) | ((x << (32 - n)) != 0);
}

// Rounds and packs sign, e, m into a binary32, where the value is
// m * 2^(e - 157) (157 = bias 127 + 30) and m's leading 1 is at bit 30, so
// that for a normal result e is the biased exponent, bits 30..7 the 24-bit
// significand and bits 6..0 the guard bits (bit 0 sticky).
static uint32_t round_pack32(uint32_t sign, int32_t e, uint32_t m) {
    if (e >= 255) return sign | INF32;
    if (e <= 0) {  // subnormal (or zero): denormalise to exponent 1
        m = shift_right_sticky(m, 1 - e);
        e = 1;
    }
    uint32_t rest = m & 0x7F;
    m >>= 7;
    if (rest > 0x40 || (rest == 0x40 && (m & 1))) m++;
    // m now includes the hidden bit (or is < 2^23 for a subnormal); adding it
    // to the exponent field carries a rounding overflow into the exponent,
    // a subnormal into the smallest normal and the largest finite into inf.
    return sign | (((uint32_t)(e - 1) << 23) + m);
}

// As round_pack32 for any m (zero gives a signed zero, m may use bit 31).
static uint32_t norm_round_pack32(uint32_t sign, int32_t e, uint32_t m) {
    if (m == 0) return sign;
    if (m & SIGN32) {
        m = shift_right_sticky(m, 1);
        e++;
    } else {
        int s = clz32(m) - 1;
        m <<= s;
        e -= s;
    }
    return round_pack32(sign, e, m);
}

// Exponent field and significand with the hidden bit, as (e, m) with the
// value m * 2^(e - 150); a subnormal gets e = 1 and no hidden bit.
static void unpack32(uint32_t a, int32_t* e, uint32_t* m) {
    *e = (int32_t)((a >> 23) & 0xFF);
    *m = a & FRAC32;
    if (*e == 0) *e = 1;
    else *m |= HIDDEN32;
}

// A subnormal's (e, m) from unpack32 rescaled so that m's leading 1 is at
// bit 23 like a normal's (e may become zero or negative).
static void normalize_subnormal(int32_t* e, uint32_t* m) {
    if (*m < HIDDEN32) {
        int s = clz32(*m) - 8;
        *m <<= s;
        *e -= s;
    }
}

static uint32_t add32(uint32_t a, uint32_t b) {
    if (is_nan32(a)) return a | QUIET32;
    if (is_nan32(b)) return b | QUIET32;
    uint32_t a_abs = a & ~SIGN32, b_abs = b & ~SIGN32;
    if (a_abs == INF32) {
        if (b_abs == INF32 && (a ^ b) & SIGN32) return INF32 | QUIET32;  // inf - inf
        return a;
    }
    if (b_abs == INF32) return b;
    if (a_abs == 0) return b_abs == 0 ? (a & b) : b;  // -0 + -0 = -0, else +0
    if (b_abs == 0) return a;
    if (a_abs < b_abs) {  // make |a| >= |b|
        uint32_t t = a; a = b; b = t;
    }
    int32_t ea, eb;
    uint32_t ma, mb;
    unpack32(a, &ea, &ma);
    unpack32(b, &eb, &mb);
    ma <<= 7;  // leading bit of a normal at bit 30, 7 guard bits
    mb = shift_right_sticky(mb << 7, ea - eb);
    uint32_t sign = a & SIGN32;
    if ((a ^ b) & SIGN32) {
        // exact cancellation gives +0 when rounding to nearest
        return ma == mb ? 0 : norm_round_pack32(sign, ea, ma - mb);
    }
    return norm_round_pack32(sign, ea, ma + mb);
}

float SF(addsf3)(float a, float b) { return float_of(add32(bits_of(a), bits_of(b))); }

float SF(subsf3)(float a, float b) { return float_of(add32(bits_of(a), bits_of(b) ^ SIGN32)); }

// Full 64-bit product of two 32-bit numbers, with 16x16-bit multiplications
// (a 64-bit multiply would call __muldi3).
static uint64_t mul32x32(uint32_t a, uint32_t b) {
    uint32_t al = a & 0xFFFF, ah = a >> 16, bl = b & 0xFFFF, bh = b >> 16;
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFF) + (hl & 0xFFFF);  // < 3 * 2^16
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return ((uint64_t)hi << 32) | (mid << 16) | (ll & 0xFFFF);
}

float SF(mulsf3)(float fa, float fb) {
    uint32_t a = bits_of(fa), b = bits_of(fb);
    if (is_nan32(a)) return float_of(a | QUIET32);
    if (is_nan32(b)) return float_of(b | QUIET32);
    uint32_t sign = (a ^ b) & SIGN32;
    uint32_t a_abs = a & ~SIGN32, b_abs = b & ~SIGN32;
    if (a_abs == INF32 || b_abs == INF32) {
        if (a_abs == 0 || b_abs == 0) return float_of(INF32 | QUIET32);  // inf * 0
        return float_of(sign | INF32);
    }
    if (a_abs == 0 || b_abs == 0) return float_of(sign);
    int32_t ea, eb;
    uint32_t ma, mb;
    unpack32(a, &ea, &ma);
    unpack32(b, &eb, &mb);
    normalize_subnormal(&ea, &ma);
    normalize_subnormal(&eb, &mb);
    // value = ma * mb * 2^(ea + eb - 300); the product has 47 or 48 bits.
    uint64_t p = mul32x32(ma, mb);
    uint32_t m = (uint32_t)(p >> 16) | (((uint32_t)p & 0xFFFF) != 0);  // p >> 16, sticky
    // m * 2^(ea + eb - 284) = m * 2^(e - 157)
    return float_of(norm_round_pack32(sign, ea + eb - 127, m));
}

float SF(floatunsisf)(uint32_t a) { return float_of(norm_round_pack32(0, 157, a)); }

float SF(floatsisf)(int32_t a) {
    uint32_t u = (uint32_t)a;  // two's complement bits (conversion is modular)
    if (a < 0) return float_of(norm_round_pack32(SIGN32, 157, 0u - u));
    return float_of(norm_round_pack32(0, 157, u));
}

uint32_t SF(fixunssfsi)(float fa) {
    uint32_t a = bits_of(fa);
    if (is_nan32(a)) return 0;
    int32_t e = (int32_t)((a >> 23) & 0xFF);
    if (e < 127) return 0;                 // |a| < 1 truncates to 0
    if (a & SIGN32) return 0;              // a <= -1: out of range
    if (e >= 127 + 32) return 0xFFFFFFFFu; // a >= 2^32 or +inf
    uint32_t m = (a & FRAC32) | HIDDEN32;  // value m * 2^(e - 150)
    return e >= 150 ? m << (e - 150) : m >> (150 - e);
}

// The routines with a double in their signature (see the top).
#if defined(ML_SOFTFLOAT_BINARY64) || defined(ML_SOFTFLOAT_TEST)

static uint64_t bits64_of(double f) { f64_bits b; b.f = f; return b.u; }
static double double_of(uint64_t u) { f64_bits b; b.u = u; return b.f; }

// A binary64 from its high and low 32-bit words.
static double double_of_words(uint32_t hi, uint32_t lo) { return double_of(((uint64_t)hi << 32) | lo); }

double SF(extendsfdf2)(float fa) {
    uint32_t a = bits_of(fa);
    uint32_t sign = a & SIGN32;
    int32_t e = (int32_t)((a >> 23) & 0xFF);
    uint32_t f = a & FRAC32;
    if (e == 255) {  // inf, or NaN (quietened)
        if (f) f |= QUIET32;
        return double_of_words(sign | 0x7FF00000u | (f >> 3), f << 29);
    }
    if (e == 0) {
        if (f == 0) return double_of_words(sign, 0);
        int s = clz32(f) - 8;  // subnormal: normalise, hidden bit to bit 23
        f = (f << s) & FRAC32;
        e = 1 - s;
    }
    // The 23-bit fraction goes to the top of binary64's 52-bit one.
    return double_of_words(sign | ((uint32_t)(e + 1023 - 127) << 20) | (f >> 3), f << 29);
}

float SF(truncdfsf2)(double fa) {
    uint64_t a = bits64_of(fa);
    uint32_t hi = (uint32_t)(a >> 32), lo = (uint32_t)a;
    uint32_t sign = hi & SIGN32;
    int32_t e = (int32_t)((hi >> 20) & 0x7FF);
    uint32_t fhi = hi & 0x000FFFFFu;  // top 20 of the 52 fraction bits
    if (e == 0x7FF) {
        if (fhi | lo) return float_of(sign | INF32 | QUIET32 | (fhi << 3) | (lo >> 29));
        return float_of(sign | INF32);
    }
    // Zero, and binary64 subnormals (< 2^-1022), round to a signed zero.
    if (e == 0) return float_of(sign);
    // 1.fraction with the leading 1 at bit 30, the low 22 bits sticky; the
    // value is m * 2^(e - 1023 - 30) = m * 2^((e - 896) - 157).
    uint32_t m = ((fhi | 0x00100000u) << 10) | (lo >> 22) | ((lo & 0x003FFFFFu) != 0);
    return float_of(round_pack32(sign, e - 896, m));
}

// binary64 arithmetic, as the binary32 code above with 64-bit significands.

#define SIGN64 ((uint64_t)1 << 63)
#define INF64 ((uint64_t)0x7FF << 52)
#define QUIET64 ((uint64_t)1 << 51)
#define FRAC64 (HIDDEN64 - 1)
#define HIDDEN64 ((uint64_t)1 << 52)

static int is_nan64(uint64_t a) { return (a & ~SIGN64) > INF64; }

// Leading zeros of a nonzero x.
static int clz64(uint64_t x) {
    uint32_t hi = (uint32_t)(x >> 32);
    return hi ? clz32(hi) : 32 + clz32((uint32_t)x);
}

// x >> n, with any bits shifted out ORed into bit 0 ("sticky"), for n >= 0.
static uint64_t shift_right_sticky64(uint64_t x, int32_t n) {
    if (n == 0) return x;
    if (n >= 64) return x != 0;
    return (x >> n) | ((x << (64 - n)) != 0);
}

// round_pack32 for binary64: the value is m * 2^(e - 1085) (1085 = bias
// 1023 + 62) with m's leading 1 at bit 62, so that for a normal result e is
// the biased exponent, bits 62..10 the 53-bit significand and bits 9..0 the
// guard bits (bit 0 sticky).
static uint64_t round_pack64(uint64_t sign, int32_t e, uint64_t m) {
    if (e >= 0x7FF) return sign | INF64;
    if (e <= 0) {  // subnormal (or zero): denormalise to exponent 1
        m = shift_right_sticky64(m, 1 - e);
        e = 1;
    }
    uint32_t rest = (uint32_t)m & 0x3FF;
    m >>= 10;
    if (rest > 0x200 || (rest == 0x200 && (m & 1))) m++;
    // As in round_pack32, a carry out of the significand goes into the exponent.
    return sign | (((uint64_t)(e - 1) << 52) + m);
}

// As round_pack64 for any m (zero gives a signed zero, m may use bit 63).
static uint64_t norm_round_pack64(uint64_t sign, int32_t e, uint64_t m) {
    if (m == 0) return sign;
    if (m & SIGN64) {
        m = shift_right_sticky64(m, 1);
        e++;
    } else {
        int s = clz64(m) - 1;
        m <<= s;
        e -= s;
    }
    return round_pack64(sign, e, m);
}

// Exponent field and significand with the hidden bit, as (e, m) with the
// value m * 2^(e - 1075); a subnormal gets e = 1 and no hidden bit.
static void unpack64(uint64_t a, int32_t* e, uint64_t* m) {
    *e = (int32_t)(a >> 52) & 0x7FF;
    *m = a & FRAC64;
    if (*e == 0) *e = 1;
    else *m |= HIDDEN64;
}

static uint64_t add64(uint64_t a, uint64_t b) {
    if (is_nan64(a)) return a | QUIET64;
    if (is_nan64(b)) return b | QUIET64;
    uint64_t a_abs = a & ~SIGN64, b_abs = b & ~SIGN64;
    if (a_abs == INF64) {
        if (b_abs == INF64 && (a ^ b) & SIGN64) return INF64 | QUIET64;  // inf - inf
        return a;
    }
    if (b_abs == INF64) return b;
    if (a_abs == 0) return b_abs == 0 ? (a & b) : b;  // -0 + -0 = -0, else +0
    if (b_abs == 0) return a;
    if (a_abs < b_abs) {  // make |a| >= |b|
        uint64_t t = a; a = b; b = t;
    }
    int32_t ea, eb;
    uint64_t ma, mb;
    unpack64(a, &ea, &ma);
    unpack64(b, &eb, &mb);
    ma <<= 10;  // leading bit of a normal at bit 62, 10 guard bits
    mb = shift_right_sticky64(mb << 10, ea - eb);
    uint64_t sign = a & SIGN64;
    if ((a ^ b) & SIGN64) {
        // exact cancellation gives +0 when rounding to nearest
        return ma == mb ? 0 : norm_round_pack64(sign, ea, ma - mb);
    }
    return norm_round_pack64(sign, ea, ma + mb);
}

double SF(adddf3)(double a, double b) { return double_of(add64(bits64_of(a), bits64_of(b))); }

double SF(subdf3)(double a, double b) { return double_of(add64(bits64_of(a), bits64_of(b) ^ SIGN64)); }

// Full 128-bit product of two 64-bit numbers as hi:lo, from 32x32-bit
// products the way mul32x32 builds its own from 16x16-bit ones.
static void mul64x64(uint64_t a, uint64_t b, uint64_t* hi, uint64_t* lo) {
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32), bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    uint64_t ll = mul32x32(al, bl), lh = mul32x32(al, bh), hl = mul32x32(ah, bl);
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;  // < 3 * 2^32
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = mul32x32(ah, bh) + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

double SF(muldf3)(double fa, double fb) {
    uint64_t a = bits64_of(fa), b = bits64_of(fb);
    if (is_nan64(a)) return double_of(a | QUIET64);
    if (is_nan64(b)) return double_of(b | QUIET64);
    uint64_t sign = (a ^ b) & SIGN64;
    uint64_t a_abs = a & ~SIGN64, b_abs = b & ~SIGN64;
    if (a_abs == INF64 || b_abs == INF64) {
        if (a_abs == 0 || b_abs == 0) return double_of(INF64 | QUIET64);  // inf * 0
        return double_of(sign | INF64);
    }
    if (a_abs == 0 || b_abs == 0) return double_of(sign);
    int32_t ea, eb;
    uint64_t ma, mb, hi, lo;
    unpack64(a, &ea, &ma);
    unpack64(b, &eb, &mb);
    // Both significands with their leading 1 at bit 63 (11 places for a
    // normal, more for a subnormal): value = hi:lo * 2^(ea + eb - sa - sb - 2150),
    // and hi:lo has its leading 1 at bit 127 or 126.
    int sa = clz64(ma), sb = clz64(mb);
    mul64x64(ma << sa, mb << sb, &hi, &lo);
    // hi, sticky: m * 2^(ea + eb - sa - sb - 2086) = m * 2^(e - 1085)
    return double_of(norm_round_pack64(sign, ea + eb - sa - sb - 1001, hi | (lo != 0)));
}

// Every uint32 and int32 is a binary64: norm_round_pack64 never rounds here.
double SF(floatunsidf)(uint32_t a) { return double_of(norm_round_pack64(0, 1085, a)); }

double SF(floatsidf)(int32_t a) {
    uint32_t u = (uint32_t)a;  // two's complement bits (conversion is modular)
    if (a < 0) return double_of(norm_round_pack64(SIGN64, 1085, 0u - u));
    return double_of(norm_round_pack64(0, 1085, u));
}

uint32_t SF(fixunsdfsi)(double fa) {
    uint64_t a = bits64_of(fa);
    if (is_nan64(a)) return 0;
    int32_t e = (int32_t)(a >> 52) & 0x7FF;
    if (e < 1023) return 0;                   // |a| < 1 truncates to 0
    if (a & SIGN64) return 0;                 // a <= -1: out of range
    if (e >= 1023 + 32) return 0xFFFFFFFFu;   // a >= 2^32 or +inf
    uint64_t m = (a & FRAC64) | HIDDEN64;     // value m * 2^(e - 1075), e - 1075 < 0
    return (uint32_t)(m >> (1075 - e));
}

int32_t SF(fixdfsi)(double fa) {
    uint64_t a = bits64_of(fa);
    if (is_nan64(a)) return 0;
    int32_t e = (int32_t)(a >> 52) & 0x7FF;
    if (e < 1023) return 0;  // |a| < 1 truncates to 0
    uint32_t negative = (uint32_t)(a >> 63);
    // |a| >= 2^31 (or inf): saturate; -2^31 itself lands here and is exact
    if (e >= 1023 + 31) return negative ? (int32_t)0x80000000u : 0x7FFFFFFF;
    uint64_t m = (a & FRAC64) | HIDDEN64;
    uint32_t magnitude = (uint32_t)(m >> (1075 - e));  // < 2^31
    return negative ? -(int32_t)magnitude : (int32_t)magnitude;
}

#endif  // ML_SOFTFLOAT_BINARY64 || ML_SOFTFLOAT_TEST

int64_t SF(muldi3)(int64_t a, int64_t b) {
    i64_bits ia, ib, r;
    ia.i = a;
    ib.i = b;
    uint32_t al = (uint32_t)ia.u, ah = (uint32_t)(ia.u >> 32);
    uint32_t bl = (uint32_t)ib.u, bh = (uint32_t)(ib.u >> 32);
    // al * bl, plus the cross terms' low halves at bit 32 (mod 2^64)
    r.u = mul32x32(al, bl) + ((uint64_t)(al * bh + ah * bl) << 32);
    return r.i;
}

// Shift-and-subtract division, one quotient bit per step.
static uint32_t udivmod(uint32_t n, uint32_t d, uint32_t* rem) {
    if (d == 0) {
        *rem = n;
        return 0xFFFFFFFFu;
    }
    uint32_t q = 0, r = 0;
    for (int i = 31; i >= 0; i--) {
        // r <= n >> (i + 1) < 2^(31 - i) before the shift, which cannot overflow
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    *rem = r;
    return q;
}

uint32_t SF(udivsi3)(uint32_t n, uint32_t d) {
    uint32_t r;
    return udivmod(n, d, &r);
}

uint32_t SF(umodsi3)(uint32_t n, uint32_t d) {
    uint32_t r;
    udivmod(n, d, &r);
    return r;
}

int32_t SF(divsi3)(int32_t n, int32_t d) {
    uint32_t un = n < 0 ? 0u - (uint32_t)n : (uint32_t)n;  // |INT32_MIN| = 2^31 fits uint32
    uint32_t ud = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    uint32_t r, q = udivmod(un, ud, &r);
    // the quotient's bits, negated when the signs differ (modular, as hardware)
    return (int32_t)(((n < 0) != (d < 0)) ? 0u - q : q);
}
