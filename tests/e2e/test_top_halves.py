"""The device top halves in the built kernel are what docs/interrupts.md
promises: a few instructions each (goal: 3), no call, and nothing but
`lock bts` on the pending word through GS, the LAPIC EOI store and `iretq`.
The product image (build/knock.elf) is checked row by row; the lab image's
own rows and its timestamped variants are checked in build/knock-lab.elf.

The stubs are generated from board/pc/interrupts.h; this reads the table
independently and disassembles the ELF with objdump, so a generator that
emitted a C call, saved a register or forgot the EOI would fail here.

The x2APIC variants (installed when the LAPIC runs in x2APIC mode, which
has no MMIO EOI: docs/smp.md, "x2APIC") are checked in both images: the
same `lock bts` first, then rax, rcx and rdx saved, WRMSR 0x80b with 0,
restored, iretq; the wake-up IPI's x2APIC stub likewise.

The timestamped variants (lab image, boot option stubs=stamped) are
checked too: no call, only rax and rdx saved and restored, the TSC
stored whole in irq_stamp[bit] (struct cpu, kernel/cpu.h) before the bit
is set, then the same three instructions.
"""
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ELF, LAB_ELF, _require

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "board" / "pc" / "interrupts.h"
LAB_TABLE = REPO / "board" / "pc" / "lab" / "interrupts.h"
CPU_H = REPO / "kernel" / "cpu.h"
ROW = re.compile(r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                 r'\s*(-?\d+)\s*,\s*(-?\d+)\s*\)')
GOAL = 3
# Level-triggered rows (PCI INTx): enum, name, vector, bit, GSI. Their top
# half masks the GSI's IOAPIC entry between the knock and the EOI: five.
LEVEL_ROW = re.compile(r'L\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                       r'\s*(\d+)\s*\)')
LEVEL_GOAL = 5


def table_rows(table=TABLE):
    return [(name, int(vec, 0), int(bit))
            for _, name, vec, bit, _, _ in ROW.findall(table.read_text())]


def lab_rows():
    return table_rows(LAB_TABLE)


def level_rows(table=TABLE):
    return [(name, int(vec, 0), int(bit), int(gsi))
            for _, name, vec, bit, gsi in LEVEL_ROW.findall(table.read_text())]


def mask_patterns(gsi):
    """IOREGSEL (0xfec00000, through the high mapping) gets the entry's low
    dword register; IOWIN's value gets the mask bit."""
    return [rf"movl\s+\$0x{0x10 + 2 * gsi:x},0xfffffffffec00000$",
            r"orl\s+\$0x10000,0xfffffffffec00010$"]


def disassemble(symbol, elf=ELF):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}",
                          str(_require(elf))], capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r"^\s+[0-9a-f]+:\s+(.*)$", line)
        if m:
            insns.append(m.group(1).strip())
    # The stub ends at iretq; anything after it is alignment padding.
    for i, insn in enumerate(insns):
        if insn.startswith("iretq"):
            return insns[:i + 1]
    return insns


def test_table_has_rows():
    assert table_rows(), f"no X(...) rows in {TABLE}"


def test_the_product_has_no_lab_stubs():
    for name, _, _ in lab_rows():
        assert not disassemble(f"top_half_{name}"), f"lab row {name} in {ELF}"
    for name, _, _ in table_rows():
        assert not disassemble(f"top_half_stamped_{name}"), f"stamped stub in {ELF}"


@pytest.mark.parametrize("name,vector,bit,elf",
                         [r + (ELF,) for r in table_rows()] + [r + (LAB_ELF,) for r in lab_rows()])
def test_top_half_is_three_instructions_without_a_call(name, vector, bit, elf):
    insns = disassemble(f"top_half_{name}", elf)
    assert insns, f"top_half_{name} not found in {elf}"
    listing = "\n".join(insns)
    assert insns[-1].startswith("iretq"), f"top_half_{name} does not end in iretq:\n{listing}"
    assert len(insns) <= GOAL, f"top_half_{name}: {len(insns)} instructions, goal {GOAL}:\n{listing}"
    assert not any(re.match(r"(call|push|pop)", i) for i in insns), listing
    assert re.match(rf"lock btsq \$0x{bit:x},%gs:0x0$", insns[0]), \
        f"first instruction must set pending bit {bit} through GS:\n{listing}"
    assert re.match(r"movl\s+\$0x0,0xfffffffffee000b0$", insns[1]), \
        f"second instruction must write the LAPIC EOI:\n{listing}"


def test_the_table_has_level_rows():
    assert level_rows(), f"no L(...) rows in {TABLE}"


@pytest.mark.parametrize("name,vector,bit,gsi,elf",
                         [r + (ELF,) for r in level_rows()] + [r + (LAB_ELF,) for r in level_rows()])
def test_level_top_half_masks_its_entry_before_the_eoi(name, vector, bit, gsi, elf):
    insns = disassemble(f"top_half_{name}", elf)
    assert len(insns) <= LEVEL_GOAL, "\n".join(insns)
    check_sequence(f"top_half_{name}", insns,
                   [rf"lock btsq \$0x{bit:x},%gs:0x0$"] + mask_patterns(gsi) +
                   [r"movl\s+\$0x0,0xfffffffffee000b0$", r"iretq"])


