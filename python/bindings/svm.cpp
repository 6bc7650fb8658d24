// Host bindings of the kernel-SVM engine (microlearn/svm.hpp).
#include "bindings.hpp"

#include "microlearn/svm.hpp"

namespace svm = microlearn::svm;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

const char* kernel_name(svm::Kernel k) {
    switch (k) {
        case svm::Kernel::linear: return "linear";
        case svm::Kernel::poly: return "poly";
        case svm::Kernel::rbf: return "rbf";
        default: return "sigmoid";
    }
}

class SvmModel {
public:
    explicit SvmModel(const py::bytes& data) : bytes_(data) {
        const Status st = svm::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid SVM model");
    }

    py::dict info() const {
        const bool classifier = model_.task == svm::Task::classification;
        py::dict d;
        d["n_features"] = model_.n_features;
        d["n_outputs"] = classifier ? model_.n_classes : 1u;
        d["n_classes"] = model_.n_classes;
        d["n_support_vectors"] = model_.n_sv;
        d["kernel"] = kernel_name(model_.kernel);
        d["task"] = microlearn::bindings::task_name(static_cast<int>(model_.task));
        d["feature_type"] = "float32";
        if (classifier) d["decision_function_shape"] = model_.ovr ? "ovr" : "ovo";
        py::list methods;
        methods.append("predict");
        if (model_.task != svm::Task::regression) methods.append("decision_function");  // as scikit-learn
        if (model_.probability) methods.append("predict_proba");
        if (model_.task == svm::Task::anomaly) methods.append("score_samples");
        d["methods"] = methods;
        return d;
    }

    template <typename Out, typename Fn>
    py::array_t<Out> map_rows(const Rows<float>& X, size_t width, Fn fn) const {
        return microlearn::bindings::map_rows<Out>(X, width, svm::scratch_size(model_), fn, [](Status st, size_t row) {
            if (st == Status::bad_argument)
                throw py::value_error("X row " + std::to_string(row) + " holds NaN or infinity: SVMs need finite "
                                      "features (as scikit-learn)");
            if (st == Status::out_of_range)
                throw py::value_error("X row " + std::to_string(row) + " is too large for float32: a decision "
                                      "value overflows");
        });
    }

    py::array predict(const Rows<float>& X) const {
        if (model_.task == svm::Task::regression)
            return map_rows<float>(X, 1, [this](const float* x, size_t d, float* o, float* s, size_t ns) {
                return svm::predict_value(model_, x, d, s, ns, o[0]);
            });
        py::array_t<int32_t> out = map_rows<int32_t>(X, 1, [this](const float* x, size_t d, int32_t* o, float* s, size_t ns) {
            return svm::predict(model_, x, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

    py::array_t<float> decision_function(const Rows<float>& X) const {
        const size_t k = svm::n_decisions(model_);
        return map_rows<float>(X, k, [this, k](const float* x, size_t d, float* o, float* s, size_t ns) {
            return svm::decision_function(model_, x, d, s, ns, o, k);
        });
    }

    py::array_t<float> predict_proba(const Rows<float>& X) const {
        const size_t k = model_.n_classes;
        return map_rows<float>(X, k, [this, k](const float* x, size_t d, float* o, float* s, size_t ns) {
            return svm::predict_proba(model_, x, d, s, ns, o, k);
        });
    }

    py::array score_samples(const Rows<float>& X) const {
        py::array_t<float> out = map_rows<float>(X, 1, [this](const float* x, size_t d, float* o, float* s, size_t ns) {
            return svm::score_samples(model_, x, d, s, ns, o[0]);
        });
        return out.attr("reshape")(-1);
    }

private:
    ModelBytes bytes_;
    svm::Model model_;
};

}  // namespace

void microlearn::bindings::bind_svm(py::module_& m) {
    py::class_<SvmModel> cls(m, "SvmModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &SvmModel::info);
    cls.def("predict", &SvmModel::predict, py::arg("X").noconvert());
    cls.def("decision_function", &SvmModel::decision_function, py::arg("X").noconvert());
    cls.def("predict_proba", &SvmModel::predict_proba, py::arg("X").noconvert());
    cls.def("score_samples", &SvmModel::score_samples, py::arg("X").noconvert());
}
