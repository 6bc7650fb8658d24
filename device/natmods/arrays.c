// microlearn._arrays: array helpers MicroPython lacks (dynamic native module).
//
//   empty(tc, n)                 new array('tc') of n zero items
//   full(tc, n, value)           new array of n items equal to value
//   copy(dst, src[, at])         dst[at:at+len(src)] = src, converting item types
//                                (int -> int wraps like C, int -> float, float -> float)
//   unpack(dst, data, fmt[, scale[, at]])
//                                int16/int32 bytes ('<h' '>h' '<H' '>H' '<i' '>i'
//                                '<I' '>I') into dst from item `at`, times scale
//                                if given (dst then float); returns the item count
//   to_float(dst, src[, scale[, offset]])   dst = src * scale + offset (dst float)
//   to_int(dst, src[, scale[, offset]])     dst = round(src * scale + offset),
//                                half away from zero, of the value in double precision
//                                on every port; clamped to dst's range (int8/16/32,
//                                uint8/16), NaN -> 0
//   b64encode(src, dst) -> n     base64 of src into bytearray dst, no newline
//   b64decode(src, dst) -> n     bytes of base64 text src into dst
//   crc32(data[, crc])           zlib's CRC-32, continuing from crc: an int (returns
//                                an int, a long int on 32-bit ports when >= 2**30),
//                                or an array('I') whose item 0 is updated in place
//                                (returns that array: nothing allocated)
//   typecode(a)                  'h' for array('h'), 'B' for bytes/bytearray
// Nothing but empty()/full() (and crc32 with an int crc) allocates. Sizes are
// range-checked (glue_size_arg: ints wider than a machine word are refused, not
// truncated); errors are ValueError/TypeError saying what was expected.
// Into a float64 dst ('d'), values are converted and scaled in double precision
// (exact for every int32), into float32 ('f') in the port's float.
//
// No switch statements and no tables of pointers: armv6m native modules cannot
// hold absolute relocations (the Makefile also passes -fno-jump-tables).
#include "glue.h"
#include "py/objarray.h"
#include "py/binary.h"

typedef int64_t ival_t;

static size_t item_size(int tc) {
    if (tc == 'b' || tc == 'B' || tc == BYTEARRAY_TYPECODE) return 1;
    if (tc == 'h' || tc == 'H') return 2;
    if (tc == 'i' || tc == 'I' || tc == 'f') return 4;
    if (tc == 'l' || tc == 'L') return sizeof(long);
    if (tc == 'q' || tc == 'Q' || tc == 'd') return 8;
    return 0;
}

static bool is_float(int tc) { return tc == 'f' || tc == 'd'; }

typedef struct {
    uint8_t* buf;
    size_t len;  // items
    int tc;
} view_t;

static ival_t get_int(const void* p, size_t i, int tc) {
    if (tc == 'h') return ((const int16_t*)p)[i];
    if (tc == 'B' || tc == BYTEARRAY_TYPECODE) return ((const uint8_t*)p)[i];
    if (tc == 'b') return ((const int8_t*)p)[i];
    if (tc == 'H') return ((const uint16_t*)p)[i];
    if (tc == 'i') return ((const int32_t*)p)[i];
    if (tc == 'I') return ((const uint32_t*)p)[i];
    if (tc == 'l') return ((const long*)p)[i];
    if (tc == 'L') return (ival_t)((const unsigned long*)p)[i];
    return ((const int64_t*)p)[i];  // q, Q
}

static void set_int(void* p, size_t i, int tc, ival_t v) {
    if (tc == 'h' || tc == 'H') ((int16_t*)p)[i] = (int16_t)v;
    else if (tc == 'b' || tc == 'B' || tc == BYTEARRAY_TYPECODE) ((int8_t*)p)[i] = (int8_t)v;
    else if (tc == 'i' || tc == 'I') ((int32_t*)p)[i] = (int32_t)v;
    else if (tc == 'l' || tc == 'L') ((long*)p)[i] = (long)v;
    else ((int64_t*)p)[i] = v;  // q, Q
}

