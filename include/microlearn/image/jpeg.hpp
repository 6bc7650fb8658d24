// Baseline JPEG decoder: a file's bytes -> grayscale or RGB888 pixels in the
// caller's buffer, with no heap and a working area of a few kB.
//
// Reads what cameras and encoders write by default: sequential DCT with
// Huffman coding (SOF0, SOF1), 8-bit samples, 1 component (grayscale) or 3
// (YCbCr; RGB when an Adobe marker says so), any integral sampling factors
// (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, ...), restart markers, all components in
// one interleaved scan. Anything else is a JpegError naming it: progressive,
// arithmetic-coded, lossless, hierarchical, 12-bit, 4 components (CMYK),
// several scans, a height given later by a DNL marker.
//
// Decoding runs one MCU row at a time: each row's blocks are inverse
// transformed into per-component sample rows in the working area, then
// upsampled and colour-converted into the output. A scale of 2, 4 or 8 keeps
// only the lowest 4x4, 2x2 or 1x1 coefficients of each block and transforms
// those, giving the image at 1/scale of its size (ceil(width / scale) x
// ceil(height / scale)) for the cost of the entropy decoding plus a smaller
// transform.
//
// Numerics (docs/images.md): an integer IDCT (13-bit cosines, two extra bits
// between passes); chroma upsampled as libjpeg does by default (linear
// interpolation at sample centres for 2:1 ratios, replication otherwise);
// YCbCr -> RGB with the JFIF constants in 16-bit fixed point; grayscale from
// colour as BT.601 luma of the RGB result, (19595 R + 38470 G + 7471 B +
// 32768) >> 16 (Pillow's convert("L")).
//
//   JpegInfo info;                       // size and layout, from the headers
//   jpeg_info(data, size, info);
//   size_t need = jpeg_work_size(info, scale);   // bytes of working area
//   jpeg_decode(data, size, scale, channels, out, out_size, work, need);
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace microlearn {
namespace image {

enum class JpegError : int {
    ok = 0,
    not_jpeg,          // no SOI marker at the start
    truncated,         // a segment or the entropy-coded data end early
    bad_header,        // a malformed segment (sizes, ids, factors, lengths)
    bad_table,         // a Huffman or quantization table is missing or invalid
    corrupt_data,      // the entropy-coded data decode to something impossible
    bad_restart,       // a restart marker is missing or out of order
    progressive,       // SOF2 / SOF6
    arithmetic,        // SOF9..SOF15 except SOF12 (DAC)
    lossless,          // SOF3 / SOF7
    hierarchical,      // SOF5 (differential)
    precision,         // not 8-bit samples
    components,        // not 1 or 3 components
    sampling,          // sampling factors whose ratios are not integers
    multi_scan,        // components in separate scans
    dnl_height,        // height 0: given later by a DNL marker
    too_large,         // a size that overflows the engine's arithmetic
    bad_argument,      // scale, channels, or a buffer of the wrong size
};

// A sentence for messages: what is wrong, and for unsupported files what is read.
constexpr const char* jpeg_error_message(JpegError e) {
    switch (e) {
        case JpegError::ok: return "ok";
        case JpegError::not_jpeg: return "not a JPEG file (no SOI marker)";
        case JpegError::truncated: return "truncated file: the data end before the image does";
        case JpegError::bad_header: return "malformed header segment";
        case JpegError::bad_table: return "missing or invalid Huffman or quantization table";
        case JpegError::corrupt_data: return "corrupt entropy-coded data";
        case JpegError::bad_restart: return "missing or misplaced restart marker";
        case JpegError::progressive: return "progressive JPEG: only baseline (sequential) JPEGs are read";
        case JpegError::arithmetic: return "arithmetic-coded JPEG: only Huffman-coded JPEGs are read";
        case JpegError::lossless: return "lossless JPEG: only baseline (DCT) JPEGs are read";
        case JpegError::hierarchical: return "hierarchical JPEG: only baseline JPEGs are read";
        case JpegError::precision: return "12- or 16-bit samples: only 8-bit JPEGs are read";
        case JpegError::components: return "only 1 (grayscale) or 3 (colour) components are read, not CMYK";
        case JpegError::sampling: return "sampling factors with non-integral ratios";
        case JpegError::multi_scan: return "components in separate scans: only single-scan (interleaved) JPEGs are read";
        case JpegError::dnl_height: return "height 0 (set by a DNL marker) is not read";
        case JpegError::too_large: return "image too large";
        case JpegError::bad_argument:
            return "out must hold ceil(width / scale) * ceil(height / scale) * channels bytes, work the working-area "
                   "bytes, scale 1, 2, 4 or 8, channels 1 or 3";
    }
    return "unknown error";
}

struct JpegInfo {
    uint32_t width = 0, height = 0;
    uint8_t components = 0;
    uint8_t h[3] = {0, 0, 0}, v[3] = {0, 0, 0};  // sampling factors
    uint8_t hmax = 0, vmax = 0;
    uint8_t rgb = 0;  // 3 components stored as RGB, not YCbCr
};

namespace jpeg_detail {

constexpr int kConstBits = 13;
constexpr int kPass1Bits = 2;
// Dequantized coefficients are clamped to this (an 8-bit image's are below
// 2048): it keeps both IDCT passes inside int32 whatever the file holds.
constexpr int32_t kCoefLimit = 4095;

constexpr uint8_t kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// (rows << 4) | columns of the natural-order block that zigzag positions 0..k cover.
constexpr uint8_t kExtent[64] = {
    0x11, 0x12, 0x22, 0x32, 0x32, 0x33, 0x34, 0x34, 0x34, 0x44, 0x54, 0x54, 0x54, 0x54, 0x55, 0x56,
    0x56, 0x56, 0x56, 0x56, 0x66, 0x76, 0x76, 0x76, 0x76, 0x76, 0x76, 0x77, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88,
    0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};

// round(cos(k pi / 16) / 2 * 2^13), k = 0..31: the basis values of the 1D
// transform, whose u = 0 term takes kDc = round(2^13 / (2 sqrt 2)) instead.
constexpr int16_t kHalfCos[32] = {4096,  4017,  3784,  3406,  2896,  2276,  1567,  799,
                                  0,     -799,  -1567, -2276, -2896, -3406, -3784, -4017,
                                  -4096, -4017, -3784, -3406, -2896, -2276, -1567, -799,
                                  0,     799,   1567,  2276,  2896,  3406,  3784,  4017};
constexpr int32_t kDc = 2896;

struct Huffman {
    uint16_t fast[256];  // the next 8 bits -> (code length << 8) | symbol; 0: a longer code
    int32_t maxcode[18];  // largest code of each length, -1 if none (maxcode[17]: sentinel)
    int32_t offset[17];   // symbol index of a code of each length: code + offset
    uint8_t values[256];
    uint8_t defined;
};

struct Component {
    uint8_t id, h, v, tq, td, ta;
    uint8_t bs;            // samples per block side: 8 / scale, or more for subsampled chroma
    uint8_t hr, vr;        // Hmax / h, Vmax / v at those block sizes (what upsampling has left to do)
    uint8_t fancy_h, fancy_v;
    uint32_t real_w, real_h;  // its samples that hold the image (at the output scale)
    uint32_t stride;          // bytes per sample row in buf
    uint8_t* buf;             // one MCU row: v * block rows of stride samples
    uint8_t* prev;            // the last sample row of the previous MCU row
    uint8_t* row;             // an upsampled row at output width
    int32_t dc;
};

struct Bits {
    const uint8_t* p;
    const uint8_t* end;
    uint32_t acc;        // bits left-aligned
    int32_t n;           // valid bits in acc
    int32_t phantom;     // zero bytes fed after the data (at a marker or the end)
    bool at_marker;
};

// What the headers say about the frame, and the geometry of a decode.
struct Frame {
    JpegInfo info;
    Component comp[3];
    uint32_t restart_interval;
    uint32_t mcus_x, mcus_y;
    uint32_t out_w, out_h;
    uint32_t block;  // samples per block side at the output scale: 8 / scale
    uint8_t adobe, adobe_transform;
};

// The tables, at the start of the working area.
struct Tables {
    uint16_t quant[4][64];  // natural order
    uint8_t quant_defined[4];
    Huffman dc[2], ac[2];
};

inline uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }

// ---- markers and segments ------------------------------------------------

// The next marker at or after p (skipping fill bytes): its code, p past it.
// 0 if none before end.
inline uint8_t next_marker(const uint8_t*& p, const uint8_t* end) {
    while (p < end && *p != 0xFF) ++p;  // garbage between segments is skipped, as libjpeg does
    while (p < end && *p == 0xFF) ++p;
    if (p >= end) return 0;
    return *p++;
}

inline JpegError sof_error(uint8_t m) {
    switch (m) {
        case 0xC0: case 0xC1: return JpegError::ok;
        case 0xC2: case 0xC6: return JpegError::progressive;
        case 0xC3: case 0xC7: return JpegError::lossless;
        case 0xC5: return JpegError::hierarchical;
        default: return JpegError::arithmetic;  // C9..CF except CC
    }
}

inline bool is_sof(uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

inline JpegError parse_sof(const uint8_t* s, uint32_t n, JpegInfo& info, Component* comp) {
    if (n < 6) return JpegError::bad_header;
    if (s[0] != 8) return JpegError::precision;
    info.height = be16(s + 1);
    info.width = be16(s + 3);
    const uint32_t nc = s[5];
    if (nc != 1 && nc != 3) return nc == 0 ? JpegError::bad_header : JpegError::components;
    if (n < 6 + 3 * nc) return JpegError::bad_header;
    if (info.width == 0) return JpegError::bad_header;
    if (info.height == 0) return JpegError::dnl_height;
    info.components = uint8_t(nc);
    info.hmax = info.vmax = 1;
    for (uint32_t i = 0; i < nc; ++i) {
        const uint8_t* c = s + 6 + 3 * i;
        const uint8_t h = c[1] >> 4, v = c[1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4 || c[2] > 3) return JpegError::bad_header;
        for (uint32_t j = 0; j < i; ++j)
            if (comp[j].id == c[0]) return JpegError::bad_header;
        comp[i].id = c[0];
        comp[i].tq = c[2];
        // One component: the scan is not interleaved, each MCU one block.
        info.h[i] = nc == 1 ? 1 : h;
        info.v[i] = nc == 1 ? 1 : v;
        if (info.h[i] > info.hmax) info.hmax = info.h[i];
        if (info.v[i] > info.vmax) info.vmax = info.v[i];
    }
    uint32_t blocks = 0;
    for (uint32_t i = 0; i < nc; ++i) {
        if (info.hmax % info.h[i] || info.vmax % info.v[i]) return JpegError::sampling;
        blocks += uint32_t(info.h[i]) * info.v[i];
    }
    if (blocks > 10) return JpegError::bad_header;  // the standard's limit per MCU
    if (nc == 3 && comp[0].id == 'R' && comp[1].id == 'G' && comp[2].id == 'B') info.rgb = 1;
    return JpegError::ok;
}

inline JpegError parse_dqt(const uint8_t* s, uint32_t n, Tables& d) {
    while (n > 0) {
        const uint32_t pq = s[0] >> 4, tq = s[0] & 15;
        const uint32_t len = 1 + 64 * (pq + 1);
        if (pq > 1 || tq > 3 || n < len) return JpegError::bad_table;
        for (int k = 0; k < 64; ++k)
            d.quant[tq][kZigzag[k]] = uint16_t(pq ? be16(s + 1 + 2 * k) : s[1 + k]);
        d.quant_defined[tq] = 1;
        s += len;
        n -= len;
    }
    return JpegError::ok;
}

inline JpegError build_huffman(const uint8_t* counts, const uint8_t* values, uint32_t total, bool dc, Huffman& t) {
    for (uint32_t i = 0; i < total; ++i) {
        const uint32_t size = values[i] & 15;
        if (dc ? values[i] > 11 : size > 10) return JpegError::bad_table;
        t.values[i] = values[i];
    }
    for (int i = 0; i < 256; ++i) t.fast[i] = 0;
    int32_t code = 0;
    uint32_t k = 0;
    for (int len = 1; len <= 16; ++len) {
        const uint32_t count = counts[len - 1];
        t.offset[len] = int32_t(k) - code;
        if (code + int32_t(count) > (1 << len)) return JpegError::bad_table;  // more codes than this length holds
        for (uint32_t i = 0; i < count; ++i, ++k, ++code) {
            if (len <= 8) {
                const int shift = 8 - len;
                for (int f = 0; f < (1 << shift); ++f) t.fast[(code << shift) | f] = uint16_t((len << 8) | t.values[k]);
            }
        }
        t.maxcode[len] = count ? code - 1 : -1;
        code <<= 1;
    }
    t.maxcode[17] = 0x7FFFFFFF;
    t.maxcode[0] = -1;
    t.offset[0] = 0;
    t.defined = 1;
    return JpegError::ok;
}

inline JpegError parse_dht(const uint8_t* s, uint32_t n, Tables& d) {
    while (n > 0) {
        if (n < 17) return JpegError::bad_table;
        const uint32_t tc = s[0] >> 4, th = s[0] & 15;
        if (tc > 1 || th > 1) return JpegError::bad_table;  // baseline: tables 0 and 1
        uint32_t total = 0;
        for (int i = 0; i < 16; ++i) total += s[1 + i];
        if (total > 256 || n < 17 + total) return JpegError::bad_table;
        const JpegError e = build_huffman(s + 1, s + 17, total, tc == 0, tc ? d.ac[th] : d.dc[th]);
        if (e != JpegError::ok) return e;
        s += 17 + total;
        n -= 17 + total;
    }
    return JpegError::ok;
}

// Walks the segments from SOI to the first SOS, filling d and t; *sos gets
// the scan header's payload. Without t: to the frame header only.
inline JpegError parse_headers(const uint8_t* data, size_t size, Frame& d, Tables* t, const uint8_t** sos,
                               uint32_t* sos_len) {
    if (size < 2 || data[0] != 0xFF || data[1] != 0xD8) return JpegError::not_jpeg;
    const uint8_t* p = data + 2;
    const uint8_t* end = data + size;
    bool have_frame = false;
    for (;;) {
        const uint8_t m = next_marker(p, end);
        if (m == 0 || m == 0xD9) return JpegError::truncated;  // no image before the end
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // standalone markers
        if (end - p < 2) return JpegError::truncated;
        const uint32_t len = be16(p);
        if (len < 2) return JpegError::bad_header;
        if (uint32_t(end - p) < len) return JpegError::truncated;
        const uint8_t* s = p + 2;
        const uint32_t n = len - 2;
        p += len;
        JpegError e = JpegError::ok;
        if (is_sof(m)) {
            e = sof_error(m);
            if (e == JpegError::ok && have_frame) e = JpegError::bad_header;
            if (e == JpegError::ok) e = parse_sof(s, n, d.info, d.comp);
            have_frame = true;
            if (e == JpegError::ok && t == nullptr) return JpegError::ok;
        } else if (m == 0xCC) {
            e = JpegError::arithmetic;
        } else if (m == 0xDB && t != nullptr) {
            e = parse_dqt(s, n, *t);
        } else if (m == 0xC4 && t != nullptr) {
            e = parse_dht(s, n, *t);
        } else if (m == 0xDD) {
            if (n < 2) return JpegError::bad_header;
            d.restart_interval = be16(s);
        } else if (m == 0xEE && n >= 12 && s[0] == 'A' && s[1] == 'd' && s[2] == 'o' && s[3] == 'b' && s[4] == 'e') {
            d.adobe = 1;
            d.adobe_transform = s[11];
        } else if (m == 0xDA) {
            if (!have_frame || t == nullptr) return JpegError::bad_header;
            *sos = s;
            *sos_len = n;
            return JpegError::ok;
        }
        if (e != JpegError::ok) return e;
    }
}

// ---- entropy decoding ----------------------------------------------------

inline void fill(Bits& b) {
    while (b.n <= 24) {
        uint32_t byte = 0;
        if (!b.at_marker && b.p < b.end) {
            byte = *b.p;
            if (byte == 0xFF) {
                if (b.p + 1 < b.end && b.p[1] == 0) {
                    b.p += 2;  // a stuffed 0xFF
                } else {
                    b.at_marker = true;  // a marker (or the end): zeros from here
                    byte = 0;
                    ++b.phantom;
                }
            } else {
                ++b.p;
            }
        } else {
            ++b.phantom;
        }
        b.acc |= byte << (24 - b.n);
        b.n += 8;
    }
}

inline uint32_t get_bits(Bits& b, int n) {  // 1 <= n <= 16
    if (b.n < n) fill(b);
    const uint32_t v = b.acc >> (32 - n);
    b.acc <<= n;
    b.n -= n;
    return v;
}

// The next Huffman symbol, or -1 for a code the table does not hold.
inline int32_t decode_symbol(Bits& b, const Huffman& t) {
    if (b.n < 16) fill(b);
    const uint32_t e = t.fast[b.acc >> 24];
    if (e != 0) {
        const int len = int(e >> 8);
        b.acc <<= len;
        b.n -= len;
        return int32_t(e & 255);
    }
    int len = 9;
    int32_t code = int32_t(b.acc >> (32 - len));
    while (code > t.maxcode[len]) {
        ++len;
        code = int32_t(b.acc >> (32 - len));
    }
    if (len > 16) return -1;
    b.acc <<= len;
    b.n -= len;
    return t.values[code + t.offset[len]];
}

// The signed value of an s-bit magnitude category.
inline int32_t extend(uint32_t v, int s) { return v < (1u << (s - 1)) ? int32_t(v) - (1 << s) + 1 : int32_t(v); }

inline int32_t dequant(int32_t c, uint16_t q) {
    int32_t v = c * int32_t(q);
    return v > kCoefLimit ? kCoefLimit : v < -kCoefLimit ? -kCoefLimit : v;
}

// Decodes one block's coefficients into blk (natural order, dequantized);
// returns (rows << 4) | columns, rows and columns that cover every non-zero
// coefficient (0x11 for a DC alone), or -1 on corrupt data.
inline int decode_block(Bits& b, const Huffman& dc, const Huffman& ac, const uint16_t* q, int32_t& pred,
                        int32_t* blk) {
    for (int i = 0; i < 64; ++i) blk[i] = 0;
    const int32_t s = decode_symbol(b, dc);
    if (s < 0) return -1;
    if (s > 0) pred += extend(get_bits(b, s), s);
    if (pred > 16383 || pred < -16383) return -1;  // 8-bit data stay within +-2047
    blk[0] = dequant(pred, q[0]);
    int last = 0;
    for (int k = 1; k < 64;) {
        const int32_t rs = decode_symbol(b, ac);
        if (rs < 0) return -1;
        const int r = rs >> 4, size = rs & 15;
        if (size == 0) {
            if (r != 15) break;  // end of block
            k += 16;
            continue;
        }
        k += r;
        if (k > 63) return -1;
        const int z = kZigzag[k];
        blk[z] = dequant(extend(get_bits(b, size), size), q[z]);
        last = k++;
    }
    return kExtent[last];
}

// ---- inverse DCT ---------------------------------------------------------

// The 8-point 1D transform, out[x] = sum_u c(u)/2 F[u] cos((2x+1) u pi / 16),
// as an even part (F0, F2, F4, F6) and an odd part (F1, F3, F5, F7), which
// give out[x] and out[7 - x] as their sum and difference. Results carry
// kConstBits fraction bits.
template <typename Store>
inline void idct8(const int32_t* f, int step, Store store) {
    const int32_t f0 = f[0], f1 = f[step], f2 = f[2 * step], f3 = f[3 * step];
    const int32_t f4 = f[4 * step], f5 = f[5 * step], f6 = f[6 * step], f7 = f[7 * step];
    const int32_t c1 = kHalfCos[1], c2 = kHalfCos[2], c3 = kHalfCos[3], c5 = kHalfCos[5], c6 = kHalfCos[6],
                  c7 = kHalfCos[7];
    const int32_t a0 = (f0 + f4) * kDc, a1 = (f0 - f4) * kDc;
    const int32_t b0 = f2 * c2 + f6 * c6, b1 = f2 * c6 - f6 * c2;
    const int32_t e0 = a0 + b0, e1 = a1 + b1, e2 = a1 - b1, e3 = a0 - b0;
    const int32_t o0 = f1 * c1 + f3 * c3 + f5 * c5 + f7 * c7;
    const int32_t o1 = f1 * c3 - f3 * c7 - f5 * c1 - f7 * c5;
    const int32_t o2 = f1 * c5 - f3 * c1 + f5 * c7 + f7 * c3;
    const int32_t o3 = f1 * c7 - f3 * c5 + f5 * c3 - f7 * c1;
    store(0, e0 + o0);
    store(7, e0 - o0);
    store(1, e1 + o1);
    store(6, e1 - o1);
    store(2, e2 + o2);
    store(5, e2 - o2);
    store(3, e3 + o3);
    store(4, e3 - o3);
}

// Downscaling by 8 / n (n = 4, 2) in the DCT domain: the mean of each
// group of 8 / n samples of the 8-point transform, out[x] = sum_u F[u] c(u)/2
// mean_j cos((2 (8/n x + j) + 1) u pi / 16), as a matrix of 13-bit constants
// (the same pixels as decoding whole and averaging boxes, up to rounding).
constexpr int16_t kBox4[4][8] = {{2896, 3711, 2676, 1303, 0, -871, -1108, -738},
                                 {2896, 1537, -2676, -3146, 0, 2102, 1108, -306},
                                 {2896, -1537, -2676, 3146, 0, -2102, 1108, 306},
                                 {2896, -3711, 2676, -1303, 0, 871, -1108, 738}};
constexpr int16_t kBox2[2][8] = {{2896, 2624, 0, -922, 0, 616, 0, -522}, {2896, -2624, 0, 922, 0, -616, 0, 522}};

// Rows x and n - 1 - x of the tables differ in the sign of the odd
// terms: each pair is one even and one odd sum. Inputs from `used` on are
// zero and skipped.
template <typename Store>
inline void idct_box(const int32_t* f, int step, int n, int used, Store store) {
    for (int x = 0; x < n / 2; ++x) {
        const int16_t* m = n == 4 ? kBox4[x] : kBox2[x];
        int32_t even = 0, odd = 0;
        for (int u = 0; u < used; u += 2) even += f[u * step] * m[u];
        for (int u = 1; u < used; u += 2) odd += f[u * step] * m[u];
        store(x, even + odd);
        store(n - 1 - x, even - odd);
    }
}

inline uint8_t clamp255(int32_t v) { return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v); }

// Inverse transforms blk (natural order) into an n x n block of samples at
// out (rows `stride` apart); extent: decode_block()'s rows and columns of
// non-zero coefficients (the others are skipped).
inline void idct_block(const int32_t* blk, int extent, int n, uint8_t* out, uint32_t stride) {
    constexpr int shift1 = kConstBits - kPass1Bits, shift2 = kConstBits + kPass1Bits;
    constexpr int32_t round2 = (int32_t(1) << (shift2 - 1)) + (int32_t(128) << shift2);
    const int rows = extent >> 4, cols = extent & 15;
    if ((rows == 1 && cols == 1) || n == 1) {  // flat, or 1/8 scale: the block's mean, F0 / 8 + 128
        const int32_t t = (blk[0] * kDc + (1 << (shift1 - 1))) >> shift1;  // what both passes give
        const uint8_t v = clamp255((t * kDc + round2) >> shift2);
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x) out[y * stride + x] = v;
        return;
    }
    int32_t tmp[64];
    // Columns: blk[u + 8 v] over v -> tmp[u + 8 y], with kPass1Bits extra bits.
    for (int u = 0; u < cols; ++u) {
        int32_t* t = tmp + u;
        auto store = [t](int y, int32_t v) { t[8 * y] = (v + (1 << (shift1 - 1))) >> shift1; };
        const int32_t* c = blk + u;
        if (rows == 1 || (c[8] | c[16] | c[24] | c[32] | c[40] | c[48] | c[56]) == 0) {  // flat column
            const int32_t v = (c[0] * kDc + (1 << (shift1 - 1))) >> shift1;
            for (int y = 0; y < n; ++y) t[8 * y] = v;
        } else if (n == 8) {
            idct8(c, 8, store);
        } else {
            idct_box(c, 8, n, rows, store);
        }
    }
    for (int u = cols; u < 8; ++u)
        for (int y = 0; y < n; ++y) tmp[8 * y + u] = 0;
    // Rows: tmp[8 y + u] over u -> samples, level-shifted by 128 and clamped.
    for (int y = 0; y < n; ++y) {
        uint8_t* o = out + y * stride;
        auto store = [o](int x, int32_t v) { o[x] = clamp255((v + round2) >> shift2); };
        if (n == 8)
            idct8(tmp + 8 * y, 1, store);
        else
            idct_box(tmp + 8 * y, 1, n, cols, store);
    }
}

// ---- upsampling and colour -----------------------------------------------

// Sample row g of component c (clamped to its real rows) while MCU row k is
// in its buffer (rows_c = v * block per MCU row); the row just above that MCU
// row is in prev.
inline const uint8_t* sample_row(const Component& c, uint32_t rows_c, uint32_t k, int32_t g) {
    if (g < 0) g = 0;
    if (uint32_t(g) >= c.real_h) g = int32_t(c.real_h) - 1;
    const int32_t local = g - int32_t(k * rows_c);
    return local < 0 ? c.prev : c.buf + uint32_t(local) * c.stride;
}

// Component c's samples for output row y at output width w: its buffer row
// itself at full resolution, else upsampled into c.row. Ratios of 2 are
// linear interpolation at sample centres (3/4 of the nearer sample, 1/4 of
// the other, the edges clamped), rounded as libjpeg's "fancy" upsampling
// does; other ratios replicate.
inline const uint8_t* upsample_row(const Component& c, uint32_t rows_c, uint32_t k, uint32_t y, uint32_t w) {
    if (c.hr == 1 && c.vr == 1) return sample_row(c, rows_c, k, int32_t(y));
    uint8_t* out = c.row;
    const uint32_t last = c.real_w - 1;
    if (c.fancy_h) {  // 2:1 or 2:2: each input sample i gives outputs 2i and 2i + 1
        const uint8_t* nr = sample_row(c, rows_c, k, c.fancy_v ? int32_t(y >> 1) : int32_t(y / c.vr));
        const uint8_t* fr = c.fancy_v ? sample_row(c, rows_c, k, (y & 1) ? int32_t(y >> 1) + 1 : int32_t(y >> 1) - 1)
                                      : nullptr;
        // Column values: 3 near + far (scale 4) for 2:2, the sample (scale 1) for 2:1.
        auto col = [nr, fr](uint32_t i) { return fr ? 3 * nr[i] + fr[i] : int32_t(nr[i]); };
        const int shift = fr ? 4 : 2;
        const int32_t even_bias = fr ? 8 : 1, odd_bias = fr ? 7 : 2;
        int32_t before = col(0), here = before;
        for (uint32_t i = 0, x = 0; x < w; ++i, x += 2) {
            const int32_t after = i < last ? col(i + 1) : here;
            out[x] = uint8_t((3 * here + before + even_bias) >> shift);
            if (x + 1 < w) out[x + 1] = uint8_t((3 * here + after + odd_bias) >> shift);
            before = here;
            here = after;
        }
        return out;
    }
    if (c.fancy_v) {  // 1:2, vertical only
        const int32_t near_g = int32_t(y >> 1);
        const uint8_t* nr = sample_row(c, rows_c, k, near_g);
        const uint8_t* fr = sample_row(c, rows_c, k, (y & 1) ? near_g + 1 : near_g - 1);
        const int32_t bias = (y & 1) ? 2 : 1;
        for (uint32_t x = 0; x < w; ++x) out[x] = uint8_t((3 * nr[x] + fr[x] + bias) >> 2);
        return out;
    }
    const uint8_t* r = sample_row(c, rows_c, k, int32_t(y / c.vr));
    for (uint32_t x = 0; x < w; ++x) out[x] = r[x / c.hr];
    return out;
}

inline uint8_t luma(int32_t r, int32_t g, int32_t b) { return uint8_t((19595 * r + 38470 * g + 7471 * b + 32768) >> 16); }

// One output row from the components' rows: YCbCr (JFIF) or RGB to RGB888
// or grayscale; one component to grayscale or gray RGB.
inline void convert_row(const uint8_t* const* rows, int n_comp, bool rgb_in, int channels, uint32_t w, uint8_t* out) {
    const uint8_t* y = rows[0];
    if (n_comp == 1) {
        if (channels == 1) {
            for (uint32_t x = 0; x < w; ++x) out[x] = y[x];
        } else {
            for (uint32_t x = 0; x < w; ++x) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = y[x];
        }
        return;
    }
    const uint8_t* cb = rows[1];
    const uint8_t* cr = rows[2];
    for (uint32_t x = 0; x < w; ++x) {
        int32_t r = y[x], g = cb[x], b = cr[x];
        if (!rgb_in) {
            const int32_t l = r, u = g - 128, v = b - 128;
            r = clamp255(l + ((91881 * v + 32768) >> 16));
            g = clamp255(l + ((-22554 * u - 46802 * v + 32768) >> 16));
            b = clamp255(l + ((116130 * u + 32768) >> 16));
        }
        if (channels == 1) {
            out[x] = luma(r, g, b);
        } else {
            out[0] = uint8_t(r);
            out[1] = uint8_t(g);
            out[2] = uint8_t(b);
            out += 3;
        }
    }
}

inline size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

// The geometry of a decode at 1 / scale into d (components' sizes, strides);
// the bytes of working area it needs after the Tables.
inline size_t plan(Frame& d, uint32_t scale) {
    const JpegInfo& in = d.info;
    d.block = 8 / scale;
    d.mcus_x = (in.width + 8u * in.hmax - 1) / (8u * in.hmax);
    d.mcus_y = (in.height + 8u * in.vmax - 1) / (8u * in.vmax);
    d.out_w = (in.width + scale - 1) / scale;
    d.out_h = (in.height + scale - 1) / scale;
    size_t bytes = 0;
    const bool fancy = d.block > 1;  // libjpeg: no interpolation at 1/8
    for (int i = 0; i < in.components; ++i) {
        Component& c = d.comp[i];
        c.h = in.h[i];
        c.v = in.v[i];
        c.hr = uint8_t(in.hmax / c.h);
        c.vr = uint8_t(in.vmax / c.v);
        // Scaled down, a subsampled component is transformed to larger blocks
        // (up to 8) instead of being upsampled afterwards, as libjpeg does:
        // its samples then keep the output's resolution.
        c.bs = uint8_t(d.block);
        while (c.bs < 8 && c.hr % 2 == 0 && c.vr % 2 == 0) {
            c.bs = uint8_t(c.bs * 2);
            c.hr = uint8_t(c.hr / 2);
            c.vr = uint8_t(c.vr / 2);
        }
        c.real_w = (in.width * c.h * c.bs + 8u * in.hmax - 1) / (8u * in.hmax);
        c.real_h = (in.height * c.v * c.bs + 8u * in.vmax - 1) / (8u * in.vmax);
        c.stride = d.mcus_x * c.h * c.bs;
        c.fancy_h = fancy && c.hr == 2 && c.vr <= 2 && c.real_w > 2;
        c.fancy_v = fancy && c.vr == 2 && (c.hr == 1 || c.fancy_h);
        if (c.vr == 2 && c.hr == 2 && !c.fancy_h) c.fancy_v = 0;
        // buf (one MCU row) + prev (one row) + row (an output row)
        bytes += align8(size_t(c.stride) * (c.v * c.bs + 1)) + align8(d.out_w);
    }
    return bytes;
}

}  // namespace jpeg_detail

