// Host bindings of the tree-ensemble engine (microlearn/trees.hpp).
#include "bindings.hpp"

#include <vector>

#include "microlearn/trees.hpp"

namespace trees = microlearn::trees;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

class TreesModel {
public:
    explicit TreesModel(const py::bytes& data) : bytes_(data) {
        const Status st = trees::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid tree ensemble model");
    }

    const trees::Model& model() const { return model_; }

    py::dict info() const {
        py::dict d;
        d["n_features"] = model_.n_features;
        d["n_outputs"] = model_.n_outputs;
        d["n_classes"] = model_.n_classes;
        d["n_trees"] = model_.n_trees;
        d["n_nodes"] = model_.n_nodes;
        d["n_leaves"] = model_.n_leaves;
        d["leaf_width"] = model_.leaf_width;
        d["task"] = microlearn::bindings::task_name(static_cast<int>(model_.task));
        d["feature_type"] = model_.feature_type == trees::FeatureType::f32 ? "float32" : "int16";
        d["wide_refs"] = model_.wide_refs;
        d["layout"] = model_.packed ? "packed" : "refs";
        py::list methods;
        methods.append("predict");
        if (model_.task == trees::Task::classification) methods.append("predict_proba");
        if (model_.task == trees::Task::anomaly ||
            (model_.task == trees::Task::classification && model_.transform != trees::Transform::mean_probability))
            methods.append("decision_function");
        if (model_.task == trees::Task::anomaly) methods.append("score_samples");
        d["methods"] = methods;
        return d;
    }

    // Applies fn(model, row, d, output row, scratch, n_scratch) to every row
    // of X, with a copy of the model that has a key buffer of its own (calls
    // run without the GIL: two threads must not share one).
    template <typename T, typename Out = float, typename Fn>
    py::array_t<Out> map_rows(const Rows<T>& X, size_t out_width, Fn fn) const {
        std::vector<int32_t> keys(trees::key_buffer_size(model_));
        trees::Model m = model_;
        trees::attach_key_buffer(m, keys.empty() ? nullptr : keys.data(), keys.size());
        return microlearn::bindings::map_rows<Out>(
            X, out_width, model_.n_outputs + model_.n_classes,
            [&m, &fn](const T* x, size_t d, Out* o, float* s, size_t ns) { return fn(m, x, d, o, s, ns); },
            [this](Status st, size_t row) { refused(st, row); });
    }

    // bad_argument from a prediction (X has the right shape, keys are attached): the row holds a value
    // the model refuses, as its scikit-learn estimator does (trees.hpp's flag_refuses_*).
    void refused(Status st, size_t row) const {
        if (st != Status::bad_argument) return;
        const bool nan = (model_.flags & trees::flag_refuses_nan) != 0;
        throw py::value_error("X row " + std::to_string(row) +
                              (nan ? " holds NaN or infinity: this model needs finite features, as scikit-learn's does"
                                   : " holds infinity, which this model refuses as scikit-learn's does "
                                     "(NaN is a missing value)"));
    }

    template <typename T>
    py::array_t<float> raw_scores(const Rows<T>& X) const {
        return map_rows<T>(X, model_.n_outputs, [this](const trees::Model& m, const T* x, size_t d, float* o, float*, size_t) {
            return trees::raw_scores(m, x, d, o, model_.n_outputs);
        });
    }

    // Regressors: values (n, n_outputs); others: class index or +1/-1 (n,).
    template <typename T>
    py::array predict(const Rows<T>& X) const {
        if (model_.task == trees::Task::regression) return raw_scores(X);
        py::array_t<int32_t> out = map_rows<T, int32_t>(X, 1, [](const trees::Model& m, const T* x, size_t d, int32_t* o, float* s, size_t ns) {
            return trees::predict_class(m, x, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

    template <typename T>
    py::array_t<float> predict_proba(const Rows<T>& X) const {
        return map_rows<T>(X, model_.n_classes, [this](const trees::Model& m, const T* x, size_t d, float* o, float*, size_t) {
            return trees::predict_proba(m, x, d, o, model_.n_classes);
        });
    }

    template <typename T>
    py::array_t<float> decision_function(const Rows<T>& X) const {
        const size_t width = model_.task == trees::Task::anomaly ? 1 : model_.n_outputs;
        return map_rows<T>(X, width, [width](const trees::Model& m, const T* x, size_t d, float* o, float*, size_t) {
            return trees::decision_function(m, x, d, o, width);
        });
    }

    template <typename T>
    py::array score_samples(const Rows<T>& X) const {
        py::array_t<float> out = map_rows<T>(X, 1, [](const trees::Model& m, const T* x, size_t d, float* o, float*, size_t) {
            return trees::score_samples(m, x, d, o[0]);
        });
        return out.attr("reshape")(-1);
    }

private:
    ModelBytes bytes_;
    trees::Model model_;
};

// Binds method `name` for float32 and int16 inputs; overload resolution
// without conversion picks the one matching X's dtype.
template <typename Method32, typename Method16>
void bind_both(py::class_<TreesModel>& cls, const char* name, Method32 m32, Method16 m16) {
    cls.def(name, m32, py::arg("X").noconvert());
    cls.def(name, m16, py::arg("X").noconvert());
}

}  // namespace

void microlearn::bindings::bind_trees(py::module_& m) {
    py::class_<TreesModel> cls(m, "TreesModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &TreesModel::info);
    bind_both(cls, "raw_scores", &TreesModel::raw_scores<float>, &TreesModel::raw_scores<int16_t>);
    bind_both(cls, "predict", &TreesModel::predict<float>, &TreesModel::predict<int16_t>);
    bind_both(cls, "predict_proba", &TreesModel::predict_proba<float>, &TreesModel::predict_proba<int16_t>);
    bind_both(cls, "decision_function", &TreesModel::decision_function<float>,
              &TreesModel::decision_function<int16_t>);
    bind_both(cls, "score_samples", &TreesModel::score_samples<float>, &TreesModel::score_samples<int16_t>);
}
