// Tree ensembles: decision trees, random forests, extra trees, gradient
// boosting (classic and histogram) and isolation forests, all evaluated by
// one kernel. python/microlearn/converters/trees.py writes the model.
//
// Layout (structure of arrays, all trees of the ensemble concatenated):
//   features[i], thresholds[i]   split of internal node i: go left iff x[f] <= t
//   children[2i], children[2i+1] left and right child of node i, as a *ref*
//   roots[t]                     ref of the root of tree t
//   leaves[j * leaf_width ...]   the value vector of leaf j (deduplicated), or
//   the same in sparse rows: leaf j's nonzero entries are leaf_values[o..e)
//   at columns leaf_columns[o..e), o = leaf_offsets[j], e = leaf_offsets[j+1]
//   (forest classifiers: most class probabilities in a leaf are 0)
//   tree_outputs[t]              where tree t adds its leaf vector (optional)
//   nan_left                     bit i set: NaN goes left at node i (optional)
// A ref is a node index, or a leaf index with the top bit set. Refs are u16
// when every index fits in 15 bits, u32 otherwise. load() checks that every
// child ref points to a later node, so every walk ends.
//
// The packed layout (params[p_layout] = 1, what the converter writes when a
// model fits it) replaces features/thresholds/children with
//   slot_features[s]   the input column of feature slot s (used features only);
//                      optional: absent, slot s is column s
//   split_values[g]    the ensemble's distinct thresholds, once each, as
//                      integer split keys (i32, or i16 rotated, below)
//   nodes[i]           one u32 per split node, in preorder per tree:
//                      slot (8 bits) | value index g | left | right (field
//                      widths in params[p_node_bits]); left 0: the next node, else
//                      leaf left-1; right 2d: node i+d, 2j+1: leaf j.
// The walk compares integers only: the input's split key, taken at the node
// from x's bits (int16 inputs are keys already), or, for models that walk
// many levels per prediction, from a key buffer filled once per call
// (key_buffer_size).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

// Hot helpers inlined even at -Os, where GCC would otherwise call them.
#define ML_ALWAYS_INLINE inline __attribute__((always_inline))
// The tree walk with hardware floats compiled for speed in -Os builds: at
// -Os GCC lays its loop out with a second compare, a copy and a jump per
// level. (Soft-float walks are better at -Os.)
#if defined(__GNUC__) && !defined(__clang__) && !MICROLEARN_SOFT_FLOAT
#define ML_HOT_LOOP __attribute__((optimize("O2")))
#else
#define ML_HOT_LOOP
#endif
// The packed walk (integer compares only) is better at O2 on every target:
// at -Os GCC spills its field masks on Thumb-1.
#if defined(__GNUC__) && !defined(__clang__)
#define ML_PACKED_WALK __attribute__((optimize("O2")))
#else
#define ML_PACKED_WALK
#endif

// The layouts this build reads: bit 0 packed, bit 1 refs (default: both).
// A device module can hold one (microlearn._trees: packed, _trees_refs:
// refs), so a board pays RAM for the walk its models use; a file in a
// layout the build leaves out loads as unsupported_kind.
#ifndef MICROLEARN_TREES_LAYOUTS
#define MICROLEARN_TREES_LAYOUTS 3
#endif

// The input types this build reads: bit 0 float32, bit 1 int16 (default:
// both). The device's packed-layout modules hold one each
// (microlearn._trees: float32, _trees_i16: int16): a model of a type the
// build leaves out loads as unsupported_kind.
#ifndef MICROLEARN_TREES_FEATURES
#define MICROLEARN_TREES_FEATURES 3
#endif

// The outputs this build computes: bit 0 forests' mean probabilities and
// regressors' raw sums (transforms mean_probability and none), bit 1
// boosting classifiers' logistic and softmax, bit 2 isolation forests'
// anomaly scores (default: all). The device's microlearn._trees_forest holds
// bit 0 only, so a board that runs a random forest or a regressor pays no
// RAM for exp(), softmax or the anomaly score; a model that needs another
// bit loads as unsupported_kind there.
#ifndef MICROLEARN_TREES_TRANSFORMS
#define MICROLEARN_TREES_TRANSFORMS 7
#endif

