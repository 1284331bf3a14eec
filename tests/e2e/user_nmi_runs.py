"""Run inside gdb by tests/e2e/test_user_nmi.py (not a test itself).

An NMI can come while the user IDT is loaded and the CPU is still in ring
0: in the few instructions on either side of ring 3, where interrupts are
off but an NMI is not held (chips/x86_64/user_entry.asm, user_nmi_entry).
A real one lands there by chance; here gdb puts it there. A hardware
breakpoint on one instruction of such a window stops the guest when a
process next passes it; QMP's inject-nmi makes an NMI pending; gdb lets
go, and the CPU takes the NMI before that instruction.

Each case is one boot of build/knock-testapps.iso with `apps=nop` (a
no-op system call every 100 ms, so the places below are passed often).
Two windows:
  run    the `swapgs` on user_run()'s way into ring 3: the kernel's GS,
         RSP inside the process's saved context;
  entry  user_syscall_entry's first instruction (`swapgs`): the
         process's GS, RSP still the process's own stack.
And a double fault from ring 3 (the user IDT keeps the kernel's gate
for it, on IST 1, entered with the process's GS):
  df     at user_run()'s `iretq`, TSS.RSP0 pointed at memory no page
         table maps, so the next interrupt in ring 3 cannot push its
         frame, nor can the page fault that raises: a double fault.
Prints one JSON line: for each, where the guest stopped, and the serial
log from the NMI (or the broken stack) on, or why no report came.
"""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path as cp  # noqa: E402

WINDOWS = {"run": "user_run", "entry": "user_syscall_entry"}  # each at its first swapgs
REPORT_TIMEOUT = 30  # seconds (times KNOCK_TIMEOUT_SCALE)
# Canonical, and in no page table: PML4 entry 254 (knock maps 0, 1 and 511).
UNMAPPED = 0x7f0000000000


def first_in(s, function, mnemonic):
    """The address of the first `mnemonic` from the start of `function`."""
    start = s.symbols.lookup(function).address
    found = [a for a in s.disasm.range_addresses(start, start + 0x200)
             if s.disasm.mnemonic(a) == mnemonic]
    if not found:
        raise cp.CountError(f"no {mnemonic} in {function}")
    return found[0]


def stop_at(s, address):
    """Run the guest to `address`; (pc, cs) there."""
    bp = s.target.hbreak(address)
    s.gdb.execute("continue", to_string=True)
    bp.delete()
    return s.target.pc(), s.target.register("cs")


def let_go(s, pos):
    """Let the guest run and wait for the halt after a report; the log
    from `pos` on and why the wait failed (None: it did not)."""
    s.gdb.execute("detach", to_string=True)
    try:
        s.vm.wait_for(r"^system halted \(interrupts off\)$",
                      REPORT_TIMEOUT * s.kq.TIMEOUT_SCALE, pos=pos)
        why = None
    except s.kq.KnockFailure as e:
        why = str(e).splitlines()[0]
    return s.vm.log[pos:], why


def nmi_in_window(iso, elf, function):
    with cp.Session(iso, elf, cmdline="apps=nop") as s:
        at = first_in(s, function, "swapgs")
        stopped, cs = stop_at(s, at)
        pos = len(s.vm.log)
        s.vm.qmp.command("inject-nmi")
        log, why = let_go(s, pos)
        return {"at": at, "stopped": stopped, "cs": cs, "log": log, "failure": why}


def double_fault_from_ring_3(iso, elf):
    with cp.Session(iso, elf, cmdline="apps=nop") as s:
        at = first_in(s, "user_run", "iretq")
        stopped, cs = stop_at(s, at)
        rsp0 = s.target.read_u64(s.symbols.lookup("user_tss_rsp0").address)
        s.gdb.execute(f"set *(unsigned long long *){rsp0:#x} = {UNMAPPED:#x}", to_string=True)
        pos = len(s.vm.log)
        log, why = let_go(s, pos)
        return {"at": at, "stopped": stopped, "cs": cs, "log": log, "failure": why}


def main():
    iso, elf = sys.argv[1], sys.argv[2]
    runs = {name: nmi_in_window(iso, elf, function) for name, function in WINDOWS.items()}
    runs["df"] = double_fault_from_ring_3(iso, elf)
    print(json.dumps(runs))


main()
