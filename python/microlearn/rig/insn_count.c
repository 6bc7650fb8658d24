/*
 * insn_count.c: QEMU TCG plugin counting guest instructions executed between markers.
 *
 * Markers are Thumb no-ops that compilers do not emit (they never move a register
 * onto itself; GCC's own armv6m nop is `mov r8, r8`, so r8 is avoided):
 *     start:  mov r11, r11   encoding 0x46DB
 *     stop:   mov r10, r10   encoding 0x46D2
 * On RISC-V (qemu-system-riscv32, told apart by the target name QEMU passes) the
 * markers are 32-bit HINTs, `addi x0, x0, imm` (a no-op by the ISA's definition):
 *     start:  addi x0, x0, 0x5a1   encoding 0x5A100013
 *     stop:   addi x0, x0, 0x5a2   encoding 0x5A200013
 * The _markers native module (markers/markers.c) executes them.
 *
 * Counted: instructions after a start marker up to (not including) the next stop
 * marker, summed over all start/stop pairs. A start while counting and a stop while
 * not counting are ignored and reported as "unmatched".
 *
 * How: every translated block adds its instruction count to `executed` when it is
 * entered (an inline op, cheap). A marker gets an execution callback that knows how
 * many instructions of its block follow it, so a marker in the middle of a block is
 * exact. (A block left half-way by a CPU exception would over-count its tail; the
 * MicroPython firmware takes no exceptions or interrupts while running a script.)
 * Every instruction QEMU executes counts once, including those skipped by an IT
 * block's condition. Single vCPU only (the MPS2 boards have one core).
 *
 * Arguments:  -plugin insn_count.so,outfile=PATH
 * At exit it writes one line to PATH (or to QEMU's log, -d plugin, without outfile):
 *     instructions=<n> pairs=<n> unmatched=<n> open=<0|1>
 * (open=1: a start marker was never stopped; its instructions are not counted.)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARKER_START 0x46DBu /* mov r11, r11 */
#define MARKER_STOP 0x46D2u  /* mov r10, r10 */
#define RV_MARKER_START 0x5A100013u /* addi x0, x0, 0x5a1 */
#define RV_MARKER_STOP 0x5A200013u  /* addi x0, x0, 0x5a2 */

static int riscv; /* the guest is RISC-V: 32-bit markers */

static uint64_t executed;   /* all instructions in entered blocks */
static uint64_t started_at; /* value of `executed` at the last start marker */
static int counting;
static uint64_t total;
static uint64_t pairs;
static uint64_t unmatched;
static const char *outfile;

/* A marker's userdata: (instructions after it in its block) << 1 | is_stop. */
static void on_marker(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    uintptr_t data = (uintptr_t)userdata;
    uint64_t tail = data >> 1;
    if (!(data & 1)) {
        if (counting) {
            unmatched++;
            return;
        }
        counting = 1;
        started_at = executed - tail; /* instructions up to and including the marker */
    } else {
        if (!counting) {
            unmatched++;
            return;
        }
        counting = 0;
        total += (executed - tail - 1) - started_at; /* excluding the stop marker */
        pairs++;
    }
}

enum { NOT_MARKER, START, STOP };

/*
 * Is the instruction whose bytes QEMU reports a marker? Decided from its first
 * halfword (Thumb) or word (RISC-V) alone, never from the reported size: QEMU 7.2's
 * Thumb translator peeks at the next halfword when an instruction ends 2 bytes
 * before a page boundary (to see whether the next one crosses it), and that peek is
 * appended to the current instruction's bytes, so a 16-bit marker at page offset
 * 0x3FC (M-profile pages are 1 KiB) is reported as 4 bytes long. The leading bytes
 * fix the length on both ISAs: 0x46xx is a 16-bit Thumb encoding (32-bit ones start
 * with 0b11101, 0b11110 or 0b11111), and a RISC-V word ending in 0b11 (not 0b11111)
 * is a 32-bit instruction, never a compressed one followed by another.
 */
static int marker_kind(const uint8_t *bytes, size_t size) {
    size_t len = riscv ? 4u : 2u;
    if (size < len) {
        return NOT_MARKER;
    }
    uint32_t opcode = 0;
    for (size_t b = len; b-- > 0;) {
        opcode = (opcode << 8) | bytes[b];
    }
    if (opcode == (riscv ? RV_MARKER_START : MARKER_START)) {
        return START;
    }
    return opcode == (riscv ? RV_MARKER_STOP : MARKER_STOP) ? STOP : NOT_MARKER;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        int kind = marker_kind(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
        if (kind != NOT_MARKER) {
            uintptr_t tail = n - 1 - i;
            uintptr_t data = (tail << 1) | (kind == STOP);
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)data);
        }
    }
}

static void report(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    char line[160];
    snprintf(line, sizeof line,
             "instructions=%" PRIu64 " pairs=%" PRIu64 " unmatched=%" PRIu64 " open=%d\n",
             total, pairs, unmatched, counting);
    if (outfile) {
        FILE *f = fopen(outfile, "w");
        if (f) {
            fputs(line, f);
            fclose(f);
            return;
        }
    }
    qemu_plugin_outs(line);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv) {
    riscv = info->target_name != NULL && strncmp(info->target_name, "riscv", 5) == 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "outfile=", 8) == 0) {
            outfile = argv[i] + 8;
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s' (expected outfile=PATH)\n",
                    argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
