// Host bindings of the neural-network engine (microlearn/neural/): the
// model (microlearn.Model's contract) plus layers(), what Model.report()
// shows per op: parameters, bytes, MACs and the arena bytes in use.
#include "bindings.hpp"

#include <algorithm>
#include <type_traits>

#include "microlearn/neural/engine.hpp"

namespace neural = microlearn::neural;
using microlearn::DType;
using microlearn::Status;
using microlearn::bindings::ModelBytes;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

// ir.OPS names, by OpKind.
const char* op_name(neural::OpKind k) {
    static const char* const names[] = {
        "?", "FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN",
        "REDUCE_MAX", "RESHAPE", "PAD", "ADD", "MUL", "CONCATENATION", "RELU", "RELU6", "ELU", "LOGISTIC", "TANH",
        "HARD_SWISH", "HARD_SIGMOID", "LEAKY_RELU", "SOFTMAX", "QUANTIZE", "DEQUANTIZE", "SIMPLE_RNN", "GRU", "LSTM",
        "GELU", "SILU"};
    const auto i = static_cast<size_t>(k);
    return i < sizeof names / sizeof names[0] ? names[i] : "?";
}

const char* dtype_name(DType d) {
    return d == DType::f32 ? "float32" : d == DType::i8 ? "int8" : d == DType::i16 ? "int16" : "int32";
}

class NeuralModel {
public:
    explicit NeuralModel(const py::bytes& data) : bytes_(data) {
        const Status st = neural::load(bytes_.data(), bytes_.size(), model_);
        if (st != Status::ok) raise_status(st, "invalid neural network");
    }

    py::dict info() const {
        const auto in = neural::tensor(model_, model_.input, nullptr);
        const auto out = neural::tensor(model_, model_.output, nullptr);
        py::dict d;
        d["n_features"] = in.count;
        d["n_outputs"] = out.count;
        d["n_classes"] = model_.n_classes;
        d["task"] = microlearn::bindings::task_name(static_cast<int>(model_.task));
        d["feature_type"] = "float32";  // int8 models quantize float input with the input's scale
        d["input_dtype"] = dtype_name(in.dtype);
        d["output_dtype"] = dtype_name(out.dtype);
        if (out.dtype != DType::f32 && out.n_quant != 0) {  // real = output_scale * (q - output_zero_point)
            d["output_scale"] = out.scale[0];
            d["output_zero_point"] = out.zero[0];
        }
        d["arena_bytes"] = model_.arena_size;
        d["n_ops"] = model_.n_ops;
        d["n_tensors"] = model_.n_tensors;
        py::list methods;
        methods.append("predict");
        if (model_.task == 1 && model_.probabilities) methods.append("predict_proba");
        d["methods"] = methods;
        return d;
    }

    // X: float32 rows (real values), or for a model whose input tensor is
    // int8, int8 rows (its quantized values) or uint8 rows (values + 128), as
    // array('f') / array('b') / array('B') on the device.
    template <typename In>
    static constexpr neural::Input input_kind() {
        return std::is_same<In, int8_t>::value    ? neural::Input::i8
               : std::is_same<In, uint8_t>::value ? neural::Input::u8
               : std::is_same<In, int16_t>::value ? neural::Input::i16
                                                  : neural::Input::f32;
    }

    template <typename Out, typename In, typename Fn>
    py::array_t<Out> map_rows(const Rows<In>& X, size_t width, Fn fn) const {
        // One arena per call (calls may run in several threads at once).
        std::vector<uint32_t> arena(model_.arena_size / 4 + 1);
        uint8_t* a = reinterpret_cast<uint8_t*>(arena.data());
        neural::reset(model_, a);
        return microlearn::bindings::map_rows<Out>(X, width, 0, [&](const In* x, size_t d, Out* o, float*, size_t) {
            Status st = neural::set_input(model_, a, x, d, input_kind<In>());
            if (st != Status::ok) return st;
            neural::run(model_, a);
            return fn(a, o);
        }, [this](Status st, size_t row) {
            if (st == Status::bad_argument)
                throw py::value_error("X row " + std::to_string(row) + " holds NaN or infinity: neural networks "
                                      "need finite inputs (as scikit-learn)");
            if (st == Status::type_mismatch)
                throw py::type_error(std::string("int8 / uint8 rows are an int8 model's quantized inputs, int16 "
                                                 "rows an int16 model's: this model's input is ") +
                                     dtype_name(neural::tensor(model_, model_.input, nullptr).dtype) +
                                     ", pass float rows or rows of its quantized type");
        });
    }

    template <typename In>
    py::array predict(const Rows<In>& X) const {
        if (model_.task == 1) {
            py::array_t<int32_t> out = map_rows<int32_t>(X, 1, [this](uint8_t* a, int32_t* o) {
                return neural::class_index(model_, a, o[0]);
            });
            return out.attr("reshape")(-1);
        }
        return output_rows<float>(X, DType::f32);
    }

