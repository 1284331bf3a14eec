"""Run inside gdb by tests/e2e/test_user_nmi.py (not a test itself).

An NMI can come while the user IDT is loaded and the CPU is still in ring
0: in the few instructions on either side of ring 3, where interrupts are
off but an NMI is not held (chips/x86_64/user_entry.asm, user_nmi_entry).
A real one lands there by chance; here gdb puts it there. A hardware
breakpoint on one instruction of such a window stops the guest when a
process next passes it; QMP's inject-nmi makes an NMI pending; gdb lets
go, and the CPU takes the NMI before that instruction.

Two windows, one boot each of build/knock-testapps.iso with `apps=nop`
(a no-op system call every 100 ms, so both are passed often):
  run    the `swapgs` on user_run()'s way into ring 3: the kernel's GS,
         RSP inside the process's saved context;
  entry  user_syscall_entry's first instruction (`swapgs`): the
         process's GS, RSP still the process's own stack.
Prints one JSON line: for each, where the guest stopped, and the serial
log from the NMI on (or why it did not come).
"""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path as cp  # noqa: E402

WINDOWS = {"run": ("user_run", 0), "entry": ("user_syscall_entry", 0)}
REPORT_TIMEOUT = 30  # seconds (times KNOCK_TIMEOUT_SCALE)


def swapgs_in(s, function, nth):
    """The address of the nth `swapgs` from the start of `function`."""
    start = s.symbols.lookup(function).address
    found = [a for a in s.disasm.range_addresses(start, start + 0x200)
             if s.disasm.mnemonic(a) == "swapgs"]
    if len(found) <= nth:
        raise cp.CountError(f"no swapgs number {nth} in {function}")
    return found[nth]


def nmi_in_window(iso, elf, function, nth):
    with cp.Session(iso, elf, cmdline="apps=nop") as s:
        at = swapgs_in(s, function, nth)
        bp = s.target.hbreak(at)
        s.gdb.execute("continue", to_string=True)
        stopped = s.target.pc()
        cs = s.target.register("cs")
        bp.delete()
        pos = len(s.vm.log)
        s.vm.qmp.command("inject-nmi")
        s.gdb.execute("detach", to_string=True)
        try:
            s.vm.wait_for(r"^system halted \(interrupts off\)$",
                          REPORT_TIMEOUT * s.kq.TIMEOUT_SCALE, pos=pos)
            why = None
        except s.kq.KnockFailure as e:
            why = str(e).splitlines()[0]
        return {"at": at, "stopped": stopped, "cs": cs, "log": s.vm.log[pos:], "failure": why}


def main():
    iso, elf = sys.argv[1], sys.argv[2]
    print(json.dumps({name: nmi_in_window(iso, elf, function, nth)
                      for name, (function, nth) in WINDOWS.items()}))


main()
