// Host bindings of the neighbours engine (microlearn/neighbors.hpp).
#include "bindings.hpp"

#include "microlearn/neighbors.hpp"

namespace nb = microlearn::neighbors;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;

namespace {

const char* const kEstimators[] = {"KNeighbors", "NearestCentroid", "KMeans", "LocalOutlierFactor"};
const char* const kMetrics[] = {"euclidean", "manhattan", "chebyshev", "minkowski", "cosine"};

class NeighborsModel {
public:
    explicit NeighborsModel(const py::bytes& data) : bytes_(data) {
        const Status st = nb::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid neighbours model");
    }

    py::dict info() const {
        const nb::Model& m = model_;
        py::dict d;
        d["n_features"] = m.n_features;
        d["n_outputs"] = m.task == nb::Task::regression ? m.n_outputs
                         : m.task == nb::Task::anomaly  ? 1u
                         : m.n_classes != 0             ? m.n_classes
                                                        : m.n_points;
        d["n_classes"] = m.n_classes;
        d["n_points"] = m.n_points;
        d["n_neighbors"] = m.k;
        d["estimator"] = kEstimators[static_cast<int>(m.estimator)];
        d["metric"] = kMetrics[static_cast<int>(m.metric)];
        if (m.metric == nb::Metric::minkowski) d["p"] = m.p;
        d["weights"] = m.distance_weights ? "distance" : "uniform";
        d["task"] = microlearn::bindings::task_name(static_cast<int>(m.task));
        d["feature_type"] = m.feature_type == nb::FeatureType::f32 ? "float32" : "int16";
        py::list methods;
        methods.append("predict");
        if (nb::has_proba(m)) methods.append("predict_proba");
        if (m.task == nb::Task::clustering) methods.append("transform");
        if (m.task == nb::Task::anomaly) methods.append("score_samples");
        if (nb::decision_width(m) != 0) methods.append("decision_function");
        if (m.estimator == nb::Estimator::kneighbors || m.estimator == nb::Estimator::lof)
            methods.append("kneighbors");
        d["methods"] = methods;
        return d;
    }

    // Applies fn(row, output row, scratch) to every row of X (float32 or
    // int16, the model's feature type): an (n, width) array of Out.
    template <typename Out, typename Fn>
    py::array_t<Out> map_rows(const py::array& X, size_t width, Fn fn) const {
        const bool i16 = model_.feature_type == nb::FeatureType::i16;
        const bool ok = i16 ? py::isinstance<py::array_t<int16_t>>(X) : py::isinstance<py::array_t<float>>(X);
        if (!ok) throw py::type_error(std::string("X must be a ") + (i16 ? "int16" : "float32") + " array");
        if (X.ndim() != 2) throw py::value_error("X must be 2-dimensional");
        if (!(X.flags() & py::array::c_style)) throw py::value_error("X must be C-contiguous");
        const size_t n = static_cast<size_t>(X.shape(0)), d = static_cast<size_t>(X.shape(1));
        const size_t row_bytes = d * (i16 ? 2 : 4);
        py::array_t<Out> out({n, width});
        Out* o = out.mutable_data();
        const uint8_t* x = static_cast<const uint8_t*>(X.data());
        std::vector<uint64_t> scratch(nb::scratch_size(model_));
        const nb::FeatureType type = model_.feature_type;
        Status st = Status::ok;
        size_t i = 0;
        {
            py::gil_scoped_release release;
            for (; i < n && st == Status::ok; ++i)
                st = fn(x + i * row_bytes, type, d, o + i * width, scratch.data(), scratch.size());
        }
        if (st == Status::bad_argument)
            throw py::value_error("X row " + std::to_string(i - 1) + " holds NaN or infinity (or its norm "
                                  "overflows float32): neighbour models need finite features");
        if (st == Status::out_of_range)
            throw py::value_error("X row " + std::to_string(i - 1) + " is too far from the stored points: its "
                                  "distances overflow float32");
        if (st != Status::ok) raise_status(st, "prediction failed");
        return out;
    }