    // Each row's outputs as Out: float (int8 and int16 outputs dequantized),
    // or int8_t / int16_t, the output tensor's own values (type).
    template <typename Out, typename In>
    py::array output_rows(const Rows<In>& X, DType type) const {
        const size_t n = neural::n_outputs(model_);
        return map_rows<Out>(X, n, [this, n, type](uint8_t* a, Out* o) {
            if constexpr (std::is_same_v<Out, float>) return neural::outputs(model_, a, o, n);
            else return neural::raw_outputs(model_, a, o, n, type);
        });
    }

    // The outputs of each row: floats (dtype "float32"; int8 and int16
    // outputs dequantized), or the output tensor's own values (dtype its
    // type, "int8" or "int16"), as predict(x, out) writes them on the device.
    template <typename In>
    py::array outputs(const Rows<In>& X, const std::string& dtype) const {
        const DType type = output_type(dtype);
        if (type == DType::f32) return output_rows<float>(X, type);
        return type == DType::i16 ? output_rows<int16_t>(X, type) : output_rows<int8_t>(X, type);
    }

    // The type outputs() writes for `dtype` (the name of out's dtype): float32, or the output tensor's own.
    DType output_type(const std::string& dtype) const {
        const DType type = neural::tensor(model_, model_.output, nullptr).dtype;
        if (dtype == "float32") return DType::f32;
        if (dtype != dtype_name(type) || type == DType::f32 || type == DType::i32)
            throw py::type_error(std::string("out must be float32") +
                                 (type == DType::f32 ? "" : std::string(" or ") + dtype_name(type) + " (the quantized outputs)") +
                                 " for a network with a " + dtype_name(type) + " output, got " + dtype);
        return type;
    }

    // (predict(X), outputs(X, dtype)) from one run of the network per row:
    // Model.predict(X, out=...), as predict(x, out) on the device.
    template <typename In>
    py::tuple predict_outputs(const Rows<In>& X, const std::string& dtype) const {
        const DType type = output_type(dtype);
        if (type == DType::f32) return predict_outputs_as<float>(X, type);
        return type == DType::i16 ? predict_outputs_as<int16_t>(X, type) : predict_outputs_as<int8_t>(X, type);
    }

    template <typename Out, typename In>
    py::tuple predict_outputs_as(const Rows<In>& X, DType type) const {
        const size_t n = neural::n_outputs(model_);
        const bool classifier = model_.task == 1;
        const size_t rows = X.ndim() == 2 ? static_cast<size_t>(X.shape(0)) : 0;
        std::vector<int32_t> labels(classifier ? rows : 0);
        std::vector<float> values(classifier ? 0 : rows * n);
        size_t row = 0;
        py::array outs = map_rows<Out>(X, n, [&](uint8_t* a, Out* o) {
            Status st;
            if constexpr (std::is_same_v<Out, float>) st = neural::outputs(model_, a, o, n);
            else st = neural::raw_outputs(model_, a, o, n, type);
            if (st == Status::ok)
                st = classifier ? neural::class_index(model_, a, labels[row])
                                : neural::outputs(model_, a, values.data() + row * n, n);
            ++row;
            return st;
        });
        if (classifier) return py::make_tuple(py::array_t<int32_t>(rows, labels.data()), outs);
        return py::make_tuple(py::array_t<float>({rows, n}, values.data()), outs);
    }

    template <typename In>
    py::array_t<float> predict_proba(const Rows<In>& X) const {
        const size_t k = model_.n_classes;
        return map_rows<float>(X, k, [this, k](uint8_t* a, float* o) { return neural::proba(model_, a, o, k); });
    }

