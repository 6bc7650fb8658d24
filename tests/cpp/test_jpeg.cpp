// The baseline JPEG decoder (include/microlearn/image/jpeg.hpp): its integer
// IDCT against the transform's definition in double precision; the seed
// files of tests/fuzz/corpus/jpeg (cjpeg and Pillow files: every sampling
// kind, restarts, grayscale) through the fuzz driver's checks, whole, cut
// at every length and with bytes changed. Run under ASan + UBSan and
// valgrind by the suite; pixel agreement with Pillow is tests/python/test_jpeg.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_jpeg.cpp"

namespace {

namespace fs = std::filesystem;
namespace J = microlearn::image::jpeg_detail;

std::vector<std::vector<uint8_t>> inputs(const char* kind) {
    std::vector<std::vector<uint8_t>> out;
    const fs::path dir = fs::path(__FILE__).parent_path() / ".." / "fuzz" / kind / "jpeg";
    if (!fs::exists(dir)) return out;
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(dir)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        std::ifstream f(p, std::ios::binary);
        out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return out;
}

// out[y][x] = 128 + sum_u sum_v c(u) c(v) / 4 F[v][u] cos((2x+1) u pi/16) cos((2y+1) v pi/16),
// the mean of each s x s box of it for a scaled transform.
double reference(const int32_t* f, int n, int x, int y) {
    const int s = 8 / n;
    double sum = 0;
    for (int j = 0; j < s; ++j)
        for (int i = 0; i < s; ++i) {
            const int X = x * s + i, Y = y * s + j;
            for (int v = 0; v < 8; ++v)
                for (int u = 0; u < 8; ++u) {
                    const double cu = u ? 1 : std::sqrt(0.5), cv = v ? 1 : std::sqrt(0.5);
                    sum += cu * cv / 4 * f[8 * v + u] * std::cos((2 * X + 1) * u * M_PI / 16) *
                           std::cos((2 * Y + 1) * v * M_PI / 16);
                }
        }
    return 128 + sum / (s * s);
}

TEST(Jpeg, IdctIsWithinOneLevelOfTheDefinition) {
    uint32_t seed = 12345;
    auto rnd = [&seed]() { return seed = seed * 1664525u + 1013904223u; };
    for (int n : {8, 4, 2, 1}) {
        for (int trial = 0; trial < 400; ++trial) {
            int32_t blk[64] = {}, copy[64];
            // a typical block: a DC, a few low frequencies, sparse highs
            blk[0] = int32_t(rnd() % 1600) - 800;
            int rows = 1, cols = 1;  // the extent decode_block() reports
            for (int k = 1; k < 64; ++k) {
                const uint32_t r = rnd();
                if (r % 64 < uint32_t(64 / (k + 1) + 2)) {
                    const int z = J::kZigzag[k];
                    blk[z] = int32_t((r >> 8) % 201) - 100;
                    rows = std::max(rows, z / 8 + 1);
                    cols = std::max(cols, z % 8 + 1);
                }
            }
            std::copy(blk, blk + 64, copy);
            uint8_t out[64];
            J::idct_block(blk, (rows << 4) | cols, n, out, 8);
            for (int y = 0; y < n; ++y)
                for (int x = 0; x < n; ++x) {
                    const double want = std::min(255.0, std::max(0.0, reference(copy, n, x, y)));
                    EXPECT_LE(std::fabs(out[8 * y + x] - want), 1.0) << "n " << n << " trial " << trial;
                }
        }
    }
}

TEST(Jpeg, SeedFilesDecodeAtEveryScale) {
    const auto files = inputs("corpus");
    ASSERT_GE(files.size(), 8u);
    for (const auto& f : files) {
        const std::vector<uint8_t> jpeg(f.begin() + 1, f.end());
        JpegInfo info;
        ASSERT_EQ(microlearn::image::jpeg_info(jpeg.data(), jpeg.size(), info), JpegError::ok);
        for (uint32_t scale : {1u, 2u, 4u, 8u}) {
            const size_t w = (info.width + scale - 1) / scale, h = (info.height + scale - 1) / scale;
            const size_t work_size = microlearn::image::jpeg_work_size(info, scale);
            std::vector<uint64_t> work((work_size + 7) / 8);
            std::vector<uint8_t> rgb(w * h * 3), gray(w * h);
            ASSERT_EQ(microlearn::image::jpeg_decode(jpeg.data(), jpeg.size(), scale, 3, rgb.data(), rgb.size(),
                                                     work.data(), work_size), JpegError::ok);
            ASSERT_EQ(microlearn::image::jpeg_decode(jpeg.data(), jpeg.size(), scale, 1, gray.data(), gray.size(),
                                                     work.data(), work_size), JpegError::ok);
            for (size_t i = 0; i < w * h; ++i)  // grayscale is the luma of the RGB pixels
                ASSERT_EQ(gray[i], J::luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
            for (int byte = 0; byte < 8; ++byte) {  // and the fuzz driver's checks
                std::vector<uint8_t> in(f);
                in[0] = uint8_t(byte);
                fuzz_jpeg_one(in.data(), in.size());
            }
        }
    }
}

TEST(Jpeg, TruncatedAndChangedFilesFailCleanly) {
    uint32_t seed = 777;
    auto rnd = [&seed]() { return seed = seed * 1664525u + 1013904223u; };
    for (const auto& f : inputs("corpus")) {
        for (size_t n = 1; n < f.size(); ++n) fuzz_jpeg_one(f.data(), n);
        for (int trial = 0; trial < 300; ++trial) {
            std::vector<uint8_t> in(f);
            const int changes = 1 + int(rnd() % 3);
            for (int c = 0; c < changes; ++c) in[1 + rnd() % (in.size() - 1)] = uint8_t(rnd() >> 24);
            fuzz_jpeg_one(in.data(), in.size());
        }
    }
    for (const auto& f : inputs("regressions")) fuzz_jpeg_one(f.data(), f.size());
}

TEST(Jpeg, HugeDeclaredSizeWithLittleDataIsTruncatedNotAHang) {
    auto f = inputs("corpus").front();
    std::vector<uint8_t> jpeg(f.begin() + 1, f.end());
    for (size_t i = 2; i + 8 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC1)) {
            jpeg[i + 5] = jpeg[i + 6] = jpeg[i + 7] = jpeg[i + 8] = 0xFF;  // 65535 x 65535
            break;
        }
    JpegInfo info;
    ASSERT_EQ(microlearn::image::jpeg_info(jpeg.data(), jpeg.size(), info), JpegError::ok);
    ASSERT_EQ(info.width, 65535u);
    const size_t work_size = microlearn::image::jpeg_work_size(info, 8);
    std::vector<uint64_t> work((work_size + 7) / 8);
    const size_t w = (65535 + 7) / 8;
    std::vector<uint8_t> out(w * w);
    EXPECT_EQ(microlearn::image::jpeg_decode(jpeg.data(), jpeg.size(), 8, 1, out.data(), out.size(), work.data(),
                                             work_size), JpegError::truncated);
}

}  // namespace