// An item as the port's float (float32 on microcontrollers): for float32 results.
static mp_float_t get_float(const void* p, size_t i, int tc) {
    if (tc == 'f') return ((const float*)p)[i];
    if (tc == 'h') return ((const int16_t*)p)[i];  // 32-bit conversions: int64 -> float
    if (tc == 'i') return ((const int32_t*)p)[i];  // is slow on soft-float cores
    if (tc == 'd') return (mp_float_t)((const double*)p)[i];
    if (item_size(tc) <= 2) return (mp_float_t)(int32_t)get_int(p, i, tc);
    if (tc == 'Q' || tc == 'L') return (mp_float_t)(uint64_t)get_int(p, i, tc);
    return (mp_float_t)get_int(p, i, tc);
}

// An item as a double: exact for every float and every int up to 2**53.
static double get_double(const void* p, size_t i, int tc) {
    if (tc == 'f') return ((const float*)p)[i];
    if (tc == 'd') return ((const double*)p)[i];
    if (tc == 'Q' || tc == 'L') return (double)(uint64_t)get_int(p, i, tc);
    return (double)get_int(p, i, tc);
}

// Item i of float dst converted from item j of src: in double precision into
// 'd' (int32 16777217 stays exact), in the port's float into 'f'.
static void convert_float(const view_t* dst, size_t i, const view_t* src, size_t j) {
    if (dst->tc == 'd') ((double*)dst->buf)[i] = get_double(src->buf, j, src->tc);
    else ((float*)dst->buf)[i] = (float)get_float(src->buf, j, src->tc);
}

// Buffer of an array/bytes/bytearray/memoryview with a known item type.
static view_t get_view(mp_obj_t o, mp_uint_t flags) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(o, &b, flags);
    view_t v = {b.buf, 0, b.typecode};
    const size_t sz = item_size(b.typecode);
    if (sz == 0) mp_raise_TypeError(MP_ERROR_TEXT("unsupported array typecode"));
    v.len = b.len / sz;
    return v;
}

// dst must hold n items from index `at`.
static void check_room(const view_t* dst, size_t at, size_t n) {
    if (at > dst->len || dst->len - at < n)
        glue_raise_counts(&mp_type_ValueError, "dst too small: needs ", at + n, " items, has ", dst->len, "");
}

// array.array, looked up once when the module loads: importing it per call
// costs more than the whole allocation. A type object lives in the firmware's
// ROM, so this pointer needs no GC root.
const mp_obj_type_t* array_type;  // not static: mpy_ld relocates only global bss

static mp_obj_t new_array(mp_obj_t tc_in, mp_obj_t n_in, size_t* size_out) {
    size_t len;
    const char* tcs = mp_obj_str_get_data(tc_in, &len);
    const int tc = len == 1 ? tcs[0] : 0;
    const size_t sz = item_size(tc);
    if (sz == 0) mp_raise_ValueError(MP_ERROR_TEXT("typecode must be one of bBhHiIlLqQfd"));
    const size_t n = glue_size_arg(n_in, (size_t)-1 / sz, "n");
    mp_obj_array_t* a = m_malloc(sizeof(mp_obj_array_t));
    a->base.type = array_type;
    a->typecode = tc;
    a->free = 0;
    a->len = n;
    a->items = m_malloc(n * sz > 0 ? n * sz : 1);
    mp_fun_table.memset_(a->items, 0, n * sz);
    *size_out = sz;
    return MP_OBJ_FROM_PTR(a);
}

static mp_obj_t arrays_empty(mp_obj_t tc_in, mp_obj_t n_in) {
    size_t sz;
    return new_array(tc_in, n_in, &sz);
}
static MP_DEFINE_CONST_FUN_OBJ_2(arrays_empty_obj, arrays_empty);

// A number as a double: an int that fits the machine word exactly (a float32
// port's float would round 16777217 or 2**31 - 1).
static double int_or_float(mp_obj_t value) {
    if (mp_obj_is_small_int(value)) return (double)MP_OBJ_SMALL_INT_VALUE(value);
    if (mp_obj_is_int(value)) {  // a long int: its low word, when that is all of it
        const mp_int_t w = (mp_int_t)mp_obj_get_int_truncated(value);
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_EQUAL, mp_obj_new_int(w), value))) return (double)w;
    }
    return mp_obj_get_float(value);
}