    // Per op: its kind, output shape, parameters (constant elements), their
    // bytes, multiply-accumulates, and the arena bytes in use while it runs
    // (the end of the highest tensor alive then).
    py::list layers() const {
        py::list out;
        for (uint32_t i = 0; i < model_.n_ops; ++i) {
            const neural::Op o = neural::op(model_, i);
            const neural::Tensor y = neural::tensor(model_, o.outputs[0], nullptr);
            uint64_t params = 0, bytes = 0;
            for (uint32_t k = 0; k < o.n_inputs; ++k) {
                const uint32_t* r = neural::detail::tensor_record(model_, o.inputs[k]);
                if (static_cast<neural::Location>(r[neural::t_location]) != neural::Location::constant) continue;
                params += neural::detail::element_count(r);
                bytes += neural::detail::byte_count(r);
            }
            py::dict d;
            d["op"] = op_name(o.kind);
            py::list shape;
            for (uint32_t k = 0; k < y.rank; ++k) shape.append(y.dims[k]);
            d["output_shape"] = py::tuple(shape);
            d["params"] = params;
            d["bytes"] = bytes;
            d["macs"] = macs(o, y);
            d["arena_bytes"] = arena_in_use(i);
            out.append(d);
        }
        return out;
    }

private:
    uint64_t macs(const neural::Op& o, const neural::Tensor& y) const {
        if (o.kind >= neural::OpKind::simple_rnn && o.kind <= neural::OpKind::lstm) return neural::recurrent::macs(model_, o);
        if (o.kind == neural::OpKind::fully_connected) {
            const auto w = neural::tensor(model_, o.inputs[1], nullptr);
            return uint64_t(y.count) * w.dims[1];
        }
        if (o.kind == neural::OpKind::conv_2d) {
            const auto w = neural::tensor(model_, o.inputs[1], nullptr);
            return uint64_t(y.count) * w.dims[1] * w.dims[2] * w.dims[3];
        }
        if (o.kind == neural::OpKind::depthwise_conv_2d) {
            const auto w = neural::tensor(model_, o.inputs[1], nullptr);
            return uint64_t(y.count) * w.dims[1] * w.dims[2];
        }
        return 0;
    }

    // Op i's outputs and inputs, and every tensor computed before it and read after it.
    uint64_t arena_in_use(uint32_t i) const {
        uint64_t top = 0;
        for (uint32_t t = 0; t < model_.n_tensors; ++t) {
            const uint32_t* r = neural::detail::tensor_record(model_, t);
            if (!neural::detail::in_arena(r) || r[neural::t_producer] > i + 1) continue;
            bool alive = t == model_.output || static_cast<neural::Location>(r[neural::t_location]) ==
                                                   neural::Location::state;
            for (uint32_t l = i; l < model_.n_ops && !alive; ++l) {
                const neural::Op o = neural::op(model_, l);
                for (uint32_t k = 0; k < o.n_inputs + (l == i ? o.n_outputs : 0); ++k) alive |= o.inputs[k] == t;
            }
            if (alive) top = std::max<uint64_t>(top, r[neural::t_offset] + neural::detail::byte_count(r));
        }
        return top;
    }

    ModelBytes bytes_;
    neural::Model model_;
};

}  // namespace

void microlearn::bindings::bind_neural(py::module_& m) {
    py::class_<NeuralModel> cls(m, "NeuralModel");
    cls.def(py::init<const py::bytes&>());
    cls.def("info", &NeuralModel::info);
    // float32 first: overloads are tried in order, and noconvert keeps each to its dtype.
    cls.def("predict", &NeuralModel::predict<float>, py::arg("X").noconvert());
    cls.def("predict", &NeuralModel::predict<int8_t>, py::arg("X").noconvert());
    cls.def("predict", &NeuralModel::predict<uint8_t>, py::arg("X").noconvert());
    cls.def("predict", &NeuralModel::predict<int16_t>, py::arg("X").noconvert());
    cls.def("predict_proba", &NeuralModel::predict_proba<float>, py::arg("X").noconvert());
    cls.def("predict_proba", &NeuralModel::predict_proba<int8_t>, py::arg("X").noconvert());
    cls.def("predict_proba", &NeuralModel::predict_proba<uint8_t>, py::arg("X").noconvert());
    cls.def("predict_proba", &NeuralModel::predict_proba<int16_t>, py::arg("X").noconvert());
    cls.def("outputs", &NeuralModel::outputs<float>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("outputs", &NeuralModel::outputs<int8_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("outputs", &NeuralModel::outputs<uint8_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("outputs", &NeuralModel::outputs<int16_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("predict_outputs", &NeuralModel::predict_outputs<float>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("predict_outputs", &NeuralModel::predict_outputs<int8_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("predict_outputs", &NeuralModel::predict_outputs<uint8_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("predict_outputs", &NeuralModel::predict_outputs<int16_t>, py::arg("X").noconvert(), py::arg("dtype"));
    cls.def("layers", &NeuralModel::layers);
    // The exponentials an int8 SOFTMAX computes without its table (int8_ops.hpp,
    // softmax_exp_bits): float32 bits for d = 0 .. 255; the converter lists where they differ from LiteRT's.
    m.def("int8_softmax_exps", [](float s) {
        py::array_t<uint32_t> out(256);
        uint32_t bits;
        __builtin_memcpy(&bits, &s, 4);
        for (uint32_t d = 0; d < 256; ++d) out.mutable_data()[d] = neural::int8::softmax_exp_bits(bits, d);
        return out;
    }, py::arg("s"));
    m.attr("NEURAL_OP_NAMES") = [] {
        py::dict d;
        for (uint32_t k = 1; k < static_cast<uint32_t>(neural::OpKind::count); ++k)
            d[op_name(static_cast<neural::OpKind>(k))] = k;
        return d;
    }();
}
