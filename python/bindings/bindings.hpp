// Shared pieces of the host bindings: one bind_<family>() per engine family.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <string>
#include <vector>

#include "microlearn/status.hpp"

namespace py = pybind11;

namespace microlearn {
namespace bindings {

[[noreturn]] inline void raise_status(Status st, const char* what) {
    throw py::value_error(std::string(what) + ": " + status_name(st));
}

// The task names of the families' info()["task"] (microlearn.Model's contract).
inline const char* task_name(int task) {
    switch (task) {
        case 0: return "regression";
        case 1: return "classification";
        case 2: return "anomaly";
        case 3: return "clustering";
        default: return "transform";
    }
}

// A model's bytes, copied into 4-byte aligned storage that the view reads.
class ModelBytes {
public:
    explicit ModelBytes(const py::bytes& data) {
        const std::string s = data;
        size_ = s.size();
        words_.resize((size_ + 3) / 4);
        if (size_) std::memcpy(words_.data(), s.data(), size_);
    }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.data()); }
    size_t size() const { return size_; }

private:
    std::vector<uint32_t> words_;
    size_t size_ = 0;
};

// C-contiguous rows of a given scalar type.
template <typename T>
using Rows = py::array_t<T, py::array::c_style | py::array::forcecast>;

void bind_trees(py::module_& m);
void bind_gaussian(py::module_& m);
void bind_neighbors(py::module_& m);
void bind_svm(py::module_& m);
void bind_linear(py::module_& m);
void bind_preprocess(py::module_& m);
void bind_dsp(py::module_& m);

}  // namespace bindings
}  // namespace microlearn
