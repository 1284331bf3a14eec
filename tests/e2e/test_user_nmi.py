"""An NMI in the instructions around ring 3 (tests/e2e/user_nmi_runs.py,
run in gdb, puts one there): the user IDT's NMI gate runs on a stack of
its own and hands the NMI to the kernel's gate with the kernel's GS, so
it ends as an NMI in kernel mode does, in one panic report naming where
it landed, and the CPU halts. Before, the gate pushed its frame where RSP
was (inside the process's context, or the process's own stack) and
swapped GS whatever it was: the first window ended with no report at all.

A double fault from ring 3 (a broken kernel stack: TSS.RSP0 pointed at
unmapped memory) goes through the kernel's own gate with the process's
GS, which the kernel's paths take for "no CPU block" (CPU 0, the one
processes run on): one whole report too.
"""
import re
import sys
from pathlib import Path

import pytest

from conftest import ELF, TESTAPPS_ISO, _require

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path  # noqa: E402


@pytest.fixture(scope="module")
def runs():
    return count_path.run_in_gdb(Path(__file__).with_name("user_nmi_runs.py"),
                                 [str(_require(TESTAPPS_ISO)), str(_require(ELF))],
                                 timeout=300)


def one_report(r, headline):
    """The one whole panic report in run r's log, starting with headline."""
    assert r["failure"] is None, r["failure"] + "\n" + r["log"]
    log = r["log"]
    assert log.count("PANIC:") == 1 and "nested panic" not in log, log
    report = re.search(headline + r"\n(?:.*\n)*?system halted \(interrupts off\)$", log, re.M)
    assert report, log
    return report.group(0)


@pytest.mark.parametrize("window, function", [("run", "user_run"),
                                              ("entry", "user_syscall_entry")])
def test_an_nmi_in_ring_0_with_the_user_idt_loaded_is_the_kernels(runs, window, function):
    r = runs[window]
    # The NMI was taken in ring 0, at the instruction gdb stopped on.
    assert r["stopped"] == r["at"] and r["cs"] & 3 == 0, r
    report = one_report(r, r"^PANIC: CPU exception NMI \(non-maskable interrupt\) on cpu 0")
    # (nasm's local labels name the place: user_run.same_space+0x2b)
    rip = re.search(r"^  rip +0x([0-9a-f]+) <([\w.]+)\+0x[0-9a-f]+>", report, re.M)
    assert rip and int(rip.group(1), 16) == r["at"], report
    assert rip.group(2).split(".")[0] == function, report
    assert "faulted" not in r["log"], r["log"]


def test_a_double_fault_from_ring_3_is_reported_whole(runs):
    r = runs["df"]
    assert r["stopped"] == r["at"], r
    report = one_report(r, r"^PANIC: CPU exception #DF \(double fault\) on cpu 0")
    # Taken in ring 3 (the process's CS and RIP), the page fault's address
    # just below the unmapped stack top gdb set.
    assert re.search(r"^  cs +0x002b ", report, re.M), report
    assert re.search(r"^  cr2 +0x00007efffffffff[0-9a-f]$", report, re.M), report
