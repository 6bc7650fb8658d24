/* A converted model on a bare-metal Cortex-M3, no OS, no heap: the firmware
 * classifies the rows of rows.h with the model of model.h and prints, for
 * each row, the label and the class probabilities as float32 bit patterns
 * (so the host can compare them exactly) on the board's UART.
 *
 *   make -C examples/c/baremetal run        # trains, converts, builds, runs in QEMU
 *
 * Runs on QEMU's mps2-an385 (the board the MicroPython tests use); on a real
 * part only uart_putc() and the linker script change. */
#include <stddef.h>
#include <stdint.h>

#include "microlearn/microlearn.h"
#include "model.h" /* alignas(4) static const uint8_t model[]; MODEL_SIZE (Model.to_c_header) */
#include "rows.h"  /* static const float rows[N_ROWS][N_FEATURES] */

#define MAX_CLASSES 16
#define MAX_KEYS 256 /* int32 split keys the forest may ask for (ml_trees_key_buffer_size) */

/* CMSDK APB UART0 of the MPS2 boards. */
#define UART0_DATA (*(volatile uint32_t*)0x40004000u)
#define UART0_STATE (*(volatile uint32_t*)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t*)0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t*)0x40004010u)

static void uart_putc(char c) {
    while (UART0_STATE & 1u) { /* TX buffer full */
    }
    UART0_DATA = (uint32_t)(unsigned char)c;
}

static void put_str(const char* s) {
    while (*s) uart_putc(*s++);
}

static void put_int(long long v) {
    char buf[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        buf[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) uart_putc('-');
    while (n) uart_putc(buf[--n]);
}

static void put_hex32(uint32_t v) {
    for (int shift = 28; shift >= 0; shift -= 4) uart_putc("0123456789abcdef"[(v >> shift) & 15u]);
}

static uint32_t float_bits(float f) {
    union {
        float f;
        uint32_t u;
    } pun = {f};
    return pun.u;
}

int main(void) {
    UART0_BAUDDIV = 16;
    UART0_CTRL = 1u; /* TX enable */
    static ml_trees_t forest;
    int status = ml_trees_load(&forest, model, MODEL_SIZE);
    ml_trees_info_t info;
    static ml_labels_t labels;
    if (status == ML_OK) {
        ml_trees_info(&forest, &info);
        status = (info.n_features != N_FEATURES || info.n_classes > MAX_CLASSES) ? ML_SIZE_MISMATCH
                 : ml_labels_load(&labels, model, MODEL_SIZE, info.n_classes);
    }
    /* Soft-float cores: a key buffer lets the forest convert the input once per
     * prediction (same results; some layouts require it). */
    static int32_t keys[MAX_KEYS];
    size_t n_keys = status == ML_OK ? ml_trees_key_buffer_size(&forest) : 0;
    if (n_keys > MAX_KEYS) status = ML_SIZE_MISMATCH;
    else if (n_keys > 0) status = ml_trees_attach_key_buffer(&forest, keys, n_keys);
    if (status != ML_OK) {
        put_str("error: ");
        put_str(ml_status_name(status));
        put_str("\n");
        return 1;
    }
    for (int r = 0; r < N_ROWS; ++r) {
        float proba[MAX_CLASSES];
        int32_t index;
        status = ml_trees_predict_class(&forest, rows[r], ML_F32, N_FEATURES, proba, MAX_CLASSES, &index);
        if (status == ML_OK) status = ml_trees_predict_proba(&forest, rows[r], ML_F32, N_FEATURES, proba, MAX_CLASSES);
        if (status != ML_OK) {
            put_str("error: ");
            put_str(ml_status_name(status));
            put_str("\n");
            return 1;
        }
        put_str("row ");
        put_int(r);
        put_str(" label ");
        put_int(ml_label_int(&labels, (uint32_t)index));
        put_str(" proba");
        for (uint32_t k = 0; k < info.n_classes; ++k) {
            uart_putc(' ');
            put_hex32(float_bits(proba[k]));
        }
        put_str("\n");
    }
    put_str("done\n");
    return 0;
}