namespace microlearn {
namespace trees {

constexpr bool kReadsPacked = (MICROLEARN_TREES_LAYOUTS & 1) != 0;
constexpr bool kReadsRefs = (MICROLEARN_TREES_LAYOUTS & 2) != 0;
constexpr bool kReadsF32 = (MICROLEARN_TREES_FEATURES & 1) != 0;
constexpr bool kReadsI16 = (MICROLEARN_TREES_FEATURES & 2) != 0;
constexpr bool kReadsBoosting = (MICROLEARN_TREES_TRANSFORMS & 2) != 0;
constexpr bool kReadsAnomaly = (MICROLEARN_TREES_TRANSFORMS & 4) != 0;

enum Section : uint16_t {
    params = 1,        // u32[ParamIndex::count]
    float_params = 2,  // f32[FloatParamIndex::count]
    roots = 3,         // ref[n_trees]
    tree_outputs = 4,  // u16[n_trees], optional (all trees add at 0)
    features = 5,      // u16[n_nodes]
    thresholds = 6,    // f32 or i16 [n_nodes], by feature type
    children = 7,      // ref[2 * n_nodes]
    leaves = 8,        // f32[n_leaves * leaf_width]
    baseline = 9,      // f32[n_outputs], optional (zeros)
    nan_left = 10,     // u8[ceil(n_nodes / 8)], optional (NaN goes right)
    // 11: class labels until format version 1; now the container's (model_file.hpp)
    leaf_offsets = 12, // u32[n_leaves + 1]: sparse leaves, instead of `leaves`
    leaf_columns = 13, // u16[nnz]
    leaf_values = 14,  // f32[nnz]
    // Packed layout (instead of features, thresholds, children; roots are u32 refs):
    slot_features = 15,  // u16[n_slots]
    split_values = 16,   // i32[n_values], or i16 (value v stands for the key rotr(v, 16) of
                         // float32 models, v of int16 models)
    nodes = 17,          // u32[n_nodes]
    leaf_bases = 18,     // u32[n_trees], optional: a node's leaf j is leaf leaf_bases[t] + j
};

enum ParamIndex : uint32_t {
    p_n_features,
    p_n_outputs,     // length of the raw score vector
    p_n_classes,     // classifiers: number of classes; otherwise 0
    p_n_trees,
    p_n_nodes,       // internal (split) nodes
    p_n_leaves,      // rows of the leaf table
    p_leaf_width,
    p_task,
    p_transform,
    p_feature_type,
    p_flags,
    p_count,
    // Packed layout only (older files have p_count params: the refs layout):
    p_layout = p_count,  // 0 refs (features, thresholds, children), 1 packed nodes
    p_node_bits,         // node field widths: slot | value << 8 | left << 16 (right: the rest)
    p_packed_count
};

enum FloatParamIndex : uint32_t {
    fp_path_norm,        // isolation forest: average path length c(max_samples)
    fp_decision_offset,  // isolation forest: offset_ of decision_function
    fp_count
};

enum class Task : uint32_t { regression = 0, classification = 1, anomaly = 2 };

// How raw scores become class probabilities.
enum class Transform : uint32_t {
    mean_probability = 0,  // leaves hold probabilities, averaged over trees
    logistic = 1,          // binary boosting: one raw score
    softmax = 2,           // multi-class boosting: one raw score per class
    none = 3,              // regression and anomaly
};

enum class FeatureType : uint32_t { f32 = 0, i16 = 1 };

enum Flags : uint32_t {
    flag_average = 1u << 0,          // raw score = mean over iterations (trees; softmax: n_outputs trees each)
    flag_zero_is_positive = 1u << 1, // binary: raw score 0 predicts class 1
    // float32 inputs the reference refuses, so predictions refuse them too
    // (bad_argument) rather than answer: scikit-learn's trees and forests
    // raise on +-inf, GradientBoosting on NaN too (files written before
    // these bits: every value is predicted).
    flag_refuses_inf = 1u << 2,
    flag_refuses_nan = 1u << 3,
};

struct Model {
    uint32_t n_features = 0, n_outputs = 0, n_classes = 0, n_trees = 0;
    uint32_t n_nodes = 0, n_leaves = 0, leaf_width = 0;
    Task task = Task::regression;
    Transform transform = Transform::none;
    FeatureType feature_type = FeatureType::f32;
    uint32_t flags = 0;
    bool wide_refs = false;  // refs are u32 rather than u16
    const void* roots = nullptr;
    const uint16_t* tree_outputs = nullptr;
    const uint16_t* features = nullptr;
    const void* thresholds = nullptr;
    const void* children = nullptr;
    const float* leaves = nullptr;          // dense leaf table, or
    const uint32_t* leaf_offsets = nullptr;  // sparse rows (exactly one of the two)
    const uint16_t* leaf_columns = nullptr;
    const float* leaf_values = nullptr;
    const float* baseline = nullptr;
    const uint8_t* nan_left = nullptr;
    float path_norm = 1.0f;
    float decision_offset = 0.0f;
    // Soft-float builds: a caller-owned buffer of n_features split keys
    // (attach_key_buffer), so deep forests convert x once per prediction
    // instead of once per level. Makes calls on one model non-reentrant.
    int32_t* x_keys = nullptr;
    uint32_t levels_estimate = 0;  // split levels one prediction walks, about
    // Packed layout: x_keys holds n_slots keys (optional).
    bool packed = false;
    const uint32_t* nodes = nullptr;
    const uint16_t* slot_features = nullptr;
    const void* split_values = nullptr;  // int16_t or int32_t
    const uint32_t* leaf_bases = nullptr;
    // Quantized leaves (forest classifiers): probabilities q / (2^bits - 1)
    // as u8 or u16, dense or the sparse rows' values; sums stay integers
    // until the end.
    uint8_t leaf_bits = 0;  // 0: float32 leaves
    const void* quantized = nullptr;
    uint32_t n_slots = 0, n_values = 0;
    bool direct = false;  // slot s is input column s (slot_features absent or 0, 1, 2, ...)
    bool wide_values = false;  // split_values are int32
    uint8_t value_shift = 0, left_shift = 0, right_shift = 0;  // node fields
    uint32_t slot_mask = 0, value_mask = 0, left_mask = 0;
};

template <typename T> struct FeatureTypeOf;
template <> struct FeatureTypeOf<float> { static constexpr FeatureType value = FeatureType::f32; };
template <> struct FeatureTypeOf<int16_t> { static constexpr FeatureType value = FeatureType::i16; };

namespace detail {

template <typename Ref>
constexpr Ref leaf_bit() { return static_cast<Ref>(Ref(1) << (sizeof(Ref) * 8 - 1)); }

// Every ref must be a later node (so walks terminate) or an existing leaf.
template <typename Ref>
inline bool ref_ok(Ref r, uint32_t after_node, bool is_root, const Model& m) {
    if (r & leaf_bit<Ref>()) return static_cast<uint32_t>(r & ~leaf_bit<Ref>()) < m.n_leaves;
    return r < m.n_nodes && (is_root || r > after_node);
}

template <typename Ref>
inline Status check_refs(const Model& m) {
    const Ref* roots = static_cast<const Ref*>(m.roots);
    const Ref* children = static_cast<const Ref*>(m.children);
    for (uint32_t t = 0; t < m.n_trees; ++t)
        if (!ref_ok(roots[t], 0, true, m)) return Status::out_of_range;
    for (uint32_t i = 0; i < m.n_nodes; ++i)
        if (!ref_ok(children[2 * i], i, false, m) || !ref_ok(children[2 * i + 1], i, false, m))
            return Status::out_of_range;
    return Status::ok;
}

// Section `id` of `type` and exactly `expected` elements (or absent when
// optional): one copy of the code for every element type.
inline Status get_exact_bytes(const ModelFile& f, uint16_t id, DType type, size_t expected, const uint8_t*& out,
                              bool optional) {
    const uint8_t* p;
    uint32_t n;
    Status st = f.section_bytes(id, type, p, n, optional);
    if (st != Status::ok) return st;
    if (p != nullptr && n != expected) return Status::size_mismatch;
    out = p;
    return Status::ok;
}

template <typename T>
inline Status get_exact(const ModelFile& f, uint16_t id, size_t expected, const T*& out,
                        bool optional = false) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(out);
    const Status st = get_exact_bytes(f, id, DTypeOf<T>::value, expected, p, optional);
    out = reinterpret_cast<const T*>(p);
    return st;
}

template <typename Ref>
inline Status get_refs(const ModelFile& f, uint16_t id, size_t expected, const void*& out) {
    const Ref* refs = nullptr;
    const Status st = get_exact(f, id, expected, refs);
    if (st == Status::ok) out = refs;
    return st;
}

inline uint32_t nan_goes_right(const Model& m, uint32_t node) {
    return !(m.nan_left != nullptr && ((m.nan_left[node >> 3] >> (node & 7)) & 1));
}

// 1 if the split sends `v` right: !(v <= t), and NaN where the node says
// (thresholds are never NaN: load() checks).
ML_ALWAYS_INLINE uint32_t goes_right(float v, float t, const Model& m, uint32_t node) {
#if MICROLEARN_SOFT_FLOAT
    // Integer compares instead of a libgcc call per node.
    const uint32_t bits = math::to_bits(v);
    if (math::is_nan_bits(bits)) return nan_goes_right(m, node);
    return math::split_key(bits) > math::split_key(math::to_bits(t));
#else
    // One rarely taken branch per level: cheaper than scanning x for NaN.
    if (__builtin_expect(__builtin_isunordered(v, t), 0)) return nan_goes_right(m, node);
    return !__builtin_islessequal(v, t);  // quiet compare, as the NaN test: one compare for both
#endif
}

ML_ALWAYS_INLINE uint32_t goes_right(int16_t v, int16_t t, const Model&, uint32_t) {
    return v > t;
}

// A float input already turned into its split key (soft-float builds, x
// known to hold no NaN): one integer compare per level.
struct SplitKey {
    int32_t value;
};

ML_ALWAYS_INLINE uint32_t goes_right(SplitKey v, float t, const Model&, uint32_t) {
    return v.value > math::split_key(math::to_bits(t));
}

// The threshold type a walk over inputs of type T reads.
template <typename T> struct ThresholdOf { using type = T; };
template <> struct ThresholdOf<SplitKey> { using type = float; };

// Walks one tree from `node` to its leaf: per level one compare and one
// load of the child.
template <typename T, typename Ref>
ML_ALWAYS_INLINE uint32_t find_leaf(const Model& m, uint32_t root, const T* x) {
    const Ref* children = static_cast<const Ref*>(m.children);
    const auto* thresholds = static_cast<const typename ThresholdOf<T>::type*>(m.thresholds);
    const uint16_t* features = m.features;
    constexpr size_t kLeaf = leaf_bit<Ref>();
    size_t node = root;  // pointer-sized: no zero-extension per level on 64-bit hosts
    if (node < kLeaf) {
        do {  // test at the bottom: one branch per level
            const size_t right = goes_right(x[features[node]], thresholds[node], m, node);
            node = children[2 * node + right];
        } while (node < kLeaf);  // leaf refs have the top bit: one unsigned compare
    }
    return static_cast<uint32_t>(node & ~kLeaf);
}

// dst[k] += leaf[k] for k < width.
ML_ALWAYS_INLINE void add_dense_leaf(float* dst, const float* leaf, uint32_t width) {
    const float* end = leaf + width;
#if MICROLEARN_SOFT_FLOAT
    // Adding +-0 changes nothing: skip zeros with an integer test instead
    // of a software float add.
    for (; leaf != end; ++leaf, ++dst)
        if (math::to_bits(*leaf) << 1) *dst += *leaf;
#else
    for (; end - leaf >= 4; leaf += 4, dst += 4) {  // by hand: -Os builds do not unroll
        dst[0] += leaf[0];
        dst[1] += leaf[1];
        dst[2] += leaf[2];
        dst[3] += leaf[3];
    }
    while (leaf != end) *dst++ += *leaf++;
#endif
}

// An integer that lives in the float accumulator's storage.
typedef uint32_t __attribute__((may_alias)) acc_u32;

// dst[k] += leaf j's quantized values: integer adds, exact.
template <typename Q>
inline void add_quantized(const Model& m, uint32_t j, acc_u32* dst) {
    const Q* q = static_cast<const Q*>(m.quantized);
    if (m.leaf_offsets == nullptr) {
        q += j * m.leaf_width;
        for (uint32_t k = 0; k < m.leaf_width; ++k) dst[k] += q[k];
        return;
    }
    for (uint32_t k = m.leaf_offsets[j], end = m.leaf_offsets[j + 1]; k < end; ++k) dst[m.leaf_columns[k]] += q[k];
}

__attribute__((noinline)) inline void add_quantized_leaf(const Model& m, uint32_t j, float* dst) {
    acc_u32* acc = reinterpret_cast<acc_u32*>(dst);
    if (m.leaf_bits == 8)
        add_quantized<uint8_t>(m, j, acc);
    else
        add_quantized<uint16_t>(m, j, acc);
}

ML_ALWAYS_INLINE void add_leaf(const Model& m, uint32_t leaf, float* dst) {
    if (m.leaf_bits) {
        add_quantized_leaf(m, leaf, dst);
        return;
    }
    if (m.leaves != nullptr) {
        add_dense_leaf(dst, m.leaves + leaf * m.leaf_width, m.leaf_width);
        return;
    }
    for (uint32_t k = m.leaf_offsets[leaf], end = m.leaf_offsets[leaf + 1]; k < end; ++k)
        dst[m.leaf_columns[k]] += m.leaf_values[k];
}

template <typename T, typename Ref>
ML_HOT_LOOP inline void walk_trees(const Model& m, const T* x, float* acc) {
    const Ref* roots = static_cast<const Ref*>(m.roots);
    for (uint32_t t = 0; t < m.n_trees; ++t) {
        const uint32_t leaf = find_leaf<T, Ref>(m, roots[t], x);
        add_leaf(m, leaf, m.tree_outputs ? acc + m.tree_outputs[t] : acc);
    }
}

// Split keys of x into keys; false if x holds a NaN (the per-level walk
// routes it then).
inline bool split_keys(const float* x, uint32_t n, int32_t* keys) {
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t bits = math::to_bits(x[i]);
        if (math::is_nan_bits(bits)) return false;
        keys[i] = math::split_key(bits);
    }
    return true;
}

template <typename Ref, typename T>
inline void sum_trees(const Model& m, const T* x, float* acc) {
    walk_trees<T, Ref>(m, x, acc);
}

template <typename Ref>
inline void sum_trees(const Model& m, const float* x, float* acc) {
#if MICROLEARN_SOFT_FLOAT
    if (m.x_keys != nullptr && split_keys(x, m.n_features, m.x_keys)) {
        walk_trees<SplitKey, Ref>(m, reinterpret_cast<const SplitKey*>(m.x_keys), acc);
        return;
    }
#endif
    walk_trees<float, Ref>(m, x, acc);
}

// ------------------------------------------------------ packed layout

// Bits of a node's slot field (at most 256 features used by a packed model):
// a constant, so the walk keeps one register less.
constexpr uint32_t kSlotBits = 8;

// The key of a NaN input: above every split value, so NaN goes right unless
// the node's nan_left bit says otherwise (then the walk checks, kNan).
constexpr int32_t kNanKey = 0x7FFFFFFF;
// split_key(+-inf): keys above +inf's are positive NaNs', below -inf's
// negative NaNs'.
constexpr int32_t kInfKey = 0x7F800000;
constexpr int32_t kMinusInfKey = static_cast<int32_t>(0x807FFFFFu);

ML_ALWAYS_INLINE int32_t input_key(float v, bool& nan) {
    const uint32_t bits = math::to_bits(v);
    if (__builtin_expect(math::is_nan_bits(bits), 0)) {
        nan = true;
        return kNanKey;
    }
    return math::split_key(bits);
}

ML_ALWAYS_INLINE int32_t input_key(int16_t v, bool&) { return v; }

// The input column of feature slot s.
ML_ALWAYS_INLINE uint32_t slot_column(const Model& m, uint32_t s) {
    return m.slot_features != nullptr ? m.slot_features[s] : s;
}

// keys[s] = the split key of x[slot_column(s)]; true if one was NaN.
template <typename T, typename K>
inline bool input_keys(const Model& m, const T* x, K* keys) {
    bool nan = false;
    const uint16_t* columns = m.slot_features;
    const uint32_t n = m.n_slots;
    if (columns == nullptr)
        for (uint32_t s = 0; s < n; ++s) keys[s] = static_cast<K>(input_key(x[s], nan));
    else
        for (uint32_t s = 0; s < n; ++s) keys[s] = static_cast<K>(input_key(x[columns[s]], nan));
    return nan;
}

// Where the walk reads the key of feature slot s: the key buffer (filled
// once per prediction, NaN already mapped to kNanKey), or, when the slots
// are the input's columns (`direct`), the input itself, keyed at the node (a
// few integer instructions). Keyed at the node, a NaN's key is above
// kInfKey or below kMinusInfKey: the walk checks each branch's side and
// hands a NaN to the NaN walk (kRawNan).
struct BufferKeys {
    static constexpr bool kRawNan = false;
    const int32_t* keys;
    ML_ALWAYS_INLINE int32_t operator()(uint32_t s) const { return keys[s]; }
};

template <typename T>
struct InputKeys {
    static constexpr bool kRawNan = sizeof(T) == 4;  // float32 inputs
    const T* x;
    ML_ALWAYS_INLINE int32_t operator()(uint32_t s) const { return raw_key(x[s]); }
    static ML_ALWAYS_INLINE int32_t raw_key(float v) { return math::split_key(math::to_bits(v)); }
    static ML_ALWAYS_INLINE int32_t raw_key(int16_t v) { return v; }
};

// The split key of value v: rotr(v, 16) for int16 values of float32
// models (a float32 threshold whose low 16 bits are zero: the key's low
// half is then all zeros or, for negative ones, all ones), v otherwise.
template <unsigned kRotate>
ML_ALWAYS_INLINE int32_t value_key(int32_t v) {
    const uint32_t u = static_cast<uint32_t>(v);
    return static_cast<int32_t>(kRotate ? (u >> kRotate) | (u << (32 - kRotate)) : u);
}

// The walk for an input with a NaN where it matters (nodes that may send
// NaN left, or a negative NaN met at a node): one plain loop for every value
// storage, keying x at each node and checking for NaN there.
__attribute__((noinline)) inline uint32_t packed_leaf_nan(const Model& m, const float* x, size_t i) {
    for (;;) {
        const uint32_t w = m.nodes[i], g = (w >> kSlotBits) & m.value_mask;
        bool nan = false;
        const int32_t k = input_key(x[slot_column(m, w & ((1u << kSlotBits) - 1))], nan);
        const int32_t t = m.wide_values ? static_cast<const int32_t*>(m.split_values)[g]
                                        : value_key<16>(static_cast<const int16_t*>(m.split_values)[g]);
        const bool right = nan ? nan_goes_right(m, static_cast<uint32_t>(i)) : k > t;
        const uint32_t field = right ? w >> m.right_shift : ((w >> m.left_shift) & m.left_mask) << 1;
        if (right ? field & 1u : field != 0) return right ? field >> 1 : (field >> 1) - 1;
        i += right ? field >> 1 : 1;
    }
}

// Walks one tree from split node `i` to its leaf: per level one integer
// compare of the input's key with the node's split value.
template <typename V, unsigned kRotate, typename Keys>
ML_PACKED_WALK inline uint32_t packed_leaf(const Model& m, const Keys keys, size_t i) {
    const uint32_t* nodes = m.nodes;
    const V* values = static_cast<const V*>(m.split_values);
    const uint32_t value_mask = m.value_mask;  // the value index sits at bit kSlotBits
    const uint32_t left_shift = m.left_shift, left_mask = m.left_mask, right_shift = m.right_shift;
    for (;;) {
        const uint32_t w = nodes[i];
        const int32_t k = keys(w & ((1u << kSlotBits) - 1));
        if (k > value_key<kRotate>(values[(w >> kSlotBits) & value_mask])) {
            if constexpr (Keys::kRawNan)
                if (__builtin_expect(k > kInfKey, 0)) return packed_leaf_nan(m, keys.x, i);
            const uint32_t r = w >> right_shift;
            if (r & 1u) return r >> 1;
            i += r >> 1;
        } else {
            if constexpr (Keys::kRawNan)
                if (__builtin_expect(k < kMinusInfKey, 0)) return packed_leaf_nan(m, keys.x, i);
            const uint32_t l = (w >> left_shift) & left_mask;
            if (l) return l - 1;
            ++i;
        }
    }
}

// With `nan`, every tree takes the NaN walk.
template <typename V, unsigned kRotate, typename Keys>
ML_PACKED_WALK inline void packed_trees(const Model& m, const Keys keys, const float* x, float* acc, bool nan) {
    const uint32_t* roots = static_cast<const uint32_t*>(m.roots);
    for (uint32_t t = 0; t < m.n_trees; ++t) {
        const uint32_t root = roots[t];
        uint32_t leaf = root & ~leaf_bit<uint32_t>();
        if (!(root & leaf_bit<uint32_t>()))
            leaf = (nan ? packed_leaf_nan(m, x, root) : packed_leaf<V, kRotate>(m, keys, root)) +
                   (m.leaf_bases ? m.leaf_bases[t] : 0);
        add_leaf(m, leaf, m.tree_outputs ? acc + m.tree_outputs[t] : acc);
    }
}

template <typename Keys>
inline void packed_trees_any(const Model& m, const Keys keys, const float* x, float* acc, bool nan) {
    if (m.wide_values)
        packed_trees<int32_t, 0>(m, keys, x, acc, nan);
    else
        packed_trees<int16_t, 16>(m, keys, x, acc, nan);
}

// float32 inputs: keyed once into the buffer when one is attached (then
// only a NaN that meets nodes that may send it left takes the NaN walk),
// else at each node (direct models only: a NaN met at a node continues on
// the NaN walk).
inline void sum_packed(const Model& m, const float* x, float* acc) {
    if (m.x_keys != nullptr) {
        const bool nan = input_keys(m, x, m.x_keys) && m.nan_left != nullptr;
        packed_trees_any(m, BufferKeys{m.x_keys}, x, acc, nan);
    } else {
        packed_trees_any(m, InputKeys<float>{x}, x, acc, false);
    }
}

// int16 inputs are their keys: read at the node (gathered by slot into the
// buffer first unless direct), no NaN.
inline void sum_packed(const Model& m, const int16_t* x, float* acc) {
    if (!m.direct) {
        int16_t* keys = reinterpret_cast<int16_t*>(m.x_keys);
        input_keys(m, x, keys);
        x = keys;
    }
    packed_trees<int16_t, 0>(m, InputKeys<int16_t>{x}, nullptr, acc, false);
}

// Bits needed for values 0..n.
inline uint32_t bits_for(uint32_t n) {
    uint32_t b = 0;
    while (b < 32 && (n >> b) != 0) ++b;
    return b;
}

// The packed sections: every node's slot, value and children inside their
// tables, children later than their node (so every walk ends).
inline Status load_packed(const ModelFile& f, const uint32_t* p, Model& m) {
    Status st;
    if ((st = detail::get_refs<uint32_t>(f, Section::roots, m.n_trees, m.roots)) != Status::ok) return st;
    const uint32_t* roots = static_cast<const uint32_t*>(m.roots);
    for (uint32_t t = 0; t < m.n_trees; ++t)
        if (!ref_ok(roots[t], 0, true, m)) return Status::out_of_range;
    m.direct = true;  // until slot_features say otherwise
    if (m.n_nodes == 0) return Status::ok;
    if ((st = get_exact(f, Section::nodes, m.n_nodes, m.nodes)) != Status::ok) return st;
    Span<uint16_t> slots;
    if ((st = f.section(Section::slot_features, slots, true)) != Status::ok) return st;
    if (slots.data == nullptr) {  // absent: slot s is column s
        m.n_slots = m.n_features < (1u << kSlotBits) ? m.n_features : (1u << kSlotBits);
    } else {
        // One slot per used feature: never more slots than features (the
        // key buffer callers size from n_features must hold them).
        if (slots.size == 0 || slots.size > m.n_features) return Status::size_mismatch;
        for (size_t s = 0; s < slots.size; ++s) {
            if (slots[s] >= m.n_features) return Status::out_of_range;
            m.direct = m.direct && slots[s] == s;
        }
        m.slot_features = slots.data;
        m.n_slots = static_cast<uint32_t>(slots.size);
    }
    SectionInfo values;
    if (!f.find(Section::split_values, values)) return Status::bad_section;
    m.wide_values = values.dtype == DType::i32;
    if (m.wide_values) {
        if (m.feature_type != FeatureType::f32) return Status::bad_section;
        Span<int32_t> v;
        if ((st = f.section(Section::split_values, v)) != Status::ok) return st;
        m.split_values = v.data, m.n_values = static_cast<uint32_t>(v.size);
    } else {
        Span<int16_t> v;
        if ((st = f.section(Section::split_values, v)) != Status::ok) return st;
        m.split_values = v.data, m.n_values = static_cast<uint32_t>(v.size);
    }
    const uint32_t bits = p[p_node_bits], fb = bits & 0xFF, gb = (bits >> 8) & 0xFF, lb = (bits >> 16) & 0xFF;
    if (bits >> 24 || fb != kSlotBits || fb + gb + lb >= 32 || m.n_slots > (1u << kSlotBits))
        return Status::bad_parameter;
    m.slot_mask = (1u << fb) - 1u, m.value_mask = (1u << gb) - 1u, m.left_mask = (1u << lb) - 1u;
    m.value_shift = static_cast<uint8_t>(fb);
    m.left_shift = static_cast<uint8_t>(fb + gb);
    m.right_shift = static_cast<uint8_t>(fb + gb + lb);
    if ((st = get_exact(f, Section::leaf_bases, m.n_trees, m.leaf_bases, true)) != Status::ok) return st;
    // Each tree's nodes follow its root up to the next tree's: every child
    // stays inside its tree, so its leaves are the tree's (leaf_bases).
    uint32_t begin = 0;
    for (uint32_t t = 0; t < m.n_trees; ++t) {
        if (roots[t] & leaf_bit<uint32_t>()) continue;
        if (roots[t] != begin) return Status::out_of_range;
        uint32_t end = m.n_nodes;
        for (uint32_t u = t + 1; u < m.n_trees; ++u)
            if (!(roots[u] & leaf_bit<uint32_t>())) {
                end = roots[u];
                break;
            }
        if (end <= begin) return Status::out_of_range;
        const uint32_t base = m.leaf_bases ? m.leaf_bases[t] : 0;
        if (base > m.n_leaves) return Status::out_of_range;
        const uint32_t leaves = m.n_leaves - base;
        for (uint32_t i = begin; i < end; ++i) {
            const uint32_t w = m.nodes[i], l = (w >> m.left_shift) & m.left_mask, r = w >> m.right_shift;
            if ((w & m.slot_mask) >= m.n_slots || ((w >> m.value_shift) & m.value_mask) >= m.n_values)
                return Status::out_of_range;
            const bool left_ok = l ? l - 1 < leaves : i + 1 < end;
            const bool right_ok = r & 1u ? (r >> 1) < leaves : (r >> 1) >= 1 && (r >> 1) < end - i;
            if (!left_ok || !right_ok) return Status::out_of_range;
        }
        begin = end;
    }
    if (begin != m.n_nodes) return Status::out_of_range;
    return get_exact(f, Section::nan_left, (m.n_nodes + 7) / 8, m.nan_left, true);
}

// The refs layout: features, thresholds and children per split node.
inline Status load_refs(const ModelFile& f, Model& m) {
    Status st;
    SectionInfo roots_info;
    if (!f.find(Section::roots, roots_info)) return Status::bad_section;
    m.wide_refs = roots_info.dtype == DType::u32;
    if (m.wide_refs) {
        if ((st = get_refs<uint32_t>(f, Section::roots, m.n_trees, m.roots)) != Status::ok) return st;
        if ((st = get_refs<uint32_t>(f, Section::children, 2 * size_t(m.n_nodes), m.children)) != Status::ok) return st;
    } else {
        if ((st = get_refs<uint16_t>(f, Section::roots, m.n_trees, m.roots)) != Status::ok) return st;
        if ((st = get_refs<uint16_t>(f, Section::children, 2 * size_t(m.n_nodes), m.children)) != Status::ok) return st;
    }
    if (m.n_nodes > 0) {
        if ((st = get_exact(f, Section::features, m.n_nodes, m.features)) != Status::ok) return st;
        if (m.feature_type == FeatureType::f32) {
            const float* t = nullptr;
            if ((st = get_exact(f, Section::thresholds, m.n_nodes, t)) != Status::ok) return st;
            for (uint32_t i = 0; i < m.n_nodes; ++i) {  // NaN or -0.0 could split differently per float unit
                const uint32_t bits = math::to_bits(t[i]);
                if (math::is_nan_bits(bits) || bits == 0x80000000u) return Status::bad_parameter;
            }
            m.thresholds = t;
        } else {
            const int16_t* t = nullptr;
            if ((st = get_exact(f, Section::thresholds, m.n_nodes, t)) != Status::ok) return st;
            m.thresholds = t;
        }
        if ((st = get_exact(f, Section::nan_left, (m.n_nodes + 7) / 8, m.nan_left, true)) != Status::ok) return st;
        for (uint32_t i = 0; i < m.n_nodes; ++i)
            if (m.features[i] >= m.n_features) return Status::out_of_range;
    }
    return m.wide_refs ? check_refs<uint32_t>(m) : check_refs<uint16_t>(m);
}

// Section id holds quantized leaf values (u8 or u16)?
inline bool is_quantized(const ModelFile& f, uint16_t id) {
    SectionInfo info;
    return f.find(id, info) && (info.dtype == DType::u8 || info.dtype == DType::u16);
}

// The quantized values of section id; their count in n. Probabilities of
// forest classifiers only (integer sums, no baseline), at most 65,536 trees
// (so u16 sums fit 32 bits).
inline Status load_quantized(const ModelFile& f, uint16_t id, Model& m, size_t& n) {
    if (m.task != Task::classification || m.transform != Transform::mean_probability || m.n_trees > 65536u)
        return Status::bad_parameter;
    Status st;
    SectionInfo info;
    f.find(id, info);
    if (info.dtype == DType::u8) {
        Span<uint8_t> q;
        st = f.section(id, q);
        m.quantized = q.data, n = q.size, m.leaf_bits = 8;
    } else {
        Span<uint16_t> q;
        st = f.section(id, q);
        m.quantized = q.data, n = q.size, m.leaf_bits = 16;
    }
    return st;
}

// Leaves: dense, or sparse rows whose offsets rise from 0 to nnz and whose
// columns stay inside the leaf; float32 values finite, so sums stay ordered,
// or quantized.
inline Status load_leaves(const ModelFile& f, Model& m) {
    Status st;
    SectionInfo info;
    const bool dense = f.find(Section::leaves, info);
    const uint16_t id = dense ? Section::leaves : Section::leaf_values;
    Span<float> values;
    size_t n_values = 0;
    if (is_quantized(f, id)) {
        if ((st = load_quantized(f, id, m, n_values)) != Status::ok) return st;
    } else {
        if ((st = f.section(id, values)) != Status::ok) return st;
        n_values = values.size;
    }
    if (dense) {
        if (n_values != size_t(m.n_leaves) * m.leaf_width) return Status::size_mismatch;
        m.leaves = values.data;  // null when quantized
    } else {
        Span<uint32_t> offsets;
        Span<uint16_t> columns;
        if ((st = f.section(Section::leaf_offsets, offsets)) != Status::ok) return st;
        if ((st = f.section(Section::leaf_columns, columns)) != Status::ok) return st;
        if (offsets.size != size_t(m.n_leaves) + 1 || columns.size != n_values) return Status::size_mismatch;
        if (offsets[0] != 0 || offsets[m.n_leaves] != n_values) return Status::out_of_range;
        for (uint32_t j = 0; j < m.n_leaves; ++j)
            if (offsets[j + 1] < offsets[j]) return Status::out_of_range;
        for (size_t k = 0; k < columns.size; ++k)
            if (columns[k] >= m.leaf_width) return Status::out_of_range;
        m.leaf_offsets = offsets.data;
        m.leaf_columns = columns.data;
        m.leaf_values = values.data;
    }
    for (size_t k = 0; k < values.size; ++k)
        if (!math::is_finite(values[k])) return Status::bad_parameter;
    return Status::ok;
}

}  // namespace detail

