/* microlearn C API: baseline JPEG decoding into grayscale or RGB888 pixels
 * (include/microlearn/image/jpeg.hpp, docs/images.md). Included by
 * microlearn.h. Nothing allocates: the caller gives the output and a working
 * area of ml_jpeg_work_size() bytes (8-byte aligned). These functions return
 * 0 or an ML_JPEG_* error, whose sentence ml_jpeg_error_message() gives. */
#ifndef MICROLEARN_C_JPEG_H
#define MICROLEARN_C_JPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as microlearn::image::JpegError. */
enum ml_jpeg_error {
    ML_JPEG_OK = 0,
    ML_JPEG_NOT_JPEG = 1,
    ML_JPEG_TRUNCATED = 2,
    ML_JPEG_BAD_HEADER = 3,
    ML_JPEG_BAD_TABLE = 4,
    ML_JPEG_CORRUPT_DATA = 5,
    ML_JPEG_BAD_RESTART = 6,
    ML_JPEG_PROGRESSIVE = 7,
    ML_JPEG_ARITHMETIC = 8,
    ML_JPEG_LOSSLESS = 9,
    ML_JPEG_HIERARCHICAL = 10,
    ML_JPEG_PRECISION = 11,
    ML_JPEG_COMPONENTS = 12,
    ML_JPEG_SAMPLING = 13,
    ML_JPEG_MULTI_SCAN = 14,
    ML_JPEG_DNL_HEIGHT = 15,
    ML_JPEG_TOO_LARGE = 16,
    ML_JPEG_BAD_ARGUMENT = 17
};

/* Size, components (1 or 3), sampling factors (1..4; hmax, vmax their
 * largest), rgb: 3 components stored as RGB rather than YCbCr. */
typedef struct {
    uint32_t width, height;
    uint8_t components, h[3], v[3], hmax, vmax, rgb;
} ml_jpeg_info_t;

const char* ml_jpeg_error_message(int error);
int ml_jpeg_info(const void* data, size_t size, ml_jpeg_info_t* info);
/* Working-area bytes to decode at 1 / scale (1, 2, 4, 8); 0 for another scale. */
size_t ml_jpeg_work_size(const ml_jpeg_info_t* info, unsigned scale);
/* ceil(width / scale) x ceil(height / scale) pixels of `channels` (1: gray,
 * 3: R G B) bytes into out, whose size must be exactly that. */
int ml_jpeg_decode(const void* data, size_t size, unsigned scale, unsigned channels, uint8_t* out, size_t out_size,
                   void* work, size_t work_size);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_JPEG_H */
