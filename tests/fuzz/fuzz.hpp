// Shared pieces of the fuzz drivers (tests/fuzz/fuzz_*.cpp, docs/testing.md).
//
// Each driver is one source with one table of entries. It builds two ways:
//  - a libFuzzer target (ML_LIBFUZZER defined, clang -fsanitize=fuzzer,
//    address,undefined; scripts/fuzz.sh), where ML_FUZZ_TARGET is
//    LLVMFuzzerTestOneInput;
//  - part of the GoogleTest replay (tests/cpp/test_fuzz_replay.cpp), where
//    ML_FUZZ_TARGET names a plain function that the test calls on every
//    file of the corpus and of tests/fuzz/regressions/.
// A broken invariant prints what broke and aborts: libFuzzer saves the input
// as a crash, and the replay test dies naming the check.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <memory>
#include <vector>

#ifdef ML_LIBFUZZER
#define ML_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#else
#define ML_FUZZ_TARGET(name) int name(const uint8_t* data, size_t size)
#endif

namespace mlfuzz {

// The file being replayed (tests/cpp/test_fuzz_replay.cpp), for messages.
inline const char*& current_input() {
    static const char* name = nullptr;
    return name;
}

[[noreturn]] inline void check_failed(const char* file, int line, const char* what) {
    fprintf(stderr, "%s:%d: fuzz check failed: %s%s%s\n", file, line, what,
            current_input() ? " on input " : "", current_input() ? current_input() : "");
    abort();
}

}  // namespace mlfuzz

#define ML_FUZZ_CHECK(cond) \
    do {                    \
        if (!(cond)) mlfuzz::check_failed(__FILE__, __LINE__, #cond); \
    } while (0)

namespace mlfuzz {

// Reads typed values off the fuzz input; past its end every read gives 0,
// so any input decodes to some parameters.
class Reader {
public:
    Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

    size_t remaining() const { return static_cast<size_t>(end_ - p_); }

    uint8_t u8() {
        uint8_t v = 0;
        take(&v, 1);
        return v;
    }
    uint16_t u16() {
        uint16_t v = 0;
        take(&v, 2);
        return v;
    }
    uint32_t u32() {
        uint32_t v = 0;
        take(&v, 4);
        return v;
    }
    // Any float bit pattern: NaN, inf, huge, subnormal, -0.
    float f32() {
        uint32_t bits = u32();
        float v;
        memcpy(&v, &bits, 4);
        return v;
    }
    // A size, mostly near values that pass validation: small numbers,
    // powers of two (+-1), and now and then any 32-bit value.
    uint32_t size() {
        const uint8_t mode = u8();
        if (mode < 128) return mode;
        if (mode < 224) return (1u << (mode & 15)) + (mode & 16 ? 1u : 0u) - (mode & 32 ? 1u : 0u);
        return u32();
    }
    // n floats read off the input (fewer bytes: the rest repeats them, or 0).
    void floats(float* out, size_t n) {
        const size_t have = remaining() / 4;
        for (size_t i = 0; i < n && i < have; ++i) out[i] = f32();
        for (size_t i = have; i < n; ++i) out[i] = have ? out[i % have] : 0.0f;
    }

private:
    void take(void* out, size_t n) {
        if (remaining() < n) {
            p_ = end_;
            return;
        }
        memcpy(out, p_, n);
        p_ += n;
    }
    const uint8_t* p_;
    const uint8_t* end_;
};

// A buffer of exactly n elements on the heap (value-initialised), so
// AddressSanitizer reports any access past what the engine was told it may
// use. Empty: data() is null.
template <typename T>
class Exact {
public:
    explicit Exact(size_t n) : p_(n ? new T[n]() : nullptr), n_(n) {}
    T* data() { return p_.get(); }
    size_t size() const { return n_; }
    T& operator[](size_t i) { return p_[i]; }
    T* begin() { return p_.get(); }
    T* end() { return p_.get() + n_; }

private:
    std::unique_ptr<T[]> p_;
    size_t n_;
};

// Float bit patterns that stress comparisons and arithmetic.
inline float special(size_t i) {
    static const uint32_t bits[] = {
        0x7fc00000u,  // NaN
        0x80000000u,  // -0
        0x00000000u,  // 0
        0x7f7fffffu,  // largest float
        0xff7fffffu,  // most negative float
        0x00000001u,  // smallest subnormal
        0x3f000000u,  // 0.5
        0xff800000u,  // -inf
        0x7f800000u,  // +inf
        0xffffffffu,  // negative NaN with payload
    };
    float v;
    memcpy(&v, &bits[i % (sizeof bits / sizeof bits[0])], 4);
    return v;
}

}  // namespace mlfuzz
