// A minimal read-only span: pointer + length, no std dependency.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace microlearn {

template <typename T>
struct Span {
    const T* data = nullptr;
    size_t size = 0;

    constexpr const T& operator[](size_t i) const { return data[i]; }
    constexpr bool empty() const { return size == 0; }
    constexpr const T* begin() const { return data; }
    constexpr const T* end() const { return data + size; }
};

}  // namespace microlearn
