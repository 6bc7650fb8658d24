// Host bindings of the Gaussian-model engine (microlearn/gaussian.hpp).
#include "bindings.hpp"

#include "microlearn/gaussian.hpp"

namespace gaussian = microlearn::gaussian;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

const char* covariance_name(gaussian::Covariance c) {
    switch (c) {
        case gaussian::Covariance::full: return "full";
        case gaussian::Covariance::tied: return "tied";
        case gaussian::Covariance::diag: return "diag";
        default: return "spherical";
    }
}

class GaussianModel {
public:
    explicit GaussianModel(const py::bytes& data) : bytes_(data) {
        const Status st = gaussian::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid Gaussian model");
    }

    py::dict info() const {
        const bool anomaly = model_.task == gaussian::Task::anomaly;
        py::dict d;
        d["n_features"] = model_.n_features;
        d["n_outputs"] = model_.n_components;
        d["n_classes"] = model_.n_classes;
        d["n_components"] = model_.n_components;
        d["covariance_type"] = covariance_name(model_.covariance);
        d["task"] = microlearn::bindings::task_name(static_cast<int>(model_.task));
        d["feature_type"] = "float32";
        py::list methods;
        methods.append("predict");
        if (!anomaly) methods.append("predict_proba");
        if (anomaly) methods.append("decision_function");
        if (model_.task != gaussian::Task::classification) methods.append("score_samples");
        d["methods"] = methods;
        return d;
    }

    template <typename Out, typename Fn>
    py::array_t<Out> map_rows(const Rows<float>& X, size_t width, Fn fn) const {
        return microlearn::bindings::map_rows<Out>(X, width, gaussian::scratch_size(model_), fn, [](Status st, size_t row) {
            if (st == Status::bad_argument)
                throw py::value_error("X row " + std::to_string(row) + " holds NaN or infinity: Gaussian models "
                                      "need finite features (as scikit-learn)");
            if (st == Status::out_of_range)
                throw py::value_error("X row " + std::to_string(row) + " is too far from every component for "
                                      "float32: its log-densities overflow");
        });
    }

    py::array predict(const Rows<float>& X) const {
        py::array_t<int32_t> out = map_rows<int32_t>(X, 1, [this](const float* x, size_t d, int32_t* o, float* s, size_t ns) {
            return gaussian::predict(model_, x, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

    py::array_t<float> predict_proba(const Rows<float>& X) const {
        const size_t k = model_.n_components;
        return map_rows<float>(X, k, [this, k](const float* x, size_t d, float* o, float* s, size_t ns) {
            return gaussian::predict_proba(model_, x, d, s, ns, o, k);
        });
    }

    py::array_t<float> log_probs(const Rows<float>& X) const {
        const size_t k = model_.n_components;
        return map_rows<float>(X, k, [this, k](const float* x, size_t d, float* o, float* s, size_t ns) {
            return gaussian::log_probs(model_, x, d, s, ns, o, k);
        });
    }

    py::array_t<float> decision_function(const Rows<float>& X) const {
        return map_rows<float>(X, 1, [this](const float* x, size_t d, float* o, float* s, size_t ns) {
            return gaussian::decision_function(model_, x, d, s, ns, o[0]);
        });
    }

    py::array score_samples(const Rows<float>& X) const {
        py::array_t<float> out = map_rows<float>(X, 1, [this](const float* x, size_t d, float* o, float* s, size_t ns) {
            return gaussian::score_samples(model_, x, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

private:
    ModelBytes bytes_;
    gaussian::Model model_;
};

}  // namespace

void microlearn::bindings::bind_gaussian(py::module_& m) {
    py::class_<GaussianModel> cls(m, "GaussianModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &GaussianModel::info);
    cls.def("predict", &GaussianModel::predict, py::arg("X").noconvert());
    cls.def("predict_proba", &GaussianModel::predict_proba, py::arg("X").noconvert());
    cls.def("log_probs", &GaussianModel::log_probs, py::arg("X").noconvert());
    cls.def("decision_function", &GaussianModel::decision_function, py::arg("X").noconvert());
    cls.def("score_samples", &GaussianModel::score_samples, py::arg("X").noconvert());
}
