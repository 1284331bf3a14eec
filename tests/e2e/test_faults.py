"""Deliberate CPU exceptions (`fault=<kind>`, chips/x86_64/fault_inject.c)
must each give the full report of chips/x86_64/exception.c and halt."""
import re
from dataclasses import dataclass

import pytest

from knock_qemu import BOOT_TIMEOUT

UNMAPPED = 0x0000004000000000  # FAULT_UNMAPPED_ADDR in chips/x86_64/fault_inject.h
GENERAL_REGISTERS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
PF_WRITE = 0x2  # page-fault error code bit: the access was a write


@dataclass
class Fault:
    mnemonic: str
    name: str
    vector: int
    error: int
    function: str
    cr2: int = None  # checked for the page-fault kinds
    access: str = None  # "read" or "write" in the page-fault cause line


FAULTS = {
    "pf": Fault("#PF", "page fault", 14, 0x0, "fault_page_read", UNMAPPED, "read"),
    "pf-write": Fault("#PF", "page fault", 14, PF_WRITE, "fault_page_write", UNMAPPED, "write"),
    "pf-null": Fault("#PF", "page fault", 14, 0x0, "fault_null_read", 0, "read"),
    "ud": Fault("#UD", "invalid opcode", 6, 0x0, "fault_invalid_opcode"),
    "de": Fault("#DE", "divide error", 0, 0x0, "fault_divide_error"),
    "gp": Fault("#GP", "general protection fault", 13, 0x0, "fault_general_protection"),
    # The overflow's #PF cannot be delivered on the overflowed stack, so the
    # CPU raises #DF, which runs on its own IST stack.
    "stack": Fault("#DF", "double fault", 8, 0x0, "fault_stack_overflow"),
}

HEX = r"0x([0-9a-f]{16})"
# GCC may emit a specialised copy of a static function: name.isra.0 etc.
SYMBOL = r"([A-Za-z_]\w*(?:\.\w+\.\d+)*)"
FRAME = re.compile(rf"^  #(\d+) {HEX} {SYMBOL}\+0x([0-9a-f]+)$")


def one(pattern, text, what):
    found = re.findall(pattern, text, re.M)
    assert len(found) == 1, f"expected one {what} line (/{pattern}/), found {found}"
    return found[0]


def backtrace(report):
    """The frames after "backtrace:", numbered from #0 without holes; a
    line starting with "  ... " may stand for frames left out (a deep
    recursion), and then the numbering may jump."""
    frames, expected, skipped = [], 0, False
    for line in report.split("backtrace:\n", 1)[1].splitlines()[:-1]:
        if line.startswith("  ... "):
            skipped = True
            continue
        m = FRAME.match(line)
        assert m, f"not a backtrace line '#n 0x... name+0x...': {line!r}\n{report}"
        n = int(m.group(1))
        assert n == expected or (skipped and n > expected), f"frame #{n} out of order\n{report}"
        frames.append(m)
        expected, skipped = n + 1, False
    assert frames, "empty backtrace"
    return frames


def provoke(boot, kind):
    """Boot with fault=<kind>; return (vm, text of the report)."""
    vm = boot(lab=True, cmdline=f"fault={kind}")
    asked = vm.wait_for(rf"^fault: provoking '{re.escape(kind)}'", BOOT_TIMEOUT)
    start = vm.wait_for(r"^PANIC: ", pos=asked.end())
    end = vm.wait_for(r"^system halted \(interrupts off\)$", pos=start.end())
    return vm, vm.log[start.start():end.end()]


