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
//   __muldi3                               int64 * int64
//   __udivsi3 __umodsi3                    uint32 / and %
//
// Semantics: round to nearest, ties to even; subnormal inputs and outputs;
// signed zeros; infinities; overflow to infinity. A NaN result is a quiet NaN
// (an input NaN, quietened, where there is one). No exception flags.
// Cases C leaves undefined, given defined results here:
//   __fixunssfsi: NaN and negative values -> 0 (values in (-1, 0) truncate to 0
//                 as C says), values >= 2^32 and +inf -> 0xFFFFFFFF.
//   __udivsi3(n, 0) -> 0xFFFFFFFF, __umodsi3(n, 0) -> n.
//   __muldi3: the product modulo 2^64 (what two's complement hardware gives).
//
// The code must not itself produce calls to the routines it defines, so it
// uses no float or double arithmetic, no 64-bit multiplication and no 32-bit
// division: it works on the bit patterns with 32-bit integer operations.
//
// Built with ML_SOFTFLOAT_TEST defined (the host tests), the functions are
// named ml_sf_addsf3 etc. so that they do not clash with the host's libgcc.
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
int64_t SF(muldi3)(int64_t a, int64_t b);
uint32_t SF(udivsi3)(uint32_t n, uint32_t d);
uint32_t SF(umodsi3)(uint32_t n, uint32_t d);

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

// Full 64-bit product of two 32-bit numbers as hi:lo, with 16x16-bit
// multiplications (a 64-bit multiply would call __muldi3).
static void mul32x32(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
    uint32_t al = a & 0xFFFF, ah = a >> 16, bl = b & 0xFFFF, bh = b >> 16;
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFF) + (hl & 0xFFFF);  // < 3 * 2^16
    *lo = (mid << 16) | (ll & 0xFFFF);
    *hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
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
    uint32_t ma, mb, hi, lo;
    unpack32(a, &ea, &ma);
    unpack32(b, &eb, &mb);
    normalize_subnormal(&ea, &ma);
    normalize_subnormal(&eb, &mb);
    // value = ma * mb * 2^(ea + eb - 300); the product has 47 or 48 bits.
    mul32x32(ma, mb, &hi, &lo);
    uint32_t m = (hi << 16) | (lo >> 16) | ((lo & 0xFFFF) != 0);  // product >> 16, sticky
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

static double double_of(uint32_t hi, uint32_t lo) {
    f64_bits b;
    b.u = ((uint64_t)hi << 32) | lo;
    return b.f;
}

double SF(extendsfdf2)(float fa) {
    uint32_t a = bits_of(fa);
    uint32_t sign = a & SIGN32;
    int32_t e = (int32_t)((a >> 23) & 0xFF);
    uint32_t f = a & FRAC32;
    if (e == 255) {  // inf, or NaN (quietened)
        if (f) f |= QUIET32;
        return double_of(sign | 0x7FF00000u | (f >> 3), f << 29);
    }
    if (e == 0) {
        if (f == 0) return double_of(sign, 0);
        int s = clz32(f) - 8;  // subnormal: normalise, hidden bit to bit 23
        f = (f << s) & FRAC32;
        e = 1 - s;
    }
    // The 23-bit fraction goes to the top of binary64's 52-bit one.
    return double_of(sign | ((uint32_t)(e + 1023 - 127) << 20) | (f >> 3), f << 29);
}

float SF(truncdfsf2)(double fa) {
    f64_bits b;
    b.f = fa;
    uint32_t hi = (uint32_t)(b.u >> 32), lo = (uint32_t)b.u;
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

int64_t SF(muldi3)(int64_t a, int64_t b) {
    i64_bits ia, ib, r;
    ia.i = a;
    ib.i = b;
    uint32_t al = (uint32_t)ia.u, ah = (uint32_t)(ia.u >> 32);
    uint32_t bl = (uint32_t)ib.u, bh = (uint32_t)(ib.u >> 32);
    uint32_t hi, lo;
    mul32x32(al, bl, &hi, &lo);
    hi += al * bh + ah * bl;  // the cross terms' low halves (mod 2^64)
    r.u = ((uint64_t)hi << 32) | lo;
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
