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

// The one row loop of every family's host engine: fn(row, d, output row,
// scratch, n_scratch) for each row of X into an (n, width) array of Out,
// without the GIL. A failing row stops the loop; on_error(status, row) may
// raise a family-specific message, else the status's name is raised.
template <typename Out, typename T, typename Fn, typename OnError>
py::array_t<Out> map_rows(const Rows<T>& X, size_t width, size_t n_scratch, Fn fn, OnError on_error) {
    if (X.ndim() != 2) throw py::value_error("X must be 2-dimensional");
    const size_t n = static_cast<size_t>(X.shape(0)), d = static_cast<size_t>(X.shape(1));
    py::array_t<Out> out({n, width});
    Out* o = out.mutable_data();
    const T* x = X.data();
    std::vector<float> scratch(n_scratch + 1);
    Status st = Status::ok;
    size_t i = 0;
    {
        py::gil_scoped_release release;
        for (; i < n && st == Status::ok; ++i) st = fn(x + i * d, d, o + i * width, scratch.data(), n_scratch);
    }
    if (st != Status::ok) {
        on_error(st, i - 1);
        raise_status(st, "prediction failed");
    }
    return out;
}

template <typename Out, typename T, typename Fn>
py::array_t<Out> map_rows(const Rows<T>& X, size_t width, size_t n_scratch, Fn fn) {
    return map_rows<Out>(X, width, n_scratch, fn, [](Status, size_t) {});
}

void bind_trees(py::module_& m);
void bind_gaussian(py::module_& m);
void bind_neighbors(py::module_& m);
void bind_svm(py::module_& m);
void bind_linear(py::module_& m);
void bind_neural(py::module_& m);
void bind_preprocess(py::module_& m);
void bind_dsp(py::module_& m);
void bind_jpeg(py::module_& m);

}  // namespace bindings
}  // namespace microlearn