@pytest.mark.parametrize("kind", list(FAULTS))
def test_fault_report(boot, lab_kernel_functions, kind):
    f = FAULTS[kind]
    vm, report = provoke(boot, kind)

    assert report.startswith(f"PANIC: CPU exception {f.mnemonic} ({f.name}) on cpu 0\n")
    vector, error = one(r"^  vector (\d+)  error 0x([0-9a-f]+)$", report, "vector")
    assert (int(vector), int(error, 16)) == (f.vector, f.error)

    # rip names the function that faulted, and the name is right: the
    # address lies inside that function in the ELF, at the printed offset.
    rip, symbol, offset = one(rf"^  rip    {HEX} <{SYMBOL}\+0x([0-9a-f]+)>$", report, "rip")
    rip = int(rip, 16)
    assert symbol.split(".")[0] == f.function
    start, size = lab_kernel_functions[symbol]
    assert start <= rip < start + size and rip - start == int(offset, 16)

    if f.cr2 is not None:
        assert int(one(rf"^  cr2    {HEX}$", report, "cr2"), 16) == f.cr2
        one(rf"^  cause  {f.access} of 0x{f.cr2:016x}, page not present$", report, "cause")
    if kind == "stack":
        cr2 = int(one(rf"^  cr2    {HEX}$", report, "cr2"), 16)
        lo, hi = one(r"^  cause  kernel stack overflow: cr2 is in the guard page below the "
                     r"boot stack \[0x([0-9a-f]+)-0x([0-9a-f]+)\)$", report, "cause")
        lo, hi = int(lo, 16), int(hi, 16)
        assert hi - lo == 4096 and lo <= cr2 < hi

    for reg in GENERAL_REGISTERS:
        one(rf"(?<![\w]){reg}\s+{HEX}", report, reg)

    # The backtrace starts at rip and walks out through the loop to main.
    frames = backtrace(report)
    assert int(frames[0].group(2), 16) == rip and frames[0].group(3) == symbol
    names = [m.group(3) for m in frames]
    assert "loop_run" in names and "board_main" in names[names.index("loop_run"):], \
        f"the backtrace does not reach loop_run and then board_main: {names}"

    # Stopped for good: halted with interrupts off.
    assert vm.wait_cpu_halted() is False


def test_fault_is_provoked_after_the_ready_banner(boot, banner):
    # The fault's deferred call is set after the banner's, so the loop is
    # known to be up (and its banner seen) before the system dies.
    vm = boot(lab=True, cmdline="fault=ud")
    panic = vm.wait_for(r"^PANIC: ", BOOT_TIMEOUT)
    ready = re.search(banner, vm.log, re.M)
    assert ready and ready.start() < panic.start(), "no ready banner before the PANIC"


def test_unknown_fault_kind_warns_and_keeps_running(boot, banner):
    vm = boot(lab=True, cmdline="fault=nosuch")
    m = vm.wait_for(r"^warning: fault: 'nosuch' is not a fault kind \(kinds: ([^)]*)\)$",
                    BOOT_TIMEOUT)
    assert set(FAULTS) <= set(m.group(1).split())
    vm.wait_for(banner)
    # The observable "stays up": the loop went to sleep with interrupts on,
    # which a panic never does.
    assert vm.wait_cpu_halted() is True
    assert "PANIC" not in vm.log


def test_execute_from_data_faults_on_nx_and_names_the_caller(boot, lab_kernel_functions):
    # fault=pf-exec calls a `ret` byte in .data: with NX the fetch faults
    # (error: present | instruction fetch). rip is in no function, so the
    # report names the caller from the return address at rsp.
    vm, report = provoke(boot, "pf-exec")
    assert report.startswith("PANIC: CPU exception #PF (page fault) on cpu 0\n")
    vector, error = one(r"^  vector (\d+)  error 0x([0-9a-f]+)$", report, "vector")
    assert (int(vector), int(error, 16)) == (14, 0x11)
    rip = int(one(rf"^  rip    {HEX} <\?>$", report, "rip"), 16)
    assert int(one(rf"^  cr2    {HEX}$", report, "cr2"), 16) == rip
    one(rf"^  cause  instruction fetch of 0x{rip:016x}, protection violation$", report, "cause")
    caller = one(rf"^  \(rip is outside the kernel's functions; \[rsp\] = {HEX} {SYMBOL}\+0x",
                 report, "caller")
    assert caller[1] == "fault_execute_data"
    assert all(not (s <= rip < s + n) for s, n in lab_kernel_functions.values())


