#include <gtest/gtest.h>

#include "microlearn/model_file.hpp"
#include "mlm_builder.hpp"

#include <memory>

using microlearn::Status;

namespace {

std::vector<uint8_t> sample() {
    return mlmtest::build(1, {mlmtest::section<float>(1, {1.0f, 2.0f, 3.0f}),
                              mlmtest::section<uint16_t>(2, {7, 8, 9})});
}

Status open(const std::vector<uint8_t>& b, microlearn::ModelFile& f) {
    mlmtest::Aligned a(b);
    return microlearn::open_model_file(a.data(), a.size, f);
}

}  // namespace

TEST(Crc32, MatchesTheStandardCheckValue) {
    const uint8_t text[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    EXPECT_EQ(microlearn::crc32(text, 9), 0xCBF43926u);
}

TEST(ModelFile, OpensAndFindsTypedSections) {
    auto b = sample();
    mlmtest::Aligned a(b);
    microlearn::ModelFile f;
    ASSERT_EQ(microlearn::open_model_file(a.data(), a.size, f), Status::ok);
    microlearn::Span<float> floats;
    ASSERT_EQ(f.section(1, floats), Status::ok);
    ASSERT_EQ(floats.size, 3u);
    EXPECT_EQ(floats[2], 3.0f);
    microlearn::Span<float> wrong_type;
    EXPECT_EQ(f.section(2, wrong_type), Status::bad_section);
    microlearn::Span<uint8_t> missing;
    EXPECT_EQ(f.section(99, missing), Status::bad_section);
    EXPECT_EQ(f.section(99, missing, true), Status::ok);
    EXPECT_TRUE(missing.empty());
}

TEST(ModelFile, RejectsBadMagicVersionAndChecksum) {
    microlearn::ModelFile f;
    auto b = sample();
    b[0] = 'X';
    EXPECT_EQ(open(b, f), Status::bad_magic);

    // Every version from the oldest to the newest this reader knows opens.
    for (uint16_t version = microlearn::kOldestFormatVersion; version <= microlearn::kFormatVersion; ++version) {
        b = sample();
        mlmtest::put16(b, 4, version);
        mlmtest::refresh_crc(b);
        EXPECT_EQ(open(b, f), Status::ok) << version;
    }
    // Newer, older and 0 do not.
    for (uint16_t version : {uint16_t(microlearn::kFormatVersion + 1),
                             uint16_t(microlearn::kOldestFormatVersion - 1), uint16_t(0)}) {
        b = sample();
        mlmtest::put16(b, 4, version);
        mlmtest::refresh_crc(b);
        EXPECT_EQ(open(b, f), Status::unsupported_version);
        EXPECT_EQ(f.version, version);
    }

    b = sample();
    b.back() ^= 1;
    EXPECT_EQ(open(b, f), Status::bad_checksum);
}

TEST(ModelFile, RejectsEveryTruncation) {
    const auto b = sample();
    for (size_t n = 0; n < b.size(); ++n) {
        microlearn::ModelFile f;
        std::vector<uint8_t> cut(b.begin(), b.begin() + n);
        EXPECT_NE(open(cut, f), Status::ok) << "length " << n;
    }
}

TEST(ModelFile, RejectsSectionsOutsideTheFile) {
    microlearn::ModelFile f;
    auto b = sample();
    mlmtest::put32(b, microlearn::kHeaderSize + 8, 0x40000000u);  // absurd count
    mlmtest::refresh_crc(b);
    EXPECT_EQ(open(b, f), Status::out_of_range);

    b = sample();
    mlmtest::put32(b, microlearn::kHeaderSize + 4, 2);  // misaligned, inside the header
    mlmtest::refresh_crc(b);
    EXPECT_EQ(open(b, f), Status::bad_section);

    b = sample();
    b[microlearn::kHeaderSize + 12 + 2] = 42;  // unknown dtype
    mlmtest::refresh_crc(b);
    EXPECT_EQ(open(b, f), Status::bad_section);

    b = sample();
    mlmtest::put16(b, microlearn::kHeaderSize + 12, 1);  // duplicate id
    mlmtest::refresh_crc(b);
    EXPECT_EQ(open(b, f), Status::bad_section);
}

TEST(ModelFile, RejectsMisalignedBuffersAndNull) {
    auto b = sample();
    std::vector<uint32_t> storage(b.size() / 4 + 2);
    uint8_t* shifted = reinterpret_cast<uint8_t*>(storage.data()) + 1;
    std::memcpy(shifted, b.data(), b.size());
    microlearn::ModelFile f;
    EXPECT_EQ(microlearn::open_model_file(shifted, b.size(), f), Status::bad_argument);
    EXPECT_EQ(microlearn::open_model_file(nullptr, 100, f), Status::bad_argument);
}

TEST(Status, EveryCodeHasAName) {
    for (int s = 0; s <= static_cast<int>(Status::bad_argument); ++s)
        EXPECT_STRNE(microlearn::status_name(static_cast<Status>(s)), "unknown_status");
}

namespace {

// The labels point into the file's bytes: `bytes` keeps them alive.
Status labels_of(const std::vector<mlmtest::Section>& sections, uint32_t n_classes, microlearn::ClassLabels& l,
                 std::unique_ptr<mlmtest::Aligned>& bytes) {
    bytes = std::make_unique<mlmtest::Aligned>(mlmtest::build(1, sections));
    microlearn::ModelFile f;
    const Status st = microlearn::open_model_file(bytes->data(), bytes->size, f);
    if (st != Status::ok) return st;
    return microlearn::load_class_labels(f, n_classes, l);
}

Status labels_of(const std::vector<mlmtest::Section>& sections, uint32_t n_classes, microlearn::ClassLabels& l) {
    static std::unique_ptr<mlmtest::Aligned> bytes;  // alive until the next call
    return labels_of(sections, n_classes, l, bytes);
}

}  // namespace

TEST(ClassLabels, Int64TableRoundTrips) {
    const int64_t want[] = {-7, 5000000000LL, INT64_MIN, INT64_MAX};
    std::vector<int32_t> words;
    for (int64_t v : want) {
        words.push_back(static_cast<int32_t>(static_cast<uint64_t>(v) & 0xFFFFFFFFu));
        words.push_back(static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
    }
    microlearn::ClassLabels l;
    ASSERT_EQ(labels_of({mlmtest::section<int32_t>(microlearn::section_class_labels, words)}, 4, l), Status::ok);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(microlearn::class_label(l, i), want[i]);
    EXPECT_EQ(labels_of({mlmtest::section<int32_t>(microlearn::section_class_labels, words)}, 3, l),
              Status::size_mismatch);
}

TEST(ClassLabels, NamesAreCountedAndTerminated) {
    const std::vector<uint8_t> names = {'r', 'u', 'n', 0, 0, 'w', 0};  // "run", "", "w"
    microlearn::ClassLabels l;
    ASSERT_EQ(labels_of({mlmtest::section<uint8_t>(microlearn::section_class_names, names)}, 3, l), Status::ok);
    size_t n = 9;
    EXPECT_STREQ(microlearn::class_name(l, 0, &n), "run");
    EXPECT_EQ(n, 3u);
    EXPECT_STREQ(microlearn::class_name(l, 1, &n), "");
    EXPECT_STREQ(microlearn::class_name(l, 2, &n), "w");
    EXPECT_EQ(labels_of({mlmtest::section<uint8_t>(microlearn::section_class_names, names)}, 2, l),
              Status::size_mismatch);
    const std::vector<uint8_t> unterminated = {'a', 0, 'b'};
    EXPECT_EQ(labels_of({mlmtest::section<uint8_t>(microlearn::section_class_names, unterminated)}, 2, l),
              Status::size_mismatch);
    EXPECT_EQ(labels_of({mlmtest::section<uint8_t>(microlearn::section_class_names, {})}, 0, l),
              Status::size_mismatch);
}

TEST(ClassLabels, NoneMeansIndicesAndBothIsAnError) {
    microlearn::ClassLabels l;
    ASSERT_EQ(labels_of({mlmtest::section<float>(1, {1.0f})}, 5, l), Status::ok);
    EXPECT_EQ(l.words, nullptr);
    EXPECT_EQ(l.names, nullptr);
    EXPECT_EQ(labels_of({mlmtest::section<int32_t>(microlearn::section_class_labels, {1, 0}),
                         mlmtest::section<uint8_t>(microlearn::section_class_names, {'a', 0})},
                        1, l),
              Status::bad_section);
}
