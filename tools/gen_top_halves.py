#!/usr/bin/python3
"""Generate the device top halves from the board's interrupt table.

Reads the BOARD_INTERRUPTS rows of board/<board>/interrupts.h:

    X(KEYBOARD, "keyboard", 0x41, 1, 1, 0)

(enum, name, vector, pending bit, ISA IRQ or -1, CPU or -1; the CPU
column is the board's business at boot, the generator only checks it: -1
exactly for the local rows, which have no ISA IRQ)

and writes NASM source with, for every row, an entry point of exactly three
instructions:

    lock bts qword [gs:CPU_PENDING_OFFSET], <bit>   ; knock: set the bit
    mov dword [abs LAPIC_EOI_HIGH], 0               ; EOI the local APIC
    iretq

It touches no register (bts on memory, a store of an immediate), so it saves
none, and it calls no C. `top_half_table` lists (vector, entry) pairs so the
chip can install the IDT gates; tests/e2e checks the built stubs with
objdump.

LAPIC_EOI_HIGH is the LAPIC's EOI register (0xfee000b0) seen through the
second mapping of the top physical GiB at the top of the virtual space
(boot/entry32.asm): a sign-extended 32-bit displacement reaches it.

In x2APIC mode (docs/smp.md, "x2APIC") the LAPIC has no MMIO page: the
EOI is WRMSR 0x80b with 0 in edx:eax (Intel SDM vol. 3A 11.12.1.2), and
WRMSR takes its operands in ecx, eax and edx. So every row also gets
`x2apic_top_half_<name>` (table `x2apic_top_half_table`): the same knock
first, then those three registers saved, the WRMSR, restored, iretq.
chips/x86_64/top_halves.c installs one table or the other. Still no call.

Every row also gets `user_top_half_<name>` (table `user_top_half_table`),
the gate of the row's vector in the user IDT that is loaded while a
process runs in ring 3 (docs/processes.md): `swapgs`, the same knock and
EOI, then a jump to user_entry.asm's user_knocked, which saves the process
and returns to the loop. xAPIC only (in x2APIC mode the user IDT's
generic gate raises the vector again in kernel mode).

The lab image (docs/lab.md) gets a second file, generated with
`--lab board/<board>/lab/interrupts.h`: plain stubs for the lab's own rows
(`lab_top_half_table`), and for every row, the product's and the lab's, a
timestamped variant, `top_half_stamped_<name>`, for measuring (boot option
stubs=stamped; `top_half_stamped_table`). The product image has neither. A
stamped stub saves the two registers rdtsc writes, stores the 64-bit TSC in
this CPU's irq_stamp[bit] (struct cpu, kernel/cpu.h) with one store, so a
reader never sees half a stamp, counts the entry in irq_entered[bit], and
knocks with the same `lock bts`. The carry flag that leaves says whether
the bit was already set: without a branch, the stub adds it to
irq_found_set[bit] (an interrupt coalesced with one not yet serviced,
counted where it happens) and, when it was clear, moves irq_first[bit] to
irq_first_prev[bit] and keeps the stamp in irq_first[bit] (the first
interrupt of the coming service; the previous one stays readable for a
service whose bit was set again before it read its stamps). Then it
restores the registers, writes the EOI and returns. The stamp is written
before the bit is set, so the loop never sees a bit whose stamp is older
than its interrupt. Still no call. The offsets and the slot count come
from kernel/cpu.h (--cpu-header), where static asserts tie them to the
struct.
a static assert ties them to the struct.
"""
import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ROW = re.compile(r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                 r'\s*(-?\d+)\s*,\s*(-?\d+)\s*\)')
# Anything that looks like a row, to refuse one the pattern above misses
# (a column left out) instead of silently generating no stub for it.
ROW_LIKE = re.compile(r'^\s*X\(.*\)', re.M)
# A level-triggered row (a PCI INTx line through the IOAPIC): enum, name,
# vector, pending bit, GSI. Its top half masks the GSI's redirection entry
# before the EOI (docs/interrupts.md, "Level-triggered INTx").
LEVEL_ROW = re.compile(r'L\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                       r'\s*(\d+)\s*\)')
LEVEL_LIKE = re.compile(r'^\s*L\(.*\)', re.M)
# The IOAPIC whose entries a level top half masks: the first, at its usual
# address with GSI base 0 (the board refuses a line elsewhere), seen
# through the high mapping of the top GiB like the LAPIC's EOI register.
IOAPIC_GSIS = 24
# The highest CPU id a row may name (CPU_MAX in kernel/cpu.h is checked at
# boot; this only catches nonsense).
CPU_LIMIT = 64