static mp_obj_t arrays_full(mp_obj_t tc_in, mp_obj_t n_in, mp_obj_t value) {
    size_t sz;
    mp_obj_t out = new_array(tc_in, n_in, &sz);
    mp_obj_array_t* a = MP_OBJ_TO_PTR(out);
    if (a->len == 0) return out;
    uint8_t* p = a->items;
    if (a->typecode == 'd') *(double*)p = int_or_float(value);
    else if (a->typecode == 'f') *(float*)p = (float)mp_obj_get_float(value);
    else set_int(p, 0, a->typecode, (ival_t)(mp_int_t)mp_obj_get_int_truncated(value));
    // Double the filled prefix until done.
    const size_t total = a->len * sz;
    size_t done = sz;
    while (done < total) {
        const size_t k = done < total - done ? done : total - done;
        mp_fun_table.memmove_(p + done, p, k);
        done += k;
    }
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_3(arrays_full_obj, arrays_full);

static mp_obj_t arrays_copy(size_t n_args, const mp_obj_t* args) {
    view_t dst = get_view(args[0], MP_BUFFER_WRITE);
    view_t src = get_view(args[1], MP_BUFFER_READ);
    const size_t at = n_args > 2 ? glue_size_arg(args[2], dst.len, "at") : 0;
    check_room(&dst, at, src.len);
    const size_t n = src.len;
    if (dst.tc == src.tc || (item_size(dst.tc) == 1 && item_size(src.tc) == 1)) {
        mp_fun_table.memmove_(dst.buf + at * item_size(dst.tc), src.buf, n * item_size(src.tc));
    } else if (is_float(dst.tc)) {
        for (size_t i = 0; i < n; ++i) convert_float(&dst, at + i, &src, i);
    } else if (is_float(src.tc)) {
        mp_raise_TypeError(MP_ERROR_TEXT("float to int: use to_int(), which rounds and clamps"));
    } else {
        for (size_t i = 0; i < n; ++i) set_int(dst.buf, at + i, dst.tc, get_int(src.buf, i, src.tc));
    }
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_copy_obj, 2, 3, arrays_copy);

// unpack(dst, data, fmt[, scale[, at]]) -> number of items
static mp_obj_t arrays_unpack(size_t n_args, const mp_obj_t* args) {
    view_t dst = get_view(args[0], MP_BUFFER_WRITE);
    mp_buffer_info_t data;
    mp_get_buffer_raise(args[1], &data, MP_BUFFER_READ);
    size_t flen;
    const char* fmt = mp_obj_str_get_data(args[2], &flen);
    const bool big = flen == 2 && fmt[0] == '>';
    const int t = flen == 2 ? fmt[1] : 0;
    const size_t sz = (t == 'h' || t == 'H') ? 2 : (t == 'i' || t == 'I') ? 4 : 0;
    if (sz == 0 || (fmt[0] != '<' && fmt[0] != '>'))
        mp_raise_ValueError(MP_ERROR_TEXT("fmt must be '<h', '>h', '<H', '>H', '<i', '>i', '<I' or '>I'"));
    if (data.len % sz != 0)
        glue_raise_counts(&mp_type_ValueError, "data length ", data.len, " is not a multiple of the item size ", sz, "");
    const bool scaled = n_args > 3 && args[3] != mp_const_none;
    const mp_float_t scale = scaled ? mp_obj_get_float(args[3]) : 1;
    if (scaled && !is_float(dst.tc)) mp_raise_TypeError(MP_ERROR_TEXT("with a scale, dst must be array('f') or array('d')"));
    const size_t at = n_args > 4 ? glue_size_arg(args[4], dst.len, "at") : 0;
    const size_t n = data.len / sz;
    check_room(&dst, at, n);
    const uint8_t* p = data.buf;
    const bool fdst = is_float(dst.tc);
    for (size_t i = 0; i < n; ++i, p += sz) {
        ival_t v;
        if (sz == 2) {
            const uint16_t u = big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
            v = t == 'h' ? (ival_t)(int16_t)u : (ival_t)u;
        } else {
            const uint32_t u = big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                                   : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
            v = t == 'i' ? (ival_t)(int32_t)u : (ival_t)u;
        }
        if (dst.tc == 'd') {  // double precision: exact for every int32
            ((double*)dst.buf)[at + i] = scaled ? (double)v * scale : (double)v;
        } else if (fdst) {
            const mp_float_t f = t == 'I' ? (mp_float_t)(uint32_t)v : (mp_float_t)(int32_t)v;
            ((float*)dst.buf)[at + i] = scaled ? f * scale : f;
        } else {
            set_int(dst.buf, at + i, dst.tc, v);
        }
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_unpack_obj, 3, 5, arrays_unpack);

static void get_scale(size_t n_args, const mp_obj_t* args, mp_float_t* scale, mp_float_t* offset) {
    *scale = n_args > 2 ? mp_obj_get_float(args[2]) : 1;
    *offset = n_args > 3 ? mp_obj_get_float(args[3]) : 0;
}

static mp_obj_t arrays_to_float(size_t n_args, const mp_obj_t* args) {
    view_t dst = get_view(args[0], MP_BUFFER_WRITE);
    view_t src = get_view(args[1], MP_BUFFER_READ);
    if (!is_float(dst.tc)) mp_raise_TypeError(MP_ERROR_TEXT("dst must be array('f') or array('d')"));
    mp_float_t scale, offset;
    get_scale(n_args, args, &scale, &offset);
    check_room(&dst, 0, src.len);
    if (dst.tc == 'd') {  // double precision: exact for every int32
        double* d = (double*)dst.buf;
        for (size_t i = 0; i < src.len; ++i) d[i] = get_double(src.buf, i, src.tc) * scale + offset;
    } else if (src.tc == 'h') {  // the common case, without per-item dispatch
        const int16_t* s = (const int16_t*)src.buf;
        float* d = (float*)dst.buf;
        for (size_t i = 0; i < src.len; ++i) d[i] = (mp_float_t)s[i] * scale + offset;
    } else {
        float* d = (float*)dst.buf;
        for (size_t i = 0; i < src.len; ++i) d[i] = get_float(src.buf, i, src.tc) * scale + offset;
    }
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_to_float_obj, 2, 4, arrays_to_float);

// x rounded half away from zero (without adding 0.5, which rounds), clamped to
// lo..hi; NaN -> 0. The range tests come first: they also catch +-inf and leave
// |x| < 2**31 for the integer conversion.
static ival_t round_double(double x, ival_t lo, ival_t hi) {
    if (x >= (double)hi) return hi;
    if (x <= (double)lo) return lo;
    if (x != x) return 0;
    const double a = x < 0 ? -x : x;
    uint32_t t = (uint32_t)a;
    if (a - (double)t >= 0.5) ++t;  // a - t is exact
    return x < 0 ? -(ival_t)t : (ival_t)t;
}

#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
typedef union {
    float f;
    uint32_t u;
} fbits_t;

static uint32_t float_bits(float f) {
    fbits_t b = {f};
    return b.u;
}

// round_double(p + offset, lo, hi) for p = src * scale computed in float32, when
// float32 rounding cannot change it; returns false when it might (then the
// caller redoes it in double). Signs and magnitudes are tested on the floats'
// bits (cheap on soft-float cores); mhi and mlo are the bits of hi and -lo.
// With E the larger exponent of p and x = p + offset, the float32 errors (src
// conversion, product, sum) stay below 3 * 2**-24 * 2**(E+1) < 2**(E-21): x
// decides unless it is that close to a rounding boundary k + 0.5; E <= 19
// keeps the error below 1/4 for the clamps.
static bool round_float32(float p, float offset, ival_t lo, ival_t hi, uint32_t mlo, uint32_t mhi, ival_t* out) {
    const uint32_t bx = float_bits(p + offset), mx = bx & 0x7FFFFFFFu, mp = float_bits(p) & 0x7FFFFFFFu;
    const int e = (int)((mx > mp ? mx : mp) >> 23) - 127;  // inf and NaN: 128
    if (e > 19) return false;
    if (!(bx >> 31) && mx >= mhi) { *out = hi; return true; }
    if ((bx >> 31) && mx >= mlo) { *out = lo; return true; }
    fbits_t a = {.u = mx};                   // |x|
    const uint32_t t = (uint32_t)a.f;
    const uint32_t d = float_bits((a.f - (float)t) - 0.5f);  // both differences exact
    const int k = e - 21 + 127;              // the biased exponent of the error bound
    if ((d & 0x7FFFFFFFu) <= (k > 0 ? (uint32_t)k << 23 : 0u)) return false;
    const ival_t r = (ival_t)t + !(d >> 31);  // d != 0 here: its sign says which way
    *out = (bx >> 31) ? -r : r;
    return true;
}
#endif

static mp_obj_t arrays_to_int(size_t n_args, const mp_obj_t* args) {
    view_t dst = get_view(args[0], MP_BUFFER_WRITE);
    view_t src = get_view(args[1], MP_BUFFER_READ);
    ival_t lo, hi;
    const int tc = dst.tc;
    if (tc == 'h') { lo = -32768; hi = 32767; }
    else if (tc == 'H') { lo = 0; hi = 65535; }
    else if (tc == 'b') { lo = -128; hi = 127; }
    else if (tc == 'B' || tc == BYTEARRAY_TYPECODE) { lo = 0; hi = 255; }
    else if (tc == 'i') { lo = -2147483647 - 1; hi = 2147483647; }
    else mp_raise_TypeError(MP_ERROR_TEXT("dst must be an array of typecode b, B, h, H or i"));
    mp_float_t scale, offset;
    get_scale(n_args, args, &scale, &offset);
    check_room(&dst, 0, src.len);
    // The result is round(src * scale + offset) of the value in double
    // precision, as Model.quantize computes on the host (a float32 src times a
    // float32 scale is exact there). Float32 ports decide in float32 whenever
    // its rounding error cannot change the result (see round_float32), which
    // avoids soft-float double arithmetic for nearly every item.
#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
    const uint32_t mlo = float_bits((float)(uint32_t)-lo), mhi = float_bits((float)(uint32_t)hi);
#endif
    for (size_t i = 0; i < src.len; ++i) {
        ival_t v;
#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
        if (!round_float32(get_float(src.buf, i, src.tc) * scale, offset, lo, hi, mlo, mhi, &v))
#endif
            v = round_double(get_double(src.buf, i, src.tc) * scale + offset, lo, hi);
        set_int(dst.buf, i, tc, v);
    }
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_to_int_obj, 2, 4, arrays_to_int);

static char b64_char(unsigned v) {
    // A-Z a-z 0-9 + / without a table.
    return (char)(v < 26 ? 'A' + v : v < 52 ? 'a' + v - 26 : v < 62 ? '0' + v - 52 : v == 62 ? '+' : '/');
}

static int b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static mp_obj_t arrays_b64encode(mp_obj_t src_in, mp_obj_t dst_in) {
    mp_buffer_info_t src, dst;
    mp_get_buffer_raise(src_in, &src, MP_BUFFER_READ);
    mp_get_buffer_raise(dst_in, &dst, MP_BUFFER_WRITE);
    const size_t need = (src.len + 2) / 3 * 4;
    if (dst.len < need) glue_raise_counts(&mp_type_ValueError, "dst too small: needs ", need, " bytes, has ", dst.len, "");
    const uint8_t* s = src.buf;
    char* d = dst.buf;
    size_t i = 0;
    for (; i + 3 <= src.len; i += 3, d += 4) {
        const uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        d[0] = b64_char(v >> 18);
        d[1] = b64_char((v >> 12) & 63);
        d[2] = b64_char((v >> 6) & 63);
        d[3] = b64_char(v & 63);
    }
    if (i < src.len) {
        const uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < src.len ? (uint32_t)s[i + 1] << 8 : 0);
        d[0] = b64_char(v >> 18);
        d[1] = b64_char((v >> 12) & 63);
        d[2] = i + 1 < src.len ? b64_char((v >> 6) & 63) : '=';
        d[3] = '=';
    }
    return MP_OBJ_NEW_SMALL_INT(need);
}
static MP_DEFINE_CONST_FUN_OBJ_2(arrays_b64encode_obj, arrays_b64encode);

static int b64_space(int c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static mp_obj_t arrays_b64decode(mp_obj_t src_in, mp_obj_t dst_in) {
    mp_buffer_info_t src, dst;
    mp_get_buffer_raise(src_in, &src, MP_BUFFER_READ);
    mp_get_buffer_raise(dst_in, &dst, MP_BUFFER_WRITE);
    const uint8_t* s = src.buf;
    uint8_t* d = dst.buf;
    size_t out = 0, quad = 0, pad = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < src.len; ++i) {
        const int c = s[i];
        if (b64_space(c)) continue;
        if (c == '=') {
            if (quad < 2) mp_raise_ValueError(MP_ERROR_TEXT("base64: misplaced '='"));
            ++pad;
            acc <<= 6;
            if (++quad == 4) {  // the end: only whitespace may follow
                while (++i < src.len && b64_space(s[i])) {}
                if (i < src.len)
                    glue_raise_counts(&mp_type_ValueError, "base64: data after the padding at offset ", i, "", 0, NULL);
                break;
            }
            continue;
        }
        const int v = b64_value(c);
        if (v < 0 || pad) glue_raise_counts(&mp_type_ValueError, "base64: invalid character at offset ", i, "", 0, NULL);
        acc = acc << 6 | (uint32_t)v;
        if (++quad == 4) {
            if (out + 3 > dst.len)
                glue_raise_counts(&mp_type_ValueError, "dst too small: needs more than ", dst.len, "", 0, NULL);
            d[out] = acc >> 16;
            d[out + 1] = acc >> 8;
            d[out + 2] = acc;
            out += 3;
            quad = 0;
            acc = 0;
        }
    }
    if (quad == 4) {  // a padded final group
        const size_t k = 3 - pad;
        if (out + k > dst.len)
            glue_raise_counts(&mp_type_ValueError, "dst too small: needs ", out + k, " bytes, has ", dst.len, "");
        d[out] = acc >> 16;
        if (k > 1) d[out + 1] = acc >> 8;
        out += k;
    } else if (quad != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("base64: incomplete final group (missing padding?)"));
    }
    return MP_OBJ_NEW_SMALL_INT(out);
}
static MP_DEFINE_CONST_FUN_OBJ_2(arrays_b64decode_obj, arrays_b64decode);