    // Regressors: values (n, n_outputs); others: class / cluster index or +1/-1 (n,).
    py::array predict(const py::array& X) const {
        const nb::Model& m = model_;
        if (m.task == nb::Task::regression)
            return map_rows<float>(X, m.n_outputs, [&m](const void* x, nb::FeatureType t, size_t d, float* o,
                                                        uint64_t* s, size_t ns) {
                return nb::predict_values(m, x, t, d, s, ns, o, m.n_outputs);
            });
        py::array_t<int32_t> out = map_rows<int32_t>(X, 1, [&m](const void* x, nb::FeatureType t, size_t d,
                                                                int32_t* o, uint64_t* s, size_t ns) {
            return nb::predict(m, x, t, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

    py::array_t<float> predict_proba(const py::array& X) const {
        const nb::Model& m = model_;
        return map_rows<float>(X, m.n_classes, [&m](const void* x, nb::FeatureType t, size_t d, float* o,
                                                    uint64_t* s, size_t ns) {
            return nb::predict_proba(m, x, t, d, s, ns, o, m.n_classes);
        });
    }

    py::array_t<float> transform(const py::array& X) const {
        const nb::Model& m = model_;
        return map_rows<float>(X, m.n_points, [&m](const void* x, nb::FeatureType t, size_t d, float* o,
                                                   uint64_t* s, size_t ns) {
            return nb::transform(m, x, t, d, s, ns, o, m.n_points);
        });
    }

    py::array score_samples(const py::array& X) const {
        const nb::Model& m = model_;
        py::array_t<float> out = map_rows<float>(X, 1, [&m](const void* x, nb::FeatureType t, size_t d, float* o,
                                                            uint64_t* s, size_t ns) {
            return nb::score_samples(m, x, t, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

    // (n, 1) for LOF and two-class NearestCentroid, else (n, n_classes).
    py::array_t<float> decision_function(const py::array& X) const {
        const nb::Model& m = model_;
        const uint32_t width = nb::decision_width(m);
        return map_rows<float>(X, width, [&m, width](const void* x, nb::FeatureType t, size_t d, float* o,
                                                     uint64_t* s, size_t ns) {
            return nb::decision_function(m, x, t, d, s, ns, o, width);
        });
    }

    // (distances (n, k) float32, indices (n, k) int32), as scikit-learn's kneighbors().
    py::tuple kneighbors(const py::array& X) const {
        const nb::Model& m = model_;
        const size_t k = m.k;
        if (X.ndim() != 2) throw py::value_error("X must be 2-dimensional");
        py::array_t<int32_t> idx({static_cast<size_t>(X.shape(0)), k});
        int32_t* ip = idx.mutable_data();
        py::array_t<float> dist = map_rows<float>(X, k, [&m, ip, k](const void* x, nb::FeatureType t, size_t d,
                                                                    float* o, uint64_t* s, size_t ns) mutable {
            const Status st = nb::kneighbors(m, x, t, d, s, ns, o, ip, k);
            ip += k;
            return st;
        });
        return py::make_tuple(dist, idx);
    }

private:
    ModelBytes bytes_;
    nb::Model model_;
};

// k-means learned on the device, run on the host by the same engine code.
// A model file (bytes) in, the updated file out.
struct KMeansLearner {
    std::vector<uint32_t> words;  // the file, 4-byte aligned and writable
    size_t size;
    nb::Model model;
    std::vector<uint64_t> scratch;

    explicit KMeansLearner(const py::bytes& data) {
        const std::string s = data;
        size = s.size();
        words.resize((size + 3) / 4);
        std::memcpy(words.data(), s.data(), size);
        const Status st = nb::load(bytes(), size, model);
        if (st != Status::ok) raise_status(st, "invalid neighbours model");
        if (model.estimator != nb::Estimator::kmeans || model.feature_type != nb::FeatureType::f32)
            throw py::value_error("k-means learning needs a float32 KMeans model");
        scratch.resize(nb::scratch_size(model));
    }
    uint8_t* bytes() { return reinterpret_cast<uint8_t*>(words.data()); }
    py::bytes result() { return py::bytes(reinterpret_cast<const char*>(bytes()), size); }
};

const float* rows_of(const microlearn::bindings::Rows<float>& X, uint32_t d) {
    if (X.ndim() != 2 || static_cast<uint32_t>(X.shape(1)) != d)
        throw py::value_error("X must have shape (n, " + std::to_string(d) + ")");
    return X.data();
}

}  // namespace

void microlearn::bindings::bind_neighbors(py::module_& m) {
    m.def("knn_file", [](uint32_t capacity, uint32_t d, uint32_t n_classes, uint32_t k, bool distance_weights,
                         const std::string& dtype) {
        if (dtype != "float32" && dtype != "int16") throw py::value_error("dtype must be 'float32' or 'int16'");
        const auto type = dtype == "int16" ? nb::FeatureType::i16 : nb::FeatureType::f32;
        std::vector<uint32_t> out((nb::knn_file_size(capacity, d, n_classes, type) + 3) / 4);
        const size_t size = nb::knn_file_size(capacity, d, n_classes, type);
        const Status st = nb::write_knn_file(reinterpret_cast<uint8_t*>(out.data()), size, capacity, d, n_classes, k,
                                             distance_weights, type);
        if (st != Status::ok) raise_status(st, "cannot write a k-NN learner file");
        return py::bytes(reinterpret_cast<const char*>(out.data()), size);
    }, "The .mlm bytes of an empty k-NN learner (as the device writes them).");
    m.def("knn_add", [](const py::bytes& data, const py::array& x, uint32_t label) {
        const std::string s = data;
        std::vector<uint32_t> words((s.size() + 3) / 4);
        std::memcpy(words.data(), s.data(), s.size());
        const bool i16 = py::isinstance<py::array_t<int16_t>>(x);
        if (!i16 && !py::isinstance<py::array_t<float>>(x)) throw py::type_error("x must be float32 or int16");
        const py::array c = py::array::ensure(x, py::array::c_style);
        nb::KnnLayout layout;
        uint32_t n = 0, d = 0, capacity = 0;
        const Status open = nb::detail::knn_open(reinterpret_cast<uint8_t*>(words.data()), s.size(), layout, n, d,
                                                 capacity);
        if (open != Status::ok) raise_status(open, "not a k-NN learner file");
        if (static_cast<size_t>(c.size()) != d) throw py::value_error("x must hold " + std::to_string(d) + " values");
        const Status st = nb::knn_add(reinterpret_cast<uint8_t*>(words.data()), s.size(), c.data(),
                                      i16 ? nb::FeatureType::i16 : nb::FeatureType::f32, label);
        if (st != Status::ok) raise_status(st, "cannot add the sample");
        nb::refresh_checksum(reinterpret_cast<uint8_t*>(words.data()), s.size());
        return py::bytes(reinterpret_cast<const char*>(words.data()), s.size());
    }, "Appends one sample; returns the new file bytes (CRC refreshed).");
    m.def("knn_remove", [](const py::bytes& data, uint32_t index) {
        const std::string s = data;
        std::vector<uint32_t> words((s.size() + 3) / 4);
        std::memcpy(words.data(), s.data(), s.size());
        const Status st = nb::knn_remove(reinterpret_cast<uint8_t*>(words.data()), s.size(), index);
        if (st != Status::ok) raise_status(st, "cannot remove the sample");
        nb::refresh_checksum(reinterpret_cast<uint8_t*>(words.data()), s.size());
        return py::bytes(reinterpret_cast<const char*>(words.data()), s.size());
    }, "Removes sample `index` (later ones move down); returns the new file bytes.");
    m.def("kmeans_file", [](uint32_t k, uint32_t d) {
        std::vector<uint8_t> out(nb::kmeans_file_size(k, d));
        const Status st = nb::write_kmeans_file(out.data(), out.size(), k, d);
        if (st != Status::ok) raise_status(st, "cannot write a KMeans file");
        return py::bytes(reinterpret_cast<const char*>(out.data()), out.size());
    }, "The .mlm bytes of a KMeans model with k zero centres of d features (as the device writes them).");
    m.def("kmeans_lloyd", [](const py::bytes& data, const microlearn::bindings::Rows<float>& X, uint32_t max_iter) {
        KMeansLearner l(data);
        const uint32_t k = l.model.n_points, d = l.model.n_features;
        const float* x = rows_of(X, d);
        std::vector<float> sums(size_t(k) * d);
        std::vector<uint32_t> counts(k);
        uint32_t n_iter = 0;
        const Status st = nb::kmeans_lloyd(l.model, l.bytes(), l.size, x, static_cast<size_t>(X.shape(0)), max_iter,
                                           l.scratch.data(), l.scratch.size(), sums.data(), counts.data(), n_iter);
        if (st != Status::ok) raise_status(st, "k-means fit failed");
        return py::make_tuple(l.result(), n_iter);
    }, "Lloyd iterations from the file's centres; returns (new file bytes, iterations).");
    m.def("kmeans_partial_fit", [](const py::bytes& data, py::array_t<uint32_t, py::array::c_style> counts,
                                   const microlearn::bindings::Rows<float>& X) {
        KMeansLearner l(data);
        const uint32_t k = l.model.n_points, d = l.model.n_features;
        if (counts.ndim() != 1 || static_cast<uint32_t>(counts.shape(0)) != k)
            throw py::value_error("counts must have shape (" + std::to_string(k) + ",)");
        const float* x = rows_of(X, d);
        py::array_t<uint32_t> c(k);
        std::memcpy(c.mutable_data(), counts.data(), 4 * size_t(k));
        py::array_t<int32_t> assigned(X.shape(0));
        for (py::ssize_t r = 0; r < X.shape(0); ++r) {
            const Status st = nb::kmeans_partial_fit(l.model, l.bytes(), l.size, c.mutable_data(), x + r * d, d,
                                                     l.scratch.data(), l.scratch.size(), assigned.mutable_data()[r]);
            if (st != Status::ok) raise_status(st, "k-means update failed");
        }
        return py::make_tuple(l.result(), c, assigned);
    }, "One online step per row of X; returns (new file bytes, new counts, assigned centres).");

    py::class_<NeighborsModel> cls(m, "NeighborsModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &NeighborsModel::info);
    cls.def("predict", &NeighborsModel::predict, py::arg("X"));
    cls.def("predict_proba", &NeighborsModel::predict_proba, py::arg("X"));
    cls.def("transform", &NeighborsModel::transform, py::arg("X"));
    cls.def("score_samples", &NeighborsModel::score_samples, py::arg("X"));
    cls.def("decision_function", &NeighborsModel::decision_function, py::arg("X"));
    cls.def("kneighbors", &NeighborsModel::kneighbors, py::arg("X"));
}
