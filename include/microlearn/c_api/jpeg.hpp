// Definitions of the JPEG C API (c/jpeg.h). Include from exactly one C++
// translation unit.
#pragma once
#include "../c/jpeg.h"
#include "../image/jpeg.hpp"

static_assert(sizeof(ml_jpeg_info_t) == sizeof(microlearn::image::JpegInfo), "ml_jpeg_info_t layout");
static_assert(int(microlearn::image::JpegError::bad_argument) == ML_JPEG_BAD_ARGUMENT, "ml_jpeg_error values");

extern "C" {

const char* ml_jpeg_error_message(int error) {
    return microlearn::image::jpeg_error_message(static_cast<microlearn::image::JpegError>(error));
}

int ml_jpeg_info(const void* data, size_t size, ml_jpeg_info_t* info) {
    if (info == nullptr) return ML_JPEG_BAD_ARGUMENT;
    microlearn::image::JpegInfo in;
    const auto e = microlearn::image::jpeg_info(static_cast<const uint8_t*>(data), size, in);
    __builtin_memcpy(static_cast<void*>(info), &in, sizeof in);
    return static_cast<int>(e);
}

size_t ml_jpeg_work_size(const ml_jpeg_info_t* info, unsigned scale) {
    if (info == nullptr) return 0;
    microlearn::image::JpegInfo in;
    __builtin_memcpy(static_cast<void*>(&in), info, sizeof in);
    return microlearn::image::jpeg_work_size(in, scale);
}

int ml_jpeg_decode(const void* data, size_t size, unsigned scale, unsigned channels, uint8_t* out, size_t out_size,
                   void* work, size_t work_size) {
    return static_cast<int>(microlearn::image::jpeg_decode(static_cast<const uint8_t*>(data), size, scale,
                                                           static_cast<int>(channels), out, out_size, work, work_size));
}

}  // extern "C"
