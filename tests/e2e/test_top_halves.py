"""The device top halves in the built kernel are what DESIGN.md promises:
a few instructions each (goal: 3), no call, and nothing but `lock bts` on
the pending word through GS, the LAPIC EOI store and `iretq`.

The stubs are generated from board/pc/interrupts.h; this reads the table
independently and disassembles the ELF with objdump, so a generator that
emitted a C call, saved a register or forgot the EOI would fail here.
"""
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ELF, _require

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "board" / "pc" / "interrupts.h"
ROW = re.compile(r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,\s*(-?\d+)\s*\)')
GOAL = 3


def table_rows():
    return [(name, int(vec, 0), int(bit)) for _, name, vec, bit, _ in ROW.findall(TABLE.read_text())]


def disassemble(symbol):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}",
                          str(_require(ELF))], capture_output=True, text=True, check=True).stdout
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


@pytest.mark.parametrize("name,vector,bit", table_rows())
def test_top_half_is_three_instructions_without_a_call(name, vector, bit):
    insns = disassemble(f"top_half_{name}")
    assert insns, f"top_half_{name} not found in {ELF}"
    listing = "\n".join(insns)
    assert insns[-1].startswith("iretq"), f"top_half_{name} does not end in iretq:\n{listing}"
    assert len(insns) <= GOAL, f"top_half_{name}: {len(insns)} instructions, goal {GOAL}:\n{listing}"
    assert not any(re.match(r"(call|push|pop)", i) for i in insns), listing
    assert re.match(rf"lock btsq \$0x{bit:x},%gs:0x0$", insns[0]), \
        f"first instruction must set pending bit {bit} through GS:\n{listing}"
    assert re.match(r"movl\s+\$0x0,0xfffffffffee000b0$", insns[1]), \
        f"second instruction must write the LAPIC EOI:\n{listing}"


def test_idt_vectors_are_unique_and_outside_reserved_ranges():
    vectors = [v for _, v, _ in table_rows()]
    assert len(vectors) == len(set(vectors))
    assert all(0x30 <= v < 0xff for v in vectors)
