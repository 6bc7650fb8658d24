// A small hand-built tree ensemble for the C++ tests.
//   tree 0: x0 <= 0.5 ? (x1 <= -1 ? A : B) : B      A = [1, 0], B = [0, 1]
//   tree 1: x1 <= 2   ? A : B
#pragma once
#include <vector>

#include "microlearn/trees.hpp"
#include "mlm_builder.hpp"

namespace treetest {

namespace T = microlearn::trees;

struct Spec {
    std::vector<uint16_t> features{0, 1, 1};
    std::vector<float> thresholds{0.5f, -1.0f, 2.0f};
    std::vector<uint32_t> children{1, 0x80000001u, 0x80000000u, 0x80000001u, 0x80000000u, 0x80000001u};
    std::vector<uint32_t> roots{0, 2};
    std::vector<float> leaves{1, 0, 0, 1};
    std::vector<uint8_t> nan_left;  // empty: absent
    bool wide = false;
    bool sparse = false;  // leaves as sparse rows (sections 12-14) instead of dense
    uint32_t task = 1;  // classification
    uint32_t transform = 0;
    uint32_t flags = T::flag_average;
};

// Converts refs to u16 (leaf bit 0x8000) unless spec.wide.
inline std::vector<uint8_t> build(const Spec& s) {
    std::vector<uint32_t> params{2, 2, 2, static_cast<uint32_t>(s.roots.size()),
                                 static_cast<uint32_t>(s.features.size()),
                                 static_cast<uint32_t>(s.leaves.size() / 2), 2, s.task, s.transform, 0, s.flags};
    std::vector<mlmtest::Section> sections{
        mlmtest::section<uint32_t>(T::Section::params, params),
        mlmtest::section<uint16_t>(T::Section::features, s.features),
        mlmtest::section<float>(T::Section::thresholds, s.thresholds),
    };
    if (s.sparse) {  // the nonzero entries of each two-wide leaf row
        std::vector<uint32_t> offsets{0};
        std::vector<uint16_t> columns;
        std::vector<float> values;
        for (size_t j = 0; j < s.leaves.size() / 2; ++j) {
            for (uint16_t c = 0; c < 2; ++c)
                if (s.leaves[2 * j + c] != 0.0f) columns.push_back(c), values.push_back(s.leaves[2 * j + c]);
            offsets.push_back(static_cast<uint32_t>(values.size()));
        }
        sections.push_back(mlmtest::section<uint32_t>(T::Section::leaf_offsets, offsets));
        sections.push_back(mlmtest::section<uint16_t>(T::Section::leaf_columns, columns));
        sections.push_back(mlmtest::section<float>(T::Section::leaf_values, values));
    } else {
        sections.push_back(mlmtest::section<float>(T::Section::leaves, s.leaves));
    }
    auto narrow = [](const std::vector<uint32_t>& refs) {
        std::vector<uint16_t> out;
        for (uint32_t r : refs) out.push_back(static_cast<uint16_t>((r & 0x7FFFFFFFu) | ((r >> 16) & 0x8000u)));
        return out;
    };
    if (s.wide) {
        sections.push_back(mlmtest::section<uint32_t>(T::Section::roots, s.roots));
        sections.push_back(mlmtest::section<uint32_t>(T::Section::children, s.children));
    } else {
        sections.push_back(mlmtest::section<uint16_t>(T::Section::roots, narrow(s.roots)));
        sections.push_back(mlmtest::section<uint16_t>(T::Section::children, narrow(s.children)));
    }
    if (!s.nan_left.empty()) sections.push_back(mlmtest::section<uint8_t>(T::Section::nan_left, s.nan_left));
    return mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::tree_ensemble), sections);
}

}  // namespace treetest
