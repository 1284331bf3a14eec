"""tools/count_path.py on the real image: gdb single-stepping QEMU's stub.

- The keyboard top half, stepped until the interrupted code runs again,
  is as long as objdump says top_half_keyboard is up to its iretq (two
  independent sides: the running CPU and the ELF).
- The keystroke path counted twice, in two boots, gives the same count,
  once stopped by gdb watchpoints (the echo's writes) and once, with no
  watchpoint set, after the very instructions that made those writes:
  runs repeat under icount, and the watchpoints add no step.
"""
import re
import subprocess
import sys
from pathlib import Path

from conftest import ELF, ISO, _require

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path  # noqa: E402


def objdump_top_half(symbol):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}",
                          str(_require(ELF))], capture_output=True, text=True, check=True).stdout
    insns = re.findall(r"^\s+[0-9a-f]+:\s+(\S.*)$", out, re.M)
    ends = [i for i, insn in enumerate(insns) if insn.startswith("iretq")]
    assert ends, f"{symbol} has no iretq:\n{out}"
    return ends[0] + 1


def test_keystroke_counts_repeat_and_top_half_matches_objdump():
    result = count_path.run_in_gdb(Path(__file__).with_name("count_path_runs.py"),
                                   [str(_require(ISO)), str(_require(ELF))])
    static = objdump_top_half("top_half_keyboard")
    assert result["top_half"] == static, result
    assert result["unwatched_top_half"] == static, result
    events = result["watched_events"]
    assert events["screen_echo"] and events["serial_echo"], result
    # Beyond the top half: the echo really is further down the path.
    assert result["watched"] > static, result
    assert result["unwatched"] == result["watched"], result
    assert result["unwatched_events"]["screen_echo"] == events["screen_echo"], result
