// Every saved fuzz input (the seed corpora in tests/fuzz/corpus/ and the
// findings kept in tests/fuzz/regressions/) replayed through the fuzz
// drivers, with all their checks, one test per file. This is how a fuzzer
// finding becomes a regression test: save the input under
// tests/fuzz/regressions/<target>/ (docs/testing.md). Built in both float
// modes and under ASan + UBSan by the normal ctest runs; no libFuzzer needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz.hpp"
#include "microlearn/dsp/features.hpp"

int fuzz_mlm_one(const uint8_t* data, size_t size);
int fuzz_dsp_one(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

struct Target {
    const char* name;  // tests/fuzz/{corpus,regressions}/<name>/
    int (*run)(const uint8_t*, size_t);
};

const Target kTargets[] = {{"mlm", fuzz_mlm_one}, {"dsp", fuzz_dsp_one}};

struct Input {
    const Target* target;
    fs::path path;
};

void PrintTo(const Input& in, std::ostream* os) { *os << in.path.string(); }

std::vector<Input> saved_inputs() {
    std::vector<Input> all;
    for (const Target& t : kTargets)
        for (const char* kind : {"corpus", "regressions"}) {
            const fs::path dir = fs::path(ML_FUZZ_DIR) / kind / t.name;
            if (!fs::is_directory(dir)) continue;
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(dir))
                if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) all.push_back({&t, f});
        }
    return all;
}

class FuzzReplay : public testing::TestWithParam<Input> {};

TEST_P(FuzzReplay, PassesEveryCheck) {
    const Input& in = GetParam();
    std::ifstream file(in.path, std::ios::binary);
    ASSERT_TRUE(file) << in.path;
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const std::string name = in.path.string();
    mlfuzz::current_input() = name.c_str();  // named if a check aborts
    in.target->run(bytes.data(), bytes.size());
    mlfuzz::current_input() = nullptr;
}

std::string test_name(const testing::TestParamInfo<Input>& info) {
    std::string s = std::string(info.param.target->name) + "_" + info.param.path.parent_path().parent_path().filename().string() +
                    "_" + info.param.path.stem().string();
    for (char& c : s)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

INSTANTIATE_TEST_SUITE_P(SavedInputs, FuzzReplay, testing::ValuesIn(saved_inputs()), test_name);

TEST(FuzzReplay, FindsTheSeedCorpora) {
    for (const Target& t : kTargets) {
        size_t n = 0;
        for (const Input& in : saved_inputs()) n += in.target == &t;
        EXPECT_GE(n, 5u) << t.name;
    }
}

// A finding whose saved input does not fail every build on the old code
// (an endless loop that an optimizer may assume away): checked directly.
TEST(FuzzFindings, FeaturesFftSizeDoesNotWrapPast2To31) {
    EXPECT_EQ(microlearn::dsp::features_fft_size(0x80000001u), 0x80000000u);  // was: endless loop
    EXPECT_EQ(microlearn::dsp::features_fft_size(0xFFFFFFFFu), 0x80000000u);
}

}  // namespace
