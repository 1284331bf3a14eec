/*
 * Host stand-in for the generated symbol table (tools/gen_symbols.py), so
 * every test binary links. Its addresses are small made-up numbers that no
 * host function has, which lets test_symbols and test_panic check exact
 * lookups and exact backtrace lines:
 *
 *   0x1000 +0x40  fake_start
 *   0x1040 size 0 fake_label    (an asm label: reaches up to the next symbol)
 *   0x1100 +0x20  fake_middle
 *          gap    0x1120..0x11ff belongs to nothing
 *   0x1200 +0x10  fake_end
 */
#include "kernel/symbols.h"

const struct ksym ksyms[] = {
	{ 0x1000, 0x40, 0 },
	{ 0x1040, 0, 11 },
	{ 0x1100, 0x20, 22 },
	{ 0x1200, 0x10, 34 },
};
const uint32_t ksyms_count = sizeof(ksyms) / sizeof(ksyms[0]);
const char ksym_names[] = "fake_start\0"
			  "fake_label\0"
			  "fake_middle\0"
			  "fake_end";