def parse(text):
    rows = []
    for m in ROW.finditer(text):
        enum, name, vector, bit, isa, cpu = m.groups()
        rows.append((enum, name, int(vector, 0), int(bit), int(isa), int(cpu)))
    return rows


def parse_level(text):
    """The L rows, as X-like rows (no ISA IRQ, no CPU column: -1, -1), and
    {name: GSI} for the stubs that mask."""
    rows, level = [], {}
    for m in LEVEL_ROW.finditer(text):
        enum, name, vector, bit, gsi = m.groups()
        rows.append((enum, name, int(vector, 0), int(bit), -1, -1))
        level[name] = int(gsi)
    return rows, level


def unparsed(text):
    """Row-like lines the patterns do not read (a missing column)."""
    return [m.group(0).strip() for m in ROW_LIKE.finditer(text) if not ROW.search(m.group(0))] + \
        [m.group(0).strip() for m in LEVEL_LIKE.finditer(text)
         if not LEVEL_ROW.search(m.group(0))]


def check_level(level):
    return [f"{name}: GSI {gsi} beyond the first IOAPIC's {IOAPIC_GSIS} entries"
            for name, gsi in level.items() if gsi >= IOAPIC_GSIS]


def mask_lines(gsi):
    """Mask the level row's IOAPIC entry: select its low dword, set bit 16.
    No register: an immediate store, then `or` on the window (read, or,
    write back; Remote IRR and delivery status are read-only)."""
    return [f"\tmov dword [abs IOAPIC_REGSEL_HIGH], {0x10 + 2 * gsi:#x}   ; GSI {gsi}'s entry, low",
            "\tor dword [abs IOAPIC_WIN_HIGH], 0x10000          ; masked"]


def cpu_layout(text):
    """(CPU_IRQ_STAMP_OFFSET, CPU_IRQ_STAMPS) from kernel/cpu.h's text."""
    values = {}
    for name in ("CPU_IRQ_STAMP_OFFSET", "CPU_IRQ_STAMPS"):
        m = re.search(rf"^#define\s+{name}\s+(0x[0-9a-fA-F]+|\d+)\b", text, re.M)
        if not m:
            raise ValueError(f"no '#define {name} <number>' in the CPU header")
        values[name] = int(m.group(1), 0)
    return values["CPU_IRQ_STAMP_OFFSET"], values["CPU_IRQ_STAMPS"]


COUNTERS = ("CPU_IRQ_ENTERED_OFFSET", "CPU_IRQ_FOUND_SET_OFFSET", "CPU_IRQ_FIRST_OFFSET",
            "CPU_IRQ_FIRST_PREV_OFFSET")


def cpu_counters(text):
    """{name: offset} of the stamped stubs' per-CPU counters (kernel/cpu.h)."""
    out = {}
    for name in COUNTERS:
        m = re.search(rf"^#define\s+{name}\s+(0x[0-9a-fA-F]+|\d+)\b", text, re.M)
        if not m:
            raise ValueError(f"no '#define {name} <number>' in the CPU header")
        out[name] = int(m.group(1), 0)
    return out


def check(rows, stamps=64):
    errors = []
    if not rows:
        errors.append("no X(...) rows found")
    seen_vec, seen_bit, seen_name = {}, {}, {}
    for enum, name, vector, bit, isa, cpu in rows:
        if isa < 0 and cpu != -1:
            errors.append(f"{name}: a local source (ISA IRQ -1) has a CPU of its own on "
                          f"every CPU: its CPU column must be -1, not {cpu}")
        elif isa >= 0 and not 0 <= cpu < CPU_LIMIT:
            errors.append(f"{name}: CPU {cpu} outside 0-{CPU_LIMIT - 1}")
        if not 0x30 <= vector <= 0xfe:
            errors.append(f"{name}: vector {vector:#x} outside 0x30-0xfe "
                          "(0-0x1f exceptions, 0x20-0x2f legacy PIC, 0xff spurious)")
        if not 0 <= bit < 64:
            errors.append(f"{name}: pending bit {bit} outside 0-63")
        elif bit >= stamps:
            errors.append(f"{name}: pending bit {bit} has no irq_stamp slot "
                          f"(CPU_IRQ_STAMPS is {stamps} in kernel/cpu.h)")
        for key, table, what in ((vector, seen_vec, "vector"), (bit, seen_bit, "bit"),
                                 (name, seen_name, "name")):
            if key in table:
                errors.append(f"{name}: {what} {key} already used by {table[key]}")
            table[key] = name
    return errors