// Validates the tree-ensemble sections of an opened file and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    out = Model{};
    Span<uint32_t> ps;
    Status st = params_section(f, ModelKind::tree_ensemble, p_count, true, ps);
    if (st != Status::ok) return st;
    const uint32_t* p = ps.data;

    Model m;
    m.n_features = p[p_n_features];
    m.n_outputs = p[p_n_outputs];
    m.n_classes = p[p_n_classes];
    m.n_trees = p[p_n_trees];
    m.n_nodes = p[p_n_nodes];
    m.n_leaves = p[p_n_leaves];
    m.leaf_width = p[p_leaf_width];
    m.flags = p[p_flags];
    if (p[p_task] > 2 || p[p_transform] > 3 || p[p_feature_type] > 1) return Status::bad_parameter;
    m.task = static_cast<Task>(p[p_task]);
    m.transform = static_cast<Transform>(p[p_transform]);
    m.feature_type = static_cast<FeatureType>(p[p_feature_type]);
    if (!(m.feature_type == FeatureType::f32 ? kReadsF32 : kReadsI16)) return Status::unsupported_kind;
    const bool boosting = m.transform == Transform::logistic || m.transform == Transform::softmax;
    if (m.task == Task::anomaly ? !kReadsAnomaly : boosting && !kReadsBoosting) return Status::unsupported_kind;

    // Sizes that the kernels rely on. Feature indices are u16, so at most
    // 65536 features; counts are bounded by the file size checks below.
    if (m.n_features == 0 || m.n_features > 65536u) return Status::bad_parameter;
    if (m.n_trees == 0 || m.n_leaves == 0 || m.n_outputs == 0) return Status::bad_parameter;
    if (m.leaf_width == 0 || m.leaf_width > m.n_outputs) return Status::bad_parameter;
    if (m.n_outputs > 65535u) return Status::bad_parameter;
    switch (m.task) {
        case Task::classification:  // one class (a constant model) only for forests
            if (m.n_classes < (m.transform == Transform::mean_probability ? 1u : 2u)) return Status::bad_parameter;
            if (m.transform == Transform::logistic && !(m.n_outputs == 1 && m.n_classes == 2))
                return Status::bad_parameter;
            if ((m.transform == Transform::softmax || m.transform == Transform::mean_probability) &&
                m.n_outputs != m.n_classes)
                return Status::bad_parameter;
            if (m.transform == Transform::none) return Status::bad_parameter;
            if ((m.flags & flag_average) && m.transform == Transform::softmax && m.n_trees % m.n_outputs)
                return Status::bad_parameter;  // LightGBM rf: whole iterations of n_outputs trees
            break;
        case Task::anomaly:
            if (m.n_outputs != 1 || m.transform != Transform::none) return Status::bad_parameter;
            break;
        case Task::regression:
            if (m.transform != Transform::none) return Status::bad_parameter;
            break;
    }

    const uint32_t layout = ps.size > p_layout ? p[p_layout] : 0;
    if (layout > 1 || (layout == 1 && ps.size < p_packed_count)) return Status::bad_parameter;
    m.packed = layout == 1;
    if (m.packed) {
        if constexpr (!kReadsPacked) return Status::unsupported_kind;
        else if ((st = detail::load_packed(f, p, m)) != Status::ok) return st;
    } else {
        if constexpr (!kReadsRefs) return Status::unsupported_kind;
        else if ((st = detail::load_refs(f, m)) != Status::ok) return st;
    }
    if ((st = detail::load_leaves(f, m)) != Status::ok) return st;
    if ((st = detail::get_exact(f, Section::baseline, m.n_outputs, m.baseline, true)) != Status::ok) return st;
    for (uint32_t k = 0; m.baseline != nullptr && k < m.n_outputs; ++k)
        if (!math::is_finite(m.baseline[k])) return Status::bad_parameter;
    if (m.leaf_bits && m.baseline != nullptr) return Status::bad_parameter;
    if ((st = detail::get_exact(f, Section::tree_outputs, m.n_trees, m.tree_outputs, true)) != Status::ok) return st;
    if (m.tree_outputs != nullptr) {
        for (uint32_t t = 0; t < m.n_trees; ++t)
            if (uint32_t(m.tree_outputs[t]) + m.leaf_width > m.n_outputs) return Status::out_of_range;
    } else if (m.leaf_width != m.n_outputs) {
        return Status::size_mismatch;
    }

    const float* fp = nullptr;
    if ((st = detail::get_exact(f, Section::float_params, fp_count, fp, true)) != Status::ok) return st;
    if (fp != nullptr) {
        m.path_norm = fp[fp_path_norm];
        m.decision_offset = fp[fp_decision_offset];
    }
    if (kReadsAnomaly && m.task == Task::anomaly && !(m.path_norm >= 1.0f && m.path_norm < 1e30f))
        return Status::bad_parameter;

    // Levels one prediction walks, about: trees x log2(leaves per tree).
    uint32_t leaves_per_tree = m.n_nodes / m.n_trees + 1, depth = 0;
    while (leaves_per_tree > 1) leaves_per_tree >>= 1, ++depth;
    const uint64_t levels = uint64_t(m.n_trees) * depth;
    m.levels_estimate = levels > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(levels);
    out = m;
    return Status::ok;
}

