// Host binding of the preprocessing chain (microlearn/preprocess.hpp):
// microlearn.Model applies it to X before the family's engine, the same code
// glue_input() runs on the device.
#include "bindings.hpp"

#include "microlearn/preprocess.hpp"

namespace pre = microlearn::preprocess;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

class Preprocess {
public:
    // n_features: what the family's engine takes (its info()["n_features"]).
    Preprocess(const py::bytes& data, uint32_t n_features) : bytes_(data) {
        const Status st = pre::load(bytes_.data(), bytes_.size(), n_features, chain_);
        if (st != Status::ok) raise_status(st, "invalid preprocessing chain");
    }

    py::dict info() const {
        py::dict d;
        d["n_steps"] = chain_.n_steps;
        d["n_inputs"] = chain_.n_inputs;
        d["n_outputs"] = chain_.n_outputs;
        d["scratch_size"] = chain_.scratch_size;
        return d;
    }

    // X (n, n_inputs) float32 -> (n, n_outputs) float32.
    py::array_t<float> apply(const Rows<float>& X) const {
        if (X.ndim() != 2 || static_cast<size_t>(X.shape(1)) != chain_.n_inputs)
            throw py::value_error("X must have shape (n, " + std::to_string(chain_.n_inputs) + ")");
        const size_t n = static_cast<size_t>(X.shape(0)), w = chain_.n_outputs;
        py::array_t<float> out({n, w});
        float* o = out.mutable_data();
        const float* x = X.data();
        std::vector<float> scratch(chain_.scratch_size + 1);
        {
            py::gil_scoped_release release;
            for (size_t i = 0; i < n; ++i) {
                const float* y = nullptr;
                pre::apply(chain_, x + i * chain_.n_inputs, chain_.n_inputs, scratch.data(), scratch.size(), &y);
                std::memcpy(o + i * w, y, w * sizeof(float));
            }
        }
        return out;
    }

private:
    ModelBytes bytes_;
    pre::Chain chain_;
};

}  // namespace

namespace microlearn {
namespace bindings {

void bind_preprocess(py::module_& m) {
    py::class_<Preprocess>(m, "Preprocess")
        .def(py::init<const py::bytes&, uint32_t>(), py::arg("data"), py::arg("n_features"))
        .def("info", &Preprocess::info)
        .def("apply", &Preprocess::apply, py::arg("X"));
}

}  // namespace bindings
}  // namespace microlearn
