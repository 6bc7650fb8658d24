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
//                                clamped to dst's range (int8/16/32, uint8/16)
//   b64encode(src, dst) -> n     base64 of src into bytearray dst, no newline
//   b64decode(src, dst) -> n     bytes of base64 text src into dst
//   crc32(data[, crc])           zlib's CRC-32, continuing from crc
//   typecode(a)                  'h' for array('h'), 'B' for bytes/bytearray
// Nothing but empty()/full() allocates. Sizes are checked; errors are
// ValueError/TypeError saying what was expected.
//
// No switch statements and no tables of pointers: armv6m native modules cannot
// hold absolute relocations (the Makefile also passes -fno-jump-tables).
#include "py/dynruntime.h"
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

static mp_float_t get_float(const void* p, size_t i, int tc) {
    if (tc == 'f') return ((const float*)p)[i];
    if (tc == 'h') return ((const int16_t*)p)[i];  // 32-bit conversions: int64 -> float
    if (tc == 'i') return ((const int32_t*)p)[i];  // is slow on soft-float cores
    if (tc == 'd') return (mp_float_t)((const double*)p)[i];
    if (item_size(tc) <= 2) return (mp_float_t)(int32_t)get_int(p, i, tc);
    return (mp_float_t)get_int(p, i, tc);
}

static void set_float(void* p, size_t i, int tc, mp_float_t v) {
    if (tc == 'f') ((float*)p)[i] = (float)v;
    else ((double*)p)[i] = v;
}

typedef struct {
    uint8_t* buf;
    size_t len;  // items
    int tc;
} view_t;

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

static void raise_counts(const char* a, size_t n1, const char* b, size_t n2) {
    char buf[100];
    size_t pos = 0;
    char digits[20];
    for (const char* s = a; *s; ++s) buf[pos++] = *s;
    int k = 0;
    do { digits[k++] = (char)('0' + n1 % 10); n1 /= 10; } while (n1);
    while (k) buf[pos++] = digits[--k];
    if (b == NULL) goto done;
    for (const char* s = b; *s && pos < 70; ++s) buf[pos++] = *s;
    do { digits[k++] = (char)('0' + n2 % 10); n2 /= 10; } while (n2);
    while (k) buf[pos++] = digits[--k];
done:
    mp_raise_type_arg(&mp_type_ValueError, mp_obj_new_str(buf, pos));
}

// dst must hold n items from index `at`.
static void check_room(const view_t* dst, size_t at, size_t n) {
    if (at > dst->len || dst->len - at < n) raise_counts("dst too small: needs ", at + n, " items, has ", dst->len);
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
    const mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0) mp_raise_ValueError(MP_ERROR_TEXT("n must be >= 0"));
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

static mp_obj_t arrays_full(mp_obj_t tc_in, mp_obj_t n_in, mp_obj_t value) {
    size_t sz;
    mp_obj_t out = new_array(tc_in, n_in, &sz);
    mp_obj_array_t* a = MP_OBJ_TO_PTR(out);
    if (a->len == 0) return out;
    uint8_t* p = a->items;
    if (is_float(a->typecode)) set_float(p, 0, a->typecode, mp_obj_get_float(value));
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
    const mp_int_t at = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    if (at < 0) mp_raise_ValueError(MP_ERROR_TEXT("at must be >= 0"));
    check_room(&dst, at, src.len);
    const size_t n = src.len;
    if (dst.tc == src.tc || (item_size(dst.tc) == 1 && item_size(src.tc) == 1)) {
        mp_fun_table.memmove_(dst.buf + at * item_size(dst.tc), src.buf, n * item_size(src.tc));
    } else if (is_float(dst.tc)) {
        for (size_t i = 0; i < n; ++i) set_float(dst.buf, at + i, dst.tc, get_float(src.buf, i, src.tc));
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
    if (data.len % sz != 0) raise_counts("data length ", data.len, " is not a multiple of the item size ", sz);
    const bool scaled = n_args > 3 && args[3] != mp_const_none;
    const mp_float_t scale = scaled ? mp_obj_get_float(args[3]) : 1;
    if (scaled && !is_float(dst.tc)) mp_raise_TypeError(MP_ERROR_TEXT("with a scale, dst must be array('f') or array('d')"));
    const mp_int_t at = n_args > 4 ? mp_obj_get_int(args[4]) : 0;
    if (at < 0) mp_raise_ValueError(MP_ERROR_TEXT("at must be >= 0"));
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
        if (fdst) {
            mp_float_t f = t == 'I' ? (mp_float_t)(uint32_t)v : (mp_float_t)(int32_t)v;
            set_float(dst.buf, at + i, dst.tc, scaled ? f * scale : f);
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
    if (src.tc == 'h' && dst.tc == 'f') {  // the common case, without per-item dispatch
        const int16_t* s = (const int16_t*)src.buf;
        float* d = (float*)dst.buf;
        for (size_t i = 0; i < src.len; ++i) d[i] = (mp_float_t)s[i] * scale + offset;
    } else {
        for (size_t i = 0; i < src.len; ++i)
            set_float(dst.buf, i, dst.tc, get_float(src.buf, i, src.tc) * scale + offset);
    }
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(arrays_to_float_obj, 2, 4, arrays_to_float);

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
    // Compared as floats first (also catches +-inf), then as ints: a float
    // cannot hold 2**31 - 1 exactly.
    const mp_float_t flo = (mp_float_t)lo, fhi = (mp_float_t)hi;
    for (size_t i = 0; i < src.len; ++i) {
        const mp_float_t x = get_float(src.buf, i, src.tc) * scale + offset;
        ival_t v;  // |x| < 2**31 below: int32 conversions suffice
        if (x >= fhi) v = hi;
        else if (x <= flo) v = lo;
        else if (x >= 0) v = (int32_t)(x + (mp_float_t)0.5);  // round half away from zero
        else if (x < 0) v = -(int32_t)((mp_float_t)0.5 - x);
        else v = 0;  // NaN
        if (v > hi) v = hi;
        if (v < lo) v = lo;
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
    if (dst.len < need) raise_counts("dst too small: needs ", need, " bytes, has ", dst.len);
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
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            if (quad < 2) mp_raise_ValueError(MP_ERROR_TEXT("base64: misplaced '='"));
            ++pad;
            acc <<= 6;
            if (++quad == 4) break;
            continue;
        }
        const int v = b64_value(c);
        if (v < 0 || pad) raise_counts("base64: invalid character at offset ", i, NULL, 0);
        acc = acc << 6 | (uint32_t)v;
        if (++quad == 4) {
            if (out + 3 > dst.len) raise_counts("dst too small: needs more than ", dst.len, NULL, 0);
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
        if (out + k > dst.len) raise_counts("dst too small: needs ", out + k, " bytes, has ", dst.len);
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
    uint32_t crc = n_args > 1 ? (uint32_t)mp_obj_get_int_truncated(args[1]) : 0;
    crc = ~crc;
    const uint8_t* p = b.buf;
    for (size_t i = 0; i < b.len; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return mp_obj_new_int_from_uint(~crc);
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