KNOCK = ["\tlock bts qword [gs:CPU_PENDING_OFFSET], {bit}",
         "\tmov dword [abs LAPIC_EOI_HIGH], 0",
         "\tiretq"]


X2APIC_EOI = ["\tpush rax",
              "\tpush rcx",
              "\tpush rdx",
              "\tmov ecx, MSR_X2APIC_EOI",
              "\txor eax, eax",
              "\txor edx, edx",
              "\twrmsr",
              "\tpop rdx",
              "\tpop rcx",
              "\tpop rax",
              "\tiretq"]


def header(source, stamp_offset, counters=None):
    return [f"; Generated by tools/gen_top_halves.py from {source}. Do not edit.",
            "bits 64",
            "CPU_PENDING_OFFSET equ 0",
            f"CPU_IRQ_STAMP_OFFSET equ {stamp_offset}"] + \
        [f"{name} equ {offset}" for name, offset in (counters or {}).items()] + \
        ["LAPIC_EOI_HIGH equ 0xfffffffffee000b0",
         "IOAPIC_REGSEL_HIGH equ 0xfffffffffec00000",
         "IOAPIC_WIN_HIGH equ 0xfffffffffec00010",
         "MSR_X2APIC_EOI equ 0x80b",
         "section .text"]


def plain_stubs(rows, level=None):
    out = []
    level = level or {}
    for _, name, vector, bit, *_ in rows:
        out += ["align 16",
                f"global top_half_{name}",
                f"top_half_{name}:                    ; vector {vector:#x}, pending bit {bit}",
                KNOCK[0].format(bit=bit)]
        out += mask_lines(level[name]) if name in level else []
        out += KNOCK[1:]
    return out


def x2apic_stubs(rows, level=None):
    out = []
    level = level or {}
    for _, name, vector, bit, *_ in rows:
        out += ["align 16",
                f"global x2apic_top_half_{name}",
                f"x2apic_top_half_{name}:             ; vector {vector:#x}, pending bit {bit}",
                KNOCK[0].format(bit=bit)]
        out += mask_lines(level[name]) if name in level else []
        out += X2APIC_EOI
    return out


def user_stubs(rows, level=None):
    """The same knock for an interrupt that lands in ring 3 (the user IDT's
    gate for the row's vector; chips/x86_64/user_mode.c installs them in
    xAPIC mode): `swapgs` first (the kernel's GS base is in KERNEL_GS_BASE
    while a process runs), then the bit (and a level row's mask) and the
    EOI, then user_knocked (chips/x86_64/user_entry.asm) saves the process
    and returns to the loop instead of to ring 3."""
    out = []
    level = level or {}
    for _, name, vector, bit, *_ in rows:
        out += ["align 16",
                f"global user_top_half_{name}",
                f"user_top_half_{name}:               ; vector {vector:#x}, pending bit {bit}",
                "\tswapgs",
                KNOCK[0].format(bit=bit)]
        out += mask_lines(level[name]) if name in level else []
        out += [KNOCK[1], "\tjmp user_knocked"]
    return out


def stamped_stubs(rows, level=None):
    """Store the TSC, count the entry, knock; then, from the carry flag
    `lock bts` leaves (the bit was already set), count a coalesced
    interrupt and keep the stamp of the entry that set the bit. No branch:
    the same instructions run every time."""
    out = []
    for _, name, vector, bit, *_ in rows:
        out += ["align 16",
                f"global top_half_stamped_{name}",
                f"top_half_stamped_{name}:            ; vector {vector:#x}, pending bit {bit}",
                "\tpush rax",
                "\tpush rdx",
                "\trdtsc",
                "\tshl rdx, 32",
                "\tor rax, rdx",
                f"\tmov [gs:CPU_IRQ_STAMP_OFFSET + {8 * bit}], rax    ; irq_stamp[{bit}]",
                f"\tinc qword [gs:CPU_IRQ_ENTERED_OFFSET + {8 * bit}]  ; irq_entered[{bit}]",
                KNOCK[0].format(bit=bit),
                f"\tmov rdx, [gs:CPU_IRQ_FIRST_PREV_OFFSET + {8 * bit}]",
                f"\tcmovnc rdx, [gs:CPU_IRQ_FIRST_OFFSET + {8 * bit}]",
                f"\tmov [gs:CPU_IRQ_FIRST_PREV_OFFSET + {8 * bit}], rdx  ; irq_first_prev[{bit}]",
                f"\tmov rdx, [gs:CPU_IRQ_FIRST_OFFSET + {8 * bit}]",
                "\tcmovnc rdx, rax                  ; the bit was clear: this entry set it",
                f"\tmov [gs:CPU_IRQ_FIRST_OFFSET + {8 * bit}], rdx  ; irq_first[{bit}]",
                "\tsetc al                          ; the bit was set: coalesced",
                "\tmovzx eax, al",
                f"\tadd [gs:CPU_IRQ_FOUND_SET_OFFSET + {8 * bit}], rax  ; irq_found_set[{bit}]",
                "\tpop rdx",
                "\tpop rax"]
        out += mask_lines((level or {})[name]) if name in (level or {}) else []
        out += [line.format(bit=bit) for line in KNOCK[1:]]
    return out