static mp_obj_t arrays_crc32(size_t n_args, const mp_obj_t* args) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(args[0], &b, MP_BUFFER_READ);
    uint32_t* acc = NULL;  // crc given as array('I'): updated in place
    uint32_t crc = 0;
    if (n_args > 1 && !mp_obj_is_int(args[1])) {
        mp_buffer_info_t a;
        if (!mp_get_buffer(args[1], &a, MP_BUFFER_WRITE) || a.typecode != 'I' || a.len < 4)
            mp_raise_TypeError(MP_ERROR_TEXT("crc must be an int or an array('I') of at least 1 item"));
        acc = a.buf;
        crc = *acc;
    } else if (n_args > 1) {
        crc = (uint32_t)mp_obj_get_int_truncated(args[1]);
    }
    crc = ~crc;
    const uint8_t* p = b.buf;
    for (size_t i = 0; i < b.len; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    if (acc == NULL) return mp_obj_new_int_from_uint(~crc);
    *acc = ~crc;
    return args[1];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_crc32_obj, 1, 2, arrays_crc32);

static mp_obj_t arrays_typecode(mp_obj_t a) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(a, &b, MP_BUFFER_READ);
    const char tc = b.typecode == BYTEARRAY_TYPECODE ? 'B' : (char)b.typecode;
    return mp_obj_new_str(&tc, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_1(arrays_typecode_obj, arrays_typecode);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_obj_t mod = mp_import_name(MP_QSTR_array, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    array_type = MP_OBJ_TO_PTR(mp_load_attr(mod, MP_QSTR_array));
    mp_store_global(MP_QSTR_empty, MP_OBJ_FROM_PTR(&arrays_empty_obj));
    mp_store_global(MP_QSTR_full, MP_OBJ_FROM_PTR(&arrays_full_obj));
    mp_store_global(MP_QSTR_copy, MP_OBJ_FROM_PTR(&arrays_copy_obj));
    mp_store_global(MP_QSTR_unpack, MP_OBJ_FROM_PTR(&arrays_unpack_obj));
    mp_store_global(MP_QSTR_to_float, MP_OBJ_FROM_PTR(&arrays_to_float_obj));
    mp_store_global(MP_QSTR_to_int, MP_OBJ_FROM_PTR(&arrays_to_int_obj));
    mp_store_global(MP_QSTR_b64encode, MP_OBJ_FROM_PTR(&arrays_b64encode_obj));
    mp_store_global(MP_QSTR_b64decode, MP_OBJ_FROM_PTR(&arrays_b64decode_obj));
    mp_store_global(MP_QSTR_crc32, MP_OBJ_FROM_PTR(&arrays_crc32_obj));
    mp_store_global(MP_QSTR_typecode, MP_OBJ_FROM_PTR(&arrays_typecode_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