@pytest.mark.parametrize("name,vector,bit,gsi", level_rows())
def test_level_x2apic_and_stamped_top_halves_mask_too(name, vector, bit, gsi):
    symbol = f"x2apic_top_half_{name}"
    check_sequence(symbol, disassemble(symbol),
                   [rf"lock btsq \$0x{bit:x},%gs:0x0$"] + mask_patterns(gsi) + X2APIC_EOI)
    stamped = disassemble(f"top_half_stamped_{name}", LAB_ELF)
    assert not any(re.match(r"(call|j)", i) for i in stamped), "\n".join(stamped)
    tail = mask_patterns(gsi) + [r"movl\s+\$0x0,0xfffffffffee000b0$", r"iretq"]
    for insn, pattern in zip(stamped[-4:], tail):
        assert re.match(pattern, insn), "\n".join(stamped)


def cpu_offset(name):
    m = re.search(rf"^#define\s+{name}\s+(\d+)", CPU_H.read_text(), re.M)
    assert m, f"no {name} in {CPU_H}"
    return int(m.group(1))


X2APIC_EOI = [r"push\s+%rax$", r"push\s+%rcx$", r"push\s+%rdx$", r"mov\s+\$0x80b,%ecx$",
              r"xor\s+%eax,%eax$", r"xor\s+%edx,%edx$", r"wrmsr$",
              r"pop\s+%rdx$", r"pop\s+%rcx$", r"pop\s+%rax$", r"iretq"]


def check_sequence(symbol, insns, expected):
    listing = "\n".join(insns)
    assert insns, f"{symbol} not found"
    assert len(insns) == len(expected), f"{symbol}:\n{listing}"
    for insn, pattern in zip(insns, expected):
        assert re.match(pattern, insn), f"{symbol}: {insn!r} is not /{pattern}/:\n{listing}"


@pytest.mark.parametrize("name,vector,bit,elf",
                         [r + (ELF,) for r in table_rows()] + [r + (LAB_ELF,) for r in lab_rows()])
def test_x2apic_top_half_knocks_then_writes_the_eoi_msr(name, vector, bit, elf):
    symbol = f"x2apic_top_half_{name}"
    check_sequence(symbol, disassemble(symbol, elf),
                   [rf"lock btsq \$0x{bit:x},%gs:0x0$"] + X2APIC_EOI)


def test_x2apic_wakeup_ipi_counts_then_writes_the_eoi_msr():
    check_sequence("wakeup_ipi_x2apic_entry", disassemble("wakeup_ipi_x2apic_entry"),
                   [rf"incq\s+%gs:0x{cpu_offset('CPU_IPIS_OFFSET'):x}$"] + X2APIC_EOI)
    check_sequence("wakeup_ipi_entry", disassemble("wakeup_ipi_entry"),
                   [rf"incq\s+%gs:0x{cpu_offset('CPU_IPIS_OFFSET'):x}$", r"movl\s+\$0x0,0xfffffffffee000b0$", r"iretq"])


def irq_stamp_offset():
    m = re.search(r"^#define\s+CPU_IRQ_STAMP_OFFSET\s+(\d+)", CPU_H.read_text(), re.M)
    assert m, f"no CPU_IRQ_STAMP_OFFSET in {CPU_H}"
    return int(m.group(1))


@pytest.mark.parametrize("name,vector,bit", table_rows() + lab_rows())
def test_stamped_top_half_stores_the_tsc_then_knocks_without_a_call(name, vector, bit):
    insns = disassemble(f"top_half_stamped_{name}", LAB_ELF)
    assert insns, f"top_half_stamped_{name} not found in {LAB_ELF}"
    listing = "\n".join(insns)
    assert not any(re.match(r"(call|j)", i) for i in insns), listing
    stamp = 8 * bit + irq_stamp_offset()
    entered, found, first, prev = (8 * bit + cpu_offset(n) for n in
                                   ("CPU_IRQ_ENTERED_OFFSET", "CPU_IRQ_FOUND_SET_OFFSET",
                                    "CPU_IRQ_FIRST_OFFSET", "CPU_IRQ_FIRST_PREV_OFFSET"))
    expected = [r"push\s+%rax$", r"push\s+%rdx$", r"rdtsc$", r"shl\s+\$0x20,%rdx$",
                r"or\s+%rdx,%rax$", rf"mov\s+%rax,%gs:0x{stamp:x}$",
                rf"incq\s+%gs:0x{entered:x}$",
                rf"lock btsq \$0x{bit:x},%gs:0x0$",
                rf"mov\s+%gs:0x{prev:x},%rdx$", rf"cmovae\s+%gs:0x{first:x},%rdx$",
                rf"mov\s+%rdx,%gs:0x{prev:x}$",
                rf"mov\s+%gs:0x{first:x},%rdx$", r"cmovae\s+%rax,%rdx$",
                rf"mov\s+%rdx,%gs:0x{first:x}$", r"setb\s+%al$", r"movzbl\s+%al,%eax$",
                rf"add\s+%rax,%gs:0x{found:x}$",
                r"pop\s+%rdx$", r"pop\s+%rax$",
                r"movl\s+\$0x0,0xfffffffffee000b0$", r"iretq"]
    assert len(insns) == len(expected), f"top_half_stamped_{name}:\n{listing}"
    for insn, pattern in zip(insns, expected):
        assert re.match(pattern, insn), \
            f"top_half_stamped_{name}: {insn!r} is not /{pattern}/:\n{listing}"


def test_idt_vectors_are_unique_and_outside_reserved_ranges():
    vectors = [v for _, v, _ in table_rows() + lab_rows()] + [v for _, v, _, _ in level_rows()]
    assert len(vectors) == len(set(vectors))
    assert all(0x30 <= v < 0xff for v in vectors)
