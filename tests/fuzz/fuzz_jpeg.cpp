// Fuzz driver for the baseline JPEG decoder (include/microlearn/image/jpeg.hpp).
//
// Input: one byte (bits 0-1: scale 1, 2, 4, 8; bit 2: grayscale or RGB),
// then the file. Checked:
//  - the output and working area are heap blocks of exactly the sizes the
//    API asks for, so AddressSanitizer catches any access past them;
//  - jpeg_info() and jpeg_decode() agree: a file info() refuses, decode
//    refuses with the same error; one it accepts decodes or fails with a
//    data error (never bad_argument with the documented buffers);
//  - a working area one byte short, or an output one byte off, is refused;
//  - decoding twice gives the same pixels (nothing read uninitialised).
// Images above 4 M pixels are only checked through info() (buffers capped).
#include "fuzz.hpp"

#include <microlearn/image/jpeg.hpp>

namespace {

using microlearn::image::JpegError;
using microlearn::image::JpegInfo;

constexpr size_t kMaxPixels = size_t(1) << 22;

}  // namespace

ML_FUZZ_TARGET(fuzz_jpeg_one) {
    if (size < 1) return 0;
    const uint32_t scale = 1u << (data[0] & 3);
    const int channels = (data[0] & 4) ? 1 : 3;
    const uint8_t* file = data + 1;
    const size_t n = size - 1;
    // The file in a heap block of its exact size: reads past it are caught.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]);
    if (n) memcpy(copy.get(), file, n);
    JpegInfo info;
    const JpegError ie = microlearn::image::jpeg_info(copy.get(), n, info);
    if (ie != JpegError::ok) {
        // decode must refuse too, with the same header error
        std::unique_ptr<uint64_t[]> work(new uint64_t[1024]);
        uint8_t out[3];
        const JpegError de = microlearn::image::jpeg_decode(copy.get(), n, scale, channels, out, 3, work.get(), 8192);
        ML_FUZZ_CHECK(de != JpegError::ok);
        return 0;
    }
    ML_FUZZ_CHECK(info.width > 0 && info.height > 0 && (info.components == 1 || info.components == 3));
    const size_t w = (info.width + scale - 1) / scale, h = (info.height + scale - 1) / scale;
    if (w * h > kMaxPixels) return 0;
    const size_t work_size = microlearn::image::jpeg_work_size(info, scale);
    ML_FUZZ_CHECK(work_size > 0 && work_size < (size_t(16) << 20));
    const size_t out_size = w * h * size_t(channels);
    std::vector<uint8_t> out(out_size), again(out_size);
    std::unique_ptr<uint64_t[]> work(new uint64_t[(work_size + 7) / 8]);
    const JpegError e = microlearn::image::jpeg_decode(copy.get(), n, scale, channels, out.data(), out_size,
                                                       work.get(), work_size);
    ML_FUZZ_CHECK(e != JpegError::bad_argument);
    if (e == JpegError::ok) {
        ML_FUZZ_CHECK(microlearn::image::jpeg_decode(copy.get(), n, scale, channels, again.data(), out_size,
                                                      work.get(), work_size) == JpegError::ok);
        ML_FUZZ_CHECK(out == again);
    }
    if (work_size >= sizeof(uint64_t) * 2) {  // a working area one word short is refused before any decoding
        ML_FUZZ_CHECK(microlearn::image::jpeg_decode(copy.get(), n, scale, channels, out.data(), out_size, work.get(),
                                                      work_size - 1) != JpegError::ok);
    }
    ML_FUZZ_CHECK(microlearn::image::jpeg_decode(copy.get(), n, scale, channels, out.data(), out_size + 1,
                                                  work.get(), work_size) != JpegError::ok);
    return 0;
}
