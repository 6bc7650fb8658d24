// The same benchmark as tflm_bench.cc with microlearn's engine through its C
// API (include/microlearn/c/neural.h; the engine unit of
// device/natmods/neural_int8_cnn_engine.cpp, compiled as a C firmware would:
// no MicroPython). bench_tflm.py writes model.h with ml_model[] (the .mlm
// bytes) beside TFLM's. Each row: ml_neural_input_s8() and ml_neural_run()
// between the markers (the int8 outputs stay in the arena, as TFLM's stay in
// its output tensor); then, uncounted, the outputs as floats
// (ml_neural_outputs) printed in hex per row, and the arena's size.
// Benchmark only.
#include "bench_io.h"
#include "microlearn/c/neural.h"
#include "model.h"

static uint32_t arena[TFLM_ARENA_BYTES / 4];
static float out[4096];
static char line[8 * 4096 + 8];

int main(void) {
    ml_neural_t model;
    ml_neural_info_t info;
    if (ml_neural_load(&model, ml_model, sizeof ml_model, arena, sizeof arena) != 0) return bench_fail("ml_neural_load");
    ml_neural_info(&model, &info);
    if (info.n_inputs != TFLM_INPUT_BYTES || info.n_outputs > sizeof out / sizeof out[0]) return bench_fail("sizes");
    for (int row = 0; row < TFLM_ROWS; ++row) {
        MARK_START();
        int status = ml_neural_input_s8(&model, (const int8_t*)tflm_inputs[row], TFLM_INPUT_BYTES);
        if (status == 0) status = ml_neural_run(&model);
        MARK_STOP();
        if (status != 0 || ml_neural_outputs(&model, out, info.n_outputs) != 0) return bench_fail("run");
        bench_bytes(line, out, 4 * info.n_outputs);
    }
    bench_number("arena_used_bytes", info.arena_size);
    bench_number("rows", TFLM_ROWS);
    return 0;
}