def test_breakpoint_reports_and_resumes(boot, banner, version):
    vm = boot(lab=True, cmdline="fault=bp")
    start = vm.wait_for(r"^breakpoint: CPU exception #BP \(breakpoint\) on cpu 0$", BOOT_TIMEOUT)
    end = vm.wait_for(r"^breakpoint: resuming at the next instruction$", pos=start.end())
    report = vm.log[start.start():end.end()]
    vector, _ = one(r"^  vector (\d+)  error 0x([0-9a-f]+)$", report, "vector")
    assert int(vector) == 3
    one(rf"^  rip    {HEX} <fault_breakpoint\+0x1>$", report, "rip (after the int3)")
    names = [m.group(3) for m in backtrace(report.rsplit("\n", 1)[0] + "\nend")]
    assert "loop_run" in names
    vm.wait_for(r"^fault: 'bp' was reported and the system resumed$", pos=end.end())
    # Resumed for real: the shell still answers.
    vm.wait_for(r"knock> ", whole_lines=False)
    vm.serial_write(b"version\r")
    vm.wait_for(rf"^knock {re.escape(version)}$", pos=end.end())
    assert "PANIC" not in vm.log


def test_panic_reboot_reports_then_resets_the_machine(boot):
    # panic=reboot: the same report, then "rebooting" instead of halting,
    # and a reset. The harness runs QEMU with -no-reboot, which turns the
    # guest's reset into QEMU exiting: a SHUTDOWN event saying
    # "guest-reset", then exit status 0 (a triple fault would say the same
    # to QMP, so the "rebooting" line is what shows the reset was asked for).
    vm = boot(lab=True, cmdline="panic=reboot fault=ud")
    start = vm.wait_for(r"^PANIC: CPU exception #UD \(invalid opcode\) on cpu 0$", BOOT_TIMEOUT)
    end = vm.wait_for(r"^rebooting$", pos=start.end())
    report = vm.log[start.start():end.end()]
    names = [m.group(3) for m in backtrace(report.rsplit("\n", 2)[0] + "\nend")]
    assert "fault_invalid_opcode" in names[0] and "loop_run" in names, names
    assert "system halted" not in vm.log
    event = vm.qmp.wait_event("SHUTDOWN", timeout=BOOT_TIMEOUT)
    assert event["data"].get("guest") is True and event["data"].get("reason") == "guest-reset", \
        event
    assert vm.wait_exit() == 0


def test_panic_reboot_boots_again(boot, version):
    # The same with QEMU told to really reset (-action reboot=reset comes
    # after the harness's -no-reboot and wins): the machine starts over,
    # and panics and resets again, since the options are the same.
    vm = boot(lab=True, cmdline="panic=reboot fault=ud", extra_args=["-action", "reboot=reset"])
    starting = rf"knock {re.escape(version)} starting on the pc board$"
    first = vm.wait_for(r"^rebooting$", BOOT_TIMEOUT)
    event = vm.qmp.wait_event("RESET", timeout=BOOT_TIMEOUT)
    assert event["data"].get("reason") == "guest-reset", event
    again = vm.wait_for(starting, BOOT_TIMEOUT, pos=first.end())
    vm.wait_for(r"^PANIC: CPU exception #UD", BOOT_TIMEOUT, pos=again.end())
    assert vm.proc.poll() is None, "QEMU exited instead of resetting"


def test_fault_command_answers_bad_kinds_and_keeps_running(boot, version):
    """The lab image's `fault` command: without a kind, or with one it does
    not know, a one-line answer listing the kinds, and the shell goes on."""
    vm = boot(lab=True)
    vm.wait_shell()
    for line in ("fault", "fault nosuchkind"):
        answer = vm.shell(line)
        assert answer.startswith("fault: ") and answer.count("\n") == 1, (line, answer)
        assert "pf" in answer and "stack" in answer, answer
    assert vm.shell("version") == f"knock {version}\n"