def table(label, prefix, rows):
    """(vector, entry) pairs, then the row count: top_half_table is
    followed by top_half_count, and so on."""
    count = label[:-len("_table")] + "_count"
    out = [f"global {label}", f"{label}:"]
    out += [f"\tdq {vector:#x}, {prefix}{name}" for _, name, vector, *_ in rows]
    out += [f"global {count}", f"{count}:", f"\tdq {len(rows)}"]
    return out


def emit(rows, source, stamp_offset=0, level=None):
    """The product's file: one plain stub per row and top_half_table."""
    out = header(source, stamp_offset) + ["extern user_knocked"] + plain_stubs(rows, level) + \
        x2apic_stubs(rows, level) + user_stubs(rows, level)
    out += ["section .rodata", "align 8"] + table("top_half_table", "top_half_", rows)
    out += table("x2apic_top_half_table", "x2apic_top_half_", rows)
    out += table("user_top_half_table", "user_top_half_", rows) + [""]
    return "\n".join(out)


def emit_lab(rows, lab_rows, source, stamp_offset=0, counters=None, level=None):
    """The lab's file: plain and x2APIC stubs of the lab's rows
    (lab_top_half_table, lab_x2apic_top_half_table), stamped stubs of every
    row (top_half_stamped_table; xAPIC only)."""
    counters = counters or {name: 0 for name in COUNTERS}
    out = header(source, stamp_offset, counters) + plain_stubs(lab_rows) + \
        x2apic_stubs(lab_rows)
    out += stamped_stubs(rows + lab_rows, level)
    out += ["section .rodata", "align 8"]
    out += table("lab_top_half_table", "top_half_", lab_rows)
    out += table("lab_x2apic_top_half_table", "x2apic_top_half_", lab_rows)
    out += table("top_half_stamped_table", "top_half_stamped_", rows + lab_rows) + [""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", help="board/<board>/interrupts.h")
    ap.add_argument("--cpu-header", default=str(REPO / "kernel" / "cpu.h"),
                    help="kernel/cpu.h: where the irq_stamp slots are")
    ap.add_argument("--lab", metavar="LAB_TABLE",
                    help="board/<board>/lab/interrupts.h: write the lab image's file instead")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    with open(args.table) as f:
        text = f.read()
    level_rows, level = parse_level(text)
    rows, bad = parse(text) + level_rows, [(args.table, r) for r in unparsed(text)]
    lab_rows = []
    if args.lab:
        with open(args.lab) as f:
            text = f.read()
        lab_rows = parse(text)
        bad += [(args.lab, r) for r in unparsed(text)]
        if not lab_rows:
            print(f"{args.lab}: no X(...) rows found", file=sys.stderr)
            return 1
    for source, row in bad:
        print(f"{source}: not a row of six columns (enum, name, vector, bit, ISA IRQ, CPU) "
              f"nor a level row of five (enum, name, vector, bit, GSI): {row}", file=sys.stderr)
    if bad:
        return 1
    try:
        with open(args.cpu_header) as f:
            text = f.read()
        stamp_offset, stamps = cpu_layout(text)
        counters = cpu_counters(text)
    except (OSError, ValueError) as e:
        print(f"{args.cpu_header}: {e}", file=sys.stderr)
        return 1
    errors = check(rows + lab_rows, stamps) + check_level(level)
    if errors:
        for e in errors:
            print(f"{args.lab or args.table}: {e}", file=sys.stderr)
        return 1
    with open(args.output, "w") as f:
        if args.lab:
            f.write(emit_lab(rows, lab_rows, f"{args.table} and {args.lab}", stamp_offset,
                             counters, level))
        else:
            f.write(emit(rows, args.table, stamp_offset, level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
