// The host extension microlearn._engine: the C++ engine, as the device runs
// it, for microlearn.Model. Each engine family binds itself in its own file.
#include "bindings.hpp"

#include "microlearn/model_file.hpp"

using microlearn::Status;
using microlearn::bindings::ModelBytes;

PYBIND11_MODULE(_engine, m) {
    m.doc() = "microlearn's C++ engine (host build)";
    m.attr("FORMAT_VERSION") = microlearn::kFormatVersion;
    m.attr("OLDEST_FORMAT_VERSION") = microlearn::kOldestFormatVersion;

    m.def("open_model_file", [](const py::bytes& data) {
        const ModelBytes bytes(data);
        microlearn::ModelFile f;
        const Status st = microlearn::open_model_file(bytes.data(), bytes.size(), f);
        py::dict d;
        d["status"] = microlearn::status_name(st);
        d["version"] = microlearn::model_file_version(bytes.data(), bytes.size());
        d["kind"] = st == Status::ok ? static_cast<int>(f.kind) : 0;
        return d;
    }, "Validates the .mlm container; returns status name, version and kind.");

    microlearn::bindings::bind_trees(m);
    microlearn::bindings::bind_gaussian(m);
    microlearn::bindings::bind_neighbors(m);
    microlearn::bindings::bind_svm(m);
    microlearn::bindings::bind_linear(m);
    microlearn::bindings::bind_neural(m);
    microlearn::bindings::bind_preprocess(m);
    microlearn::bindings::bind_dsp(m);
    microlearn::bindings::bind_jpeg(m);
}