// Reads the headers up to the frame header (SOF): size, components and
// sampling factors; an error for files the decoder does not read.
inline JpegError jpeg_info(const uint8_t* data, size_t size, JpegInfo& info) {
    jpeg_detail::Frame d{};
    if (data == nullptr) return JpegError::bad_argument;
    const JpegError e = jpeg_detail::parse_headers(data, size, d, nullptr, nullptr, nullptr);
    if (e == JpegError::ok) info = d.info;
    return e;
}

// Bytes of working area jpeg_decode() needs for this image at 1 / scale
// (scale 1, 2, 4 or 8); 0 for another scale.
inline size_t jpeg_work_size(const JpegInfo& info, uint32_t scale) {
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) return 0;
    if (info.components != 1 && info.components != 3) return 0;
    jpeg_detail::Frame d{};
    d.info = info;
    return jpeg_detail::align8(sizeof(jpeg_detail::Tables)) + jpeg_detail::plan(d, scale);
}

// Decodes a JPEG at 1 / scale (1, 2, 4, 8) into out: ceil(width / scale) x
// ceil(height / scale) pixels, row by row, of `channels` bytes (1: grayscale,
// 3: R G B); out_size must be exactly that. work: jpeg_work_size() bytes,
// 8-byte aligned. Allocates nothing; on an error out holds what was decoded.
inline JpegError jpeg_decode(const uint8_t* data, size_t size, uint32_t scale, int channels, uint8_t* out,
                             size_t out_size, void* work, size_t work_size) {
    using namespace jpeg_detail;
    if (data == nullptr || out == nullptr || work == nullptr || (channels != 1 && channels != 3) ||
        (reinterpret_cast<uintptr_t>(work) & 7) != 0)
        return JpegError::bad_argument;
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) return JpegError::bad_argument;
    if (work_size < sizeof(Tables)) return JpegError::bad_argument;
    Tables& t = *static_cast<Tables*>(work);
    for (int i = 0; i < 4; ++i) t.quant_defined[i] = 0;
    for (int i = 0; i < 2; ++i) t.dc[i].defined = t.ac[i].defined = 0;
    Frame d{};
    const uint8_t* sos = nullptr;
    uint32_t sos_len = 0;
    const JpegError e = parse_headers(data, size, d, &t, &sos, &sos_len);
    if (e != JpegError::ok) return e;
    const size_t need = align8(sizeof(Tables)) + plan(d, scale);
    if (work_size < need) return JpegError::bad_argument;
    if (size_t(d.out_w) * d.out_h > size_t(-1) / 4) return JpegError::too_large;
    if (out_size != size_t(d.out_w) * d.out_h * size_t(channels)) return JpegError::bad_argument;
    const int nc = d.info.components;
    const bool rgb_in = nc == 3 && (d.adobe ? d.adobe_transform == 0 : d.info.rgb != 0);
    // Carve the working area.
    uint8_t* p = static_cast<uint8_t*>(work) + align8(sizeof(Tables));
    for (int i = 0; i < nc; ++i) {
        Component& c = d.comp[i];
        c.buf = p;
        c.prev = p + size_t(c.stride) * c.v * c.bs;
        p += align8(size_t(c.stride) * (c.v * c.bs + 1));
        c.row = p;
        p += align8(d.out_w);
    }
    // Scan header: every component, in one interleaved scan.
    if (sos_len < 1 || sos_len != 4u + 2u * sos[0]) return JpegError::bad_header;
    if (sos[0] != nc) return JpegError::multi_scan;
    Component* order[3];
    for (int i = 0; i < nc; ++i) {
        const uint8_t id = sos[1 + 2 * i], sel = sos[2 + 2 * i];
        order[i] = nullptr;
        for (int j = 0; j < nc; ++j)
            if (d.comp[j].id == id) order[i] = &d.comp[j];
        for (int j = 0; j < i; ++j)
            if (order[j] == order[i]) order[i] = nullptr;
        if (order[i] == nullptr) return JpegError::bad_header;
        order[i]->td = sel >> 4;
        order[i]->ta = sel & 15;
        if (order[i]->td > 1 || order[i]->ta > 1 || !t.dc[order[i]->td].defined || !t.ac[order[i]->ta].defined ||
            !t.quant_defined[order[i]->tq])
            return JpegError::bad_table;
    }
    const uint8_t* q = sos + 1 + 2 * nc;
    if (q[0] != 0 || q[1] != 63 || q[2] != 0) return JpegError::bad_header;  // baseline: the whole block, one pass

    Bits b{q + 3, data + size, 0, 0, 0, false};
    const uint32_t block = d.block, vb = uint32_t(d.info.vmax) * block;
    uint32_t todo = d.restart_interval;
    uint32_t next_rst = 0;
    int32_t blk[64];
    const uint8_t* rows[3];
    for (uint32_t k = 0; k < d.mcus_y; ++k) {
        if (k > 0)
            for (int i = 0; i < nc; ++i) {
                const Component& c = d.comp[i];
                const uint8_t* lastrow = c.buf + size_t(c.stride) * (c.v * c.bs - 1);
                for (uint32_t x = 0; x < c.stride; ++x) c.prev[x] = lastrow[x];
            }
        for (uint32_t m = 0; m < d.mcus_x; ++m) {
            if (d.restart_interval != 0) {
                if (todo == 0) {  // a restart marker: RST0..7 in turn, then fresh bits and predictions
                    const uint8_t* r = b.p;
                    while (r + 1 < b.end && !(r[0] == 0xFF && r[1] != 0 && r[1] != 0xFF)) ++r;
                    if (r + 1 >= b.end || r[1] != 0xD0 + next_rst) return JpegError::bad_restart;
                    b = Bits{r + 2, data + size, 0, 0, 0, false};
                    next_rst = (next_rst + 1) & 7;
                    for (int i = 0; i < nc; ++i) d.comp[i].dc = 0;
                    todo = d.restart_interval;
                }
                --todo;
            }
            for (int i = 0; i < nc; ++i) {
                Component& c = *order[i];
                for (uint32_t by = 0; by < c.v; ++by)
                    for (uint32_t bx = 0; bx < c.h; ++bx) {
                        const int extent = decode_block(b, t.dc[c.td], t.ac[c.ta], t.quant[c.tq], c.dc, blk);
                        if (extent < 0) return JpegError::corrupt_data;
                        idct_block(blk, extent, c.bs, c.buf + size_t(by * c.bs) * c.stride + (m * c.h + bx) * c.bs,
                                   c.stride);
                    }
            }
            if (b.phantom * 8 > b.n) return JpegError::truncated;  // bits read past the data
        }
        // Output rows: the last row of the MCU row above (it needed this
        // one's first chroma row), then all but this one's last.
        const uint32_t first = k == 0 ? 0 : k * vb - 1;
        for (uint32_t y = first; y < (k + 1) * vb - 1 && y < d.out_h; ++y) {
            for (int i = 0; i < nc; ++i) rows[i] = upsample_row(d.comp[i], d.comp[i].v * d.comp[i].bs, k, y, d.out_w);
            convert_row(rows, nc, rgb_in, channels, d.out_w, out + size_t(y) * d.out_w * size_t(channels));
        }
    }
    const uint32_t y = d.mcus_y * vb - 1;
    if (y < d.out_h) {
        for (int i = 0; i < nc; ++i) rows[i] = upsample_row(d.comp[i], d.comp[i].v * d.comp[i].bs, d.mcus_y - 1, y, d.out_w);
        convert_row(rows, nc, rgb_in, channels, d.out_w, out + size_t(y) * d.out_w * size_t(channels));
    }
    return JpegError::ok;
}

}  // namespace image
}  // namespace microlearn
