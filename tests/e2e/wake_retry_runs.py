"""Run inside gdb by tests/e2e/test_wake_retry.py (not a test itself).

QEMU's ICR is never busy, so arch_wake_cpu()'s retry loop (chips/x86_64/
smp.c) never retries on its own. Here gdb makes it: a hardware breakpoint
on each call to lapic_send_fixed() in arch_wake_cpu() (the first try)
and in wake_retry() (the others, out of line) skips the call and sets
its result to false, exactly what a send that found the ICR busy through
all its polls returns. Only wake-ups knocked by kernel/xcall.c are failed
(the caller is read from the stack); others pass untouched. Two more
breakpoints only watch: arch_wake_cpu()'s entry (a wake-up begins) and
the wake-up IPI's handler (it arrived). None stops the guest for long:
their stop() returns False.

One boot of the product image with 2 CPUs, three phases, each driving the
shell on the serial line:
  a. the first FAILS sends of xcall wake-ups fail (the test gives
     SMP_WAKE_TRIES - 1), then they pass: `on 1 echo retried` (one knock
     on CPU 1: the IPI that arrives there is the retry's), `ping`, `cpus`;
  b. every try of every xcall wake-up fails: `ping`, `cpus`;
  c. the breakpoint that fails them removed: `on 1 echo back`, `ping` (again
     while phase b's round is still open), `cpus`.
After each, the guest is stopped and gdb reads smp_wake_send_retries and
smp_wake_send_failures. Prints one JSON line for the test to check.
"""
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path as cp  # noqa: E402

# capsules/smp_commands.c: a ping before the last round ended.
PING_BUSY = "ping: the last round's knocks are not all answered yet\n"
SHELL_TIMEOUT = 30  # seconds (times KNOCK_TIMEOUT_SCALE): gdb stops the guest on each send


def current_cpu(gdb):
    """The vCPU that hit the breakpoint: QEMU's gdb stub numbers its
    threads from 1, CPU index 0 first."""
    return gdb.selected_thread().num - 1


def observer(gdb, address, on_hit):
    """A hardware breakpoint at `address` that calls on_hit() and lets the
    guest run on."""
    class Bp(gdb.Breakpoint):
        def stop(self):
            on_hit()
            return False

    return Bp(f"*{address:#x}", gdb.BP_HARDWARE_BREAKPOINT, internal=True)


class Events:
    """One log, in the order gdb saw them, of
      wake  arch_wake_cpu()'s entry (cpu: the sender, caller);
      send  its call to lapic_send_fixed(), failed here or let through;
      ipi   the wake-up IPI's handler entered (cpu: the receiver).
    Sends of wake-ups knocked from kernel/xcall.c are failed while
    `budget` lasts (None: forever): the call is skipped and its result
    set to false (al = 0, the pc past the call), as a send whose ICR
    stayed busy returns."""

    XCALL = ("knock", "xcall_set", "handover")  # kernel/xcall.c's callers

    def __init__(self, gdb, target):
        self.gdb, self.t = gdb, target
        self.log = []
        self.budget = 0
        self.failer = None

    def caller(self, return_address):
        return cp.block_function(self.gdb, return_address - 1)

    def wake(self):
        ret = self.t.read_u64(self.t.register("rsp"))
        self.log.append({"kind": "wake", "cpu": current_cpu(self.gdb), "caller": self.caller(ret)})

    def send(self, after_call, depth):
        # arch_wake_cpu() keeps its frame pointer: its return address is at
        # rbp + 8; from wake_retry() (depth 1), one saved rbp further up.
        frame = self.t.register("rbp")
        for _ in range(depth):
            frame = self.t.read_u64(frame)
        caller = self.caller(self.t.read_u64(frame + 8))
        event = {"kind": "send", "cpu": current_cpu(self.gdb), "caller": caller,
                 "apic_id": self.t.register("rdi") & 0xFFFFFFFF, "failed": False}
        if caller in self.XCALL and (self.budget is None or self.budget > 0):
            self.gdb.execute("set $rax = 0", to_string=True)
            self.gdb.execute(f"set $pc = {after_call:#x}", to_string=True)
            event["failed"] = True
            if self.budget is not None:
                self.budget -= 1
        self.log.append(event)

    def ipi(self):
        self.log.append({"kind": "ipi", "cpu": current_cpu(self.gdb)})

    def install(self, s):
        observer(self.gdb, s.symbols.lookup("arch_wake_cpu").address, self.wake)
        observer(self.gdb, s.symbols.lookup("wakeup_ipi_entry").address, self.ipi)
        self.failers = [observer(self.gdb, call, lambda a=after_call, d=depth: self.send(a, d))
                        for call, after_call, depth in send_calls(s)]

    def stop_failing(self):
        for bp in self.failers:
            bp.delete()


def send_calls(s):
    """[(address of a call to lapic_send_fixed, the next instruction's,
    frames below arch_wake_cpu's)] for arch_wake_cpu() (one call: the
    first try) and wake_retry() (the retries, which GCC may unroll), from
    objdump."""
    found = []
    for depth, name in enumerate(("arch_wake_cpu", "wake_retry")):
        fn = s.symbols.lookup(name)
        addresses = s.disasm.range_addresses(fn.address, fn.address + fn.size)
        calls = [a for a in addresses if s.disasm.mnemonic(a) == "call"
                 and s.disasm.at(a).endswith("<lapic_send_fixed>")]
        if not calls or (depth == 0 and len(calls) != 1):
            raise cp.CountError(f"{name} has {len(calls)} calls to lapic_send_fixed")
        found += [(a, addresses[addresses.index(a) + 1], depth) for a in calls]
    return found


def main():
    iso, elf, fails = sys.argv[1], sys.argv[2], int(sys.argv[3])
    import gdb
    result = {}
    with cp.Session(iso, elf, smp=2, timeout=4 * SHELL_TIMEOUT) as s:
        t = s.target
        retries = s.symbols.lookup("smp_wake_send_retries").address
        failures = s.symbols.lookup("smp_wake_send_failures").address

        def counters():
            return {"retries": t.read_u64(retries), "failures": t.read_u64(failures)}

        events = Events(gdb, t)
        events.install(s)

        def shell(command):
            """The command's answer; a `ping` that finds the last round
            still open (a CPU slept through its knock) is asked again
            until that round ends, within the timeout."""
            deadline = time.monotonic() + SHELL_TIMEOUT * s.kq.TIMEOUT_SCALE
            while True:
                answer = s.vm.shell(command, timeout=SHELL_TIMEOUT)
                if answer != PING_BUSY or time.monotonic() > deadline:
                    return answer

        def phase(name, budget, commands):
            """Run `commands` at the shell with `budget` sends to fail."""
            events.budget = budget
            events.log = []
            answers = {}

            def helper():
                for command in commands:
                    answers[command] = shell(command)
                return True

            before = counters()
            s._run(helper, f"phase {name}")
            result[name] = {"before": before, "after": counters(), "answers": answers,
                            "events": list(events.log)}

        result["initial"] = counters()
        phase("a", fails, ["on 1 echo retried", "ping", "cpus"])
        phase("b", None, ["ping", "cpus"])
        events.stop_failing()
        phase("c", 0, ["on 1 echo back", "ping", "cpus"])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    cp.gdb_script_main(main)
