// Host bindings of the linear-model engine (microlearn/linear.hpp): the
// model (microlearn.Model's contract) and the SGD trainer, the host's
// reference for learning on the device (same float32 steps).
#include "bindings.hpp"

#include "microlearn/linear.hpp"

namespace linear = microlearn::linear;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

const char* link_name(linear::Link l) {
    switch (l) {
        case linear::Link::identity: return "identity";
        case linear::Link::logistic: return "logistic";
        case linear::Link::softmax: return "softmax";
        case linear::Link::modified_huber: return "modified_huber";
        default: return "exp";
    }
}

// Applies fn(row, d, output row, scores) to every row of X into an (n, width) array.
template <typename Out, typename Fn>
py::array_t<Out> map_rows(const linear::Model& m, const Rows<float>& X, size_t width, Fn fn) {
    auto row = [&fn](const float* x, size_t d, Out* o, float* scores, size_t) { return fn(x, d, o, scores); };
    return microlearn::bindings::map_rows<Out>(X, width, linear::n_scores(m), row, [](Status st, size_t r) {
        if (st == Status::bad_argument)
            throw py::value_error("X row " + std::to_string(r) + " holds NaN or infinity: linear models need "
                                  "finite features (as scikit-learn)");
        if (st == Status::out_of_range)
            throw py::value_error("X row " + std::to_string(r) + ": the model's scores overflow float32");
    });
}

py::dict model_info(const linear::Model& m) {
    const bool classifier = m.task == linear::Task::classification;
    py::dict d;
    d["n_features"] = m.n_features;
    d["n_outputs"] = classifier ? m.n_classes : m.n_outputs;
    d["n_classes"] = m.n_classes;
    d["n_scores"] = m.n_outputs;
    d["link"] = link_name(m.link);
    d["task"] = microlearn::bindings::task_name(static_cast<int>(m.task));
    d["feature_type"] = "float32";
    py::list methods;
    methods.append("predict");
    if (classifier) methods.append("decision_function");
    if (linear::has_proba(m)) methods.append("predict_proba");
    d["methods"] = methods;
    return d;
}

py::array predict(const linear::Model& m, const Rows<float>& X) {
    if (m.task == linear::Task::regression)
        return map_rows<float>(m, X, m.n_outputs, [&m](const float* x, size_t d, float* o, float*) {
            return linear::predict_values(m, x, d, o, m.n_outputs);
        });
    py::array_t<int32_t> out = map_rows<int32_t>(m, X, 1, [&m](const float* x, size_t d, int32_t* o, float* s) {
        return linear::predict(m, x, d, s, m.n_outputs, o[0]);
    });
    return out.attr("reshape")(-1);
}

py::array_t<float> decision_function(const linear::Model& m, const Rows<float>& X) {
    return map_rows<float>(m, X, m.n_outputs, [&m](const float* x, size_t d, float* o, float*) {
        return linear::decision_function(m, x, d, o, m.n_outputs);
    });
}

py::array_t<float> predict_proba(const linear::Model& m, const Rows<float>& X) {
    return map_rows<float>(m, X, m.n_classes, [&m](const float* x, size_t d, float* o, float*) {
        return linear::predict_proba(m, x, d, o, m.n_classes);
    });
}

class LinearModel {
public:
    explicit LinearModel(const py::bytes& data) : bytes_(data) {
        const Status st = linear::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid linear model");
    }
    py::dict info() const { return model_info(model_); }
    py::array predict(const Rows<float>& X) const { return ::predict(model_, X); }
    py::array_t<float> decision_function(const Rows<float>& X) const { return ::decision_function(model_, X); }
    py::array_t<float> predict_proba(const Rows<float>& X) const { return ::predict_proba(model_, X); }

private:
    ModelBytes bytes_;
    linear::Model model_;
};