// How many int32 a key buffer for this model should hold, 0 where it would
// not help. Refs layout: n_features where converting x to split keys once
// (about 7 instructions a feature) saves more than it costs (about 5 a level
// walked); always 0 where floats are in hardware. Packed layout, float32
// inputs: n_slots where keying each used feature once (about 13
// instructions on the Cortex-M3) costs less than keying x at each node
// walked (about 4 more a level). Packed models
// whose slots are not the input's columns (slot_features present and not
// 0, 1, 2, ...) need the buffer: without it predictions fail with
// bad_argument.
inline size_t key_buffer_size(const Model& m) {
    if (m.packed && !m.direct) return m.n_slots;  // required
    if (m.feature_type != FeatureType::f32) return 0;
    if (m.packed) return m.levels_estimate > 3 * m.n_slots + m.n_slots / 4 ? m.n_slots : 0;
    if (!MICROLEARN_SOFT_FLOAT) return 0;
    return m.levels_estimate > m.n_features + m.n_features / 4 ? m.n_features : 0;
}

// Lends the model a buffer of n >= key_buffer_size() int32 for split keys
// (null detaches it). Results are the same with or without one (where it
// is optional); with one, calls on the model must not run concurrently.
inline Status attach_key_buffer(Model& m, int32_t* keys, size_t n) {
    if (keys != nullptr && n < (m.packed ? m.n_slots : m.n_features)) return Status::size_mismatch;
    m.x_keys = keys;
    return Status::ok;
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

namespace detail {

// Quantized sums (integers in out's storage) to floats: probabilities times n_trees.
inline void dequantize_sums(const Model& m, float* out) {
    const float scale = m.leaf_bits == 8 ? 1.0f / 255.0f : 1.0f / 65535.0f;
    const acc_u32* sums = reinterpret_cast<const acc_u32*>(out);
    for (uint32_t k = 0; k < m.n_outputs; ++k) {
        const uint32_t sum = sums[k];
        out[k] = static_cast<float>(sum) * scale;
    }
}

// True if some x[i] is non-finite: its exponent byte ((bits << 1) >> 24) is
// 0xFF, so adding 1 carries into bit 8. Four at a time without a branch or
// a constant: 4 integer instructions a feature (ubfx and add on the
// Cortex-M3). Out of line and at O2: inlined into accumulate at -Os, GCC
// spilled the sum at every feature (14 instructions each on the M0).
ML_PACKED_WALK __attribute__((noinline)) inline bool any_non_finite(const float* x, uint32_t n) {
    auto carry = [](float v) { return ((math::to_bits(v) << 1) >> 24) + 1; };
    const float* end4 = x + (n & ~3u);
    const float* end = x + n;
    uint32_t any = 0;
    for (; x != end4; x += 4) any |= carry(x[0]) | carry(x[1]) | carry(x[2]) | carry(x[3]);
    for (; x != end; ++x) any |= carry(*x);
    return (any >> 8) != 0;
}

// True if x holds a value the model's flags refuse: a second pass, telling
// NaN from inf, only for a row that holds a non-finite value.
inline bool refuses(const Model& m, const float* x) {
    if (!any_non_finite(x, m.n_features)) return false;
    for (uint32_t i = 0; i < m.n_features; ++i) {
        const uint32_t magnitude = math::to_bits(x[i]) & 0x7FFFFFFFu;
        if (magnitude == 0x7F800000u ? (m.flags & flag_refuses_inf) != 0
                                     : magnitude > 0x7F800000u && (m.flags & flag_refuses_nan) != 0)
            return true;
    }
    return false;
}

// Baseline plus the sum of the trees' leaf vectors (no averaging); with
// `integers`, a quantized model's sums stay integers (predict_class).
template <typename T>
inline Status accumulate(const Model& m, const T* x, size_t n_x, float* out, size_t n_out, bool integers = false) {
    if (x == nullptr || out == nullptr) return Status::bad_argument;
    if (m.feature_type != FeatureTypeOf<T>::value) return Status::type_mismatch;
    if (n_x != m.n_features || n_out < m.n_outputs) return Status::size_mismatch;
    if constexpr (FeatureTypeOf<T>::value == FeatureType::f32)
        if ((m.flags & (flag_refuses_inf | flag_refuses_nan)) && refuses(m, x)) return Status::bad_argument;
    if (m.baseline != nullptr)
        for (uint32_t k = 0; k < m.n_outputs; ++k) out[k] = m.baseline[k];
    else
        for (uint32_t k = 0; k < m.n_outputs; ++k) out[k] = 0.0f;
    if (m.packed) {
        if (m.x_keys == nullptr && !m.direct) return Status::bad_argument;
        if constexpr (kReadsPacked) sum_packed(m, x, out);
    } else if constexpr (kReadsRefs) {
        if (m.wide_refs)
            sum_trees<uint32_t>(m, x, out);
        else
            sum_trees<uint16_t>(m, x, out);
    }
    if (m.leaf_bits && !integers) dequantize_sums(m, out);
    return Status::ok;
}

inline void average(const Model& m, float* out, uint32_t n) {
    if (!(m.flags & flag_average)) return;
    const uint32_t per_iteration = kReadsBoosting && m.transform == Transform::softmax ? m.n_outputs : 1u;
    const float scale = math::divide(1.0f, static_cast<float>(m.n_trees / per_iteration));
    for (uint32_t k = 0; k < n; ++k) out[k] *= scale;
}

}  // namespace detail

// Raw scores: baseline plus the sum (or mean) of the trees' leaf vectors.
// For classifiers these are what decision_function returns in scikit-learn
// (boosting) or the class probabilities (forests); for regressors, the
// predictions; for isolation forests, the mean path length.
template <typename T>
inline Status raw_scores(const Model& m, const T* x, size_t n_x, float* out, size_t n_out) {
    const Status st = detail::accumulate(m, x, n_x, out, n_out);
    if (st == Status::ok) detail::average(m, out, m.n_outputs);
    return st;
}

// Isolation forest score from the mean path length, as scikit-learn's
// score_samples: -2^(-path / c(max_samples)).
inline float isolation_score(const Model& m, float mean_path) {
    return -math::exp2(-math::divide(mean_path, m.path_norm));
}

// Class index (classifiers; load_class_labels() in model_file.hpp maps it
// to the label), +1/-1 (anomaly detectors). `scratch` holds
// n_outputs floats. Regressors use raw_scores().
template <typename T>
inline Status predict_class(const Model& m, const T* x, size_t n_x, float* scratch, size_t n_scratch,
                            int32_t& out) {
    if (m.task == Task::regression) return Status::unsupported_kind;
    // Averaging does not change which class scores highest: skip it here
    // (and compare a quantized model's sums as the integers they are).
    Status st = detail::accumulate(m, x, n_x, scratch, n_scratch, true);
    if (st != Status::ok) return st;
    if (m.leaf_bits) {
        const detail::acc_u32* sums = reinterpret_cast<const detail::acc_u32*>(scratch);
        uint32_t best = 0;
        for (uint32_t k = 1; k < m.n_outputs; ++k)
            if (sums[k] > sums[best]) best = k;
        out = static_cast<int32_t>(best);
        return Status::ok;
    }
    if (kReadsAnomaly && m.task == Task::anomaly) {
        detail::average(m, scratch, 1);
        out = isolation_score(m, scratch[0]) - m.decision_offset >= 0.0f ? 1 : -1;
        return Status::ok;
    }
    uint32_t cls;
    if (kReadsBoosting && m.transform == Transform::logistic)
        cls = (m.flags & flag_zero_is_positive) ? scratch[0] >= 0.0f : scratch[0] > 0.0f;
    else
        cls = kernels::argmax(scratch, m.n_outputs);  // scores are finite: load() checks
    out = static_cast<int32_t>(cls);
    return Status::ok;
}

// Class probabilities into out[n_classes] (n_classes >= n_outputs, so `out`
// doubles as the scratch buffer).
template <typename T>
inline Status predict_proba(const Model& m, const T* x, size_t n_x, float* out, size_t n_out) {
    if (m.task != Task::classification) return Status::unsupported_kind;
    if (n_out < m.n_classes) return Status::size_mismatch;
    Status st = raw_scores(m, x, n_x, out, n_out);
    if (st != Status::ok) return st;
    if constexpr (kReadsBoosting) switch (m.transform) {
        case Transform::logistic: {
            const float p = math::logistic(out[0]);
            out[0] = 1.0f - p;
            out[1] = p;
            break;
        }
        case Transform::softmax: kernels::softmax(out, m.n_outputs); break;
        default: break;  // forests: the mean of the leaves' probabilities
    }
    return Status::ok;
}

// Anomaly detectors: scikit-learn's score_samples (lower is more abnormal).
template <typename T>
inline Status score_samples(const Model& m, const T* x, size_t n_x, float& out) {
    if (!kReadsAnomaly || m.task != Task::anomaly) return Status::unsupported_kind;
    float path = 0.0f;
    Status st = raw_scores(m, x, n_x, &path, 1);
    if (st == Status::ok) out = isolation_score(m, path);
    return st;
}

// decision_function: raw scores of boosted classifiers (n_outputs values;
// the sum over trees even when probabilities use the mean, as LightGBM's
// boosting_type='rf' gives them), score_samples - offset for anomaly
// detectors (one value).
template <typename T>
inline Status decision_function(const Model& m, const T* x, size_t n_x, float* out, size_t n_out) {
    if (kReadsAnomaly && m.task == Task::anomaly) {
        if (n_out < 1 || out == nullptr) return Status::size_mismatch;
        Status st = score_samples(m, x, n_x, out[0]);
        if (st == Status::ok) out[0] -= m.decision_offset;
        return st;
    }
    if (!kReadsBoosting || m.task != Task::classification || m.transform == Transform::mean_probability)
        return Status::unsupported_kind;
    return detail::accumulate(m, x, n_x, out, n_out);
}

}  // namespace trees
}  // namespace microlearn
