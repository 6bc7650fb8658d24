// One TensorFlow Lite Micro model (reference kernels) invoked from C, for the
// benchmark of docs/benchmarks-tflm.md. bench_tflm.py writes model.h:
//   tflm_model[]                    the .tflite bytes
//   tflm_inputs[TFLM_ROWS][TFLM_INPUT_BYTES]  the input tensor's bytes per row
//   TFLM_OPS(X), TFLM_N_OPS         the MicroMutableOpResolver methods of the model's ops
//   TFLM_ARENA_BYTES                the tensor arena given to the interpreter
// Each row: its bytes copied into the input tensor and Invoke(), between the
// markers the rig counts (Thumb: mov r11, r11 / mov r10, r10 for QEMU's
// insn_count plugin; x64: callgrind's client requests). Prints the output
// tensor's bytes in hex per row, then arena_used_bytes(). Benchmark only.
#include <cstring>

#include "bench_io.h"
#include "model.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

alignas(16) static uint8_t arena[TFLM_ARENA_BYTES];
static char line[2 * 4096 + 8];

int main() {
    const tflite::Model* model = tflite::GetModel(tflm_model);
    tflite::MicroMutableOpResolver<TFLM_N_OPS> resolver;
#define ADD_OP(method) \
    if (resolver.method() != kTfLiteOk) return bench_fail(#method);
    TFLM_OPS(ADD_OP)
#undef ADD_OP
    tflite::MicroInterpreter interpreter(model, resolver, arena, sizeof arena);
    if (interpreter.AllocateTensors() != kTfLiteOk) return bench_fail("AllocateTensors");
    TfLiteTensor* input = interpreter.input(0);
    const TfLiteTensor* output = interpreter.output(0);
    if (input->bytes != TFLM_INPUT_BYTES) return bench_fail("input tensor size");
    if (2 * output->bytes + 6 > sizeof line) return bench_fail("output tensor size");
    for (int row = 0; row < TFLM_ROWS; ++row) {
        MARK_START();
        std::memcpy(input->data.raw, tflm_inputs[row], TFLM_INPUT_BYTES);
        TfLiteStatus status = interpreter.Invoke();
        MARK_STOP();
        if (status != kTfLiteOk) return bench_fail("Invoke");
        bench_bytes(line, output->data.raw, output->bytes);
    }
    bench_number("arena_used_bytes", interpreter.arena_used_bytes());
    bench_number("rows", TFLM_ROWS);
    return 0;
}