// SGD on a private copy of a trainable file, sample by sample in row order.
class LinearTrainer {
public:
    explicit LinearTrainer(const py::bytes& data) : bytes_(data) {
        const Status st = linear::load_trainer(const_cast<uint8_t*>(bytes_.data()), bytes_.size(), trainer_);
        if (st != Status::ok) raise_status(st, "not a trainable linear model");
    }

    // y: class indices (classifiers) or targets (regressors), one per row.
    void partial_fit(const Rows<float>& X, const Rows<float>& y) {
        const auto& m = trainer_.model;
        if (X.ndim() != 2 || static_cast<size_t>(X.shape(1)) != m.n_features)
            throw py::value_error("X must be (n_samples, " + std::to_string(m.n_features) + ")");
        if (y.ndim() != 1 || y.shape(0) != X.shape(0)) throw py::value_error("y must be (n_samples,)");
        for (py::ssize_t i = 0; i < X.shape(0); ++i) {
            const Status st = linear::partial_fit(trainer_, X.data() + i * X.shape(1), m.n_features, y.data()[i]);
            if (st == Status::bad_argument)
                throw py::value_error("sample " + std::to_string(i) + ": NaN or infinity in x or y, or y is not "
                                      "a class index 0.." + std::to_string(m.n_classes ? m.n_classes - 1 : 0));
            if (st != Status::ok) raise_status(st, "partial_fit failed");
        }
    }

    py::bytes to_bytes() {
        linear::seal(trainer_);
        return py::bytes(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
    }

    float t() const { return *trainer_.t; }
    py::dict info() const { return model_info(trainer_.model); }
    py::array predict(const Rows<float>& X) const { return ::predict(trainer_.model, X); }
    py::array_t<float> decision_function(const Rows<float>& X) const {
        return ::decision_function(trainer_.model, X);
    }

private:
    ModelBytes bytes_;
    linear::Trainer trainer_;
};

}  // namespace

void microlearn::bindings::bind_linear(py::module_& m) {
    py::class_<LinearModel> cls(m, "LinearModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &LinearModel::info);
    cls.def("predict", &LinearModel::predict, py::arg("X").noconvert());
    cls.def("decision_function", &LinearModel::decision_function, py::arg("X").noconvert());
    cls.def("predict_proba", &LinearModel::predict_proba, py::arg("X").noconvert());

    py::class_<LinearTrainer> tr(m, "LinearTrainer");
    tr.def(py::init<const py::bytes&>());
    tr.def("partial_fit", &LinearTrainer::partial_fit, py::arg("X"), py::arg("y"));
    tr.def("to_bytes", &LinearTrainer::to_bytes);
    tr.def_property_readonly("t_", &LinearTrainer::t);
    tr.def("info", &LinearTrainer::info);
    tr.def("predict", &LinearTrainer::predict, py::arg("X"));
    tr.def("decision_function", &LinearTrainer::decision_function, py::arg("X"));

    m.def("linear_create", [](uint32_t n_features, uint32_t n_classes, uint32_t loss, uint32_t learning_rate,
                              bool fit_intercept, float alpha, float eta0, float power_t, const py::bytes& metadata) {
        const std::string meta = metadata;
        linear::NewModel n;
        n.n_features = n_features;
        n.n_classes = n_classes;
        n.loss = static_cast<linear::Loss>(loss);
        n.schedule = static_cast<linear::Schedule>(learning_rate);
        n.fit_intercept = fit_intercept;
        n.alpha = alpha;
        n.eta0 = eta0;
        n.power_t = power_t;
        n.metadata = meta.empty() ? nullptr : reinterpret_cast<const uint8_t*>(meta.data());
        n.n_metadata = static_cast<uint32_t>(meta.size());
        const uint32_t size = linear::created_size(n);
        std::vector<uint32_t> words(size / 4 + 1);
        const Status st = linear::create(n, reinterpret_cast<uint8_t*>(words.data()), size);
        if (st != Status::ok) raise_status(st, "cannot create the model");
        return py::bytes(reinterpret_cast<const char*>(words.data()), size);
    }, "The engine's create(): a trainable linear model with zero weights, as the device writes it.");
}
