// microlearn._engine's JPEG functions: the engine's baseline decoder on the
// host, the code the device runs (microlearn.jpeg on both sides).
#include "bindings.hpp"

#include "microlearn/image/jpeg.hpp"

namespace microlearn {
namespace bindings {

using image::JpegError;

[[noreturn]] static void raise_jpeg(JpegError e) { throw py::value_error(std::string("jpeg: ") + image::jpeg_error_message(e)); }

void bind_jpeg(py::module_& m) {
    m.def("jpeg_info", [](const py::bytes& data) {
        const std::string s = data;
        image::JpegInfo info;
        const JpegError e = image::jpeg_info(reinterpret_cast<const uint8_t*>(s.data()), s.size(), info);
        if (e != JpegError::ok) raise_jpeg(e);
        py::dict d;
        d["width"] = info.width;
        d["height"] = info.height;
        d["components"] = info.components;
        py::list sampling;
        for (int i = 0; i < info.components; ++i) sampling.append(py::make_tuple(info.h[i], info.v[i]));
        d["sampling"] = sampling;
        d["work_bytes"] = image::jpeg_work_size(info, 1);
        return d;
    }, py::arg("data"), "Size, components, sampling factors (h, v) and working-area bytes of a JPEG.");

    m.def("jpeg_decode", [](const py::bytes& data, unsigned scale, int channels) {
        const std::string s = data;
        const auto* p = reinterpret_cast<const uint8_t*>(s.data());
        image::JpegInfo info;
        JpegError e = image::jpeg_info(p, s.size(), info);
        if (e != JpegError::ok) raise_jpeg(e);
        const size_t work_size = image::jpeg_work_size(info, scale);
        if (work_size == 0) throw py::value_error("jpeg: scale must be 1, 2, 4 or 8, got " + std::to_string(scale));
        if (channels != 1 && channels != 3) throw py::value_error("jpeg: channels must be 1 or 3");
        const size_t w = (info.width + scale - 1) / scale, h = (info.height + scale - 1) / scale;
        std::vector<uint64_t> work((work_size + 7) / 8);
        std::vector<ssize_t> shape{ssize_t(h), ssize_t(w)};
        if (channels == 3) shape.push_back(3);
        py::array_t<uint8_t> out(shape);
        {
            py::gil_scoped_release release;
            e = image::jpeg_decode(p, s.size(), scale, channels, out.mutable_data(), w * h * size_t(channels),
                                   work.data(), work_size);
        }
        if (e != JpegError::ok) raise_jpeg(e);
        return out;
    }, py::arg("data"), py::arg("scale") = 1, py::arg("channels") = 3,
       "Pixels of a JPEG at 1 / scale: uint8 (h, w) for channels=1, (h, w, 3) for 3.");
}

}  // namespace bindings
}  // namespace microlearn
