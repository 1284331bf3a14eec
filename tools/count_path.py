#!/usr/bin/python3
"""Count the guest instructions on a path of the real kernel, from outside.

Nothing runs in the guest: QEMU's gdb stub (`-gdb unix:...`) is driven by
Debian's gdb and its Python API. A hardware breakpoint stops the CPU at the
path's first instruction (a software one would be an int3 written into the
kernel, and GRUB loads the kernel over memory that gdb may have patched; see
tools/gdbinit), then `stepi` runs one instruction at a time, counting, until
a stop condition holds. QEMU's stub single-steps with interrupts and timers
masked (its default `qqemu.sstep` mode), so nothing else runs in between:
the count is the path's own. Under `-icount shift=0,sleep=off` a run
repeats exactly.

Stop conditions (combine them):

  Reach(label, addresses)      the CPU arrives at one of the addresses (that
                               instruction is not counted: "to the client's
                               first instruction")
  Executed(label, addresses)   an instruction at one of the addresses has run
  PortWritten(label, port)     an `out` to the I/O port has run
  Written(label, watch)        a write hit the named gdb watchpoint
  Left(label, addresses)       the CPU is at an address outside the set
  FirstOf(label, conditions)   the earliest of them
  LaterOf(label, conditions)   all of them have held: the later of them

A walk that reaches `hlt` before its stop condition holds fails with
PathHalts (single-stepping with interrupts masked, `hlt` never returns);
one that takes more than its step cap fails with PathTooLong, naming the
last instructions it ran.

Two ways to use it:

  - as a module inside gdb (`gdb -batch -nx -x script.py`; tools/bench_paths.py
    does): Symbols, Disassembly, the conditions and GdbTarget/walk();
  - as a command for one path:

      tools/count_path.py --iso build/knock.iso --elf build/knock.elf \\
          --start top_half_keyboard --key a --until-return

    which re-runs itself inside gdb, boots the ISO under icount, waits for
    the shell, triggers the path (a key pressed through QMP
    input-send-event, or text on the serial line) and prints the count as
    JSON.

The pure parts (symbols, disassembly, conditions, walk over any target)
need no gdb and are tested by tools/tests/test_count_path.py.
"""
import argparse
import bisect
import difflib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ICOUNT = "shift=0,sleep=off"
DEFAULT_CAP = 20000
COM1_THR = 0x3F8


class CountError(Exception):
    """A path that could not be counted, and why."""


class PathTooLong(CountError):
    pass


class PathHalts(CountError):
    pass


# --- symbols -----------------------------------------------------------------

@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int  # 0 when nm knows none (assembly labels)
    kind: str  # nm's type letter


class Symbols:
    """The ELF's symbols, from `nm -S --defined-only` (or its text)."""

    LINE = re.compile(r"^([0-9a-fA-F]+)(?: ([0-9a-fA-F]+))? (\w) (\S+)$")

    def __init__(self, nm_text):
        self.by_name = {}
        for line in nm_text.splitlines():
            m = self.LINE.match(line.strip())
            if not m:
                continue
            sym = Symbol(m.group(4), int(m.group(1), 16), int(m.group(2) or "0", 16), m.group(3))
            self.by_name.setdefault(sym.name, []).append(sym)
        self._functions = sorted((s for syms in self.by_name.values() for s in syms
                                  if s.kind in "tT"), key=lambda s: s.address)
        self._starts = [s.address for s in self._functions]

    @classmethod
    def from_elf(cls, elf):
        try:
            out = subprocess.run(["nm", "-S", "--defined-only", str(elf)], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise CountError(f"nm on {elf}: {e}") from e
        return cls(out)

    def lookup(self, name):
        """The one symbol called `name`; a clear error if there is none
        (with the closest names) or several (static functions of the same
        name in different files)."""
        syms = self.by_name.get(name)
        if not syms:
            close = difflib.get_close_matches(name, self.by_name, n=4)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise CountError(f"no symbol {name!r} in the kernel ELF{hint}")
        if len({s.address for s in syms}) > 1:
            where = ", ".join(f"{s.address:#x}" for s in syms)
            raise CountError(f"symbol {name!r} is ambiguous: {len(syms)} definitions at {where}; "
                             "give an address instead")
        return syms[0]

    def resolve(self, spec):
        """An address from "0x1234", "name" or "name+0x10"."""
        spec = spec.strip()
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", spec):
            return int(spec, 16)
        m = re.fullmatch(r"([A-Za-z_.$][\w.$]*)(?:\+(0[xX][0-9a-fA-F]+|\d+))?", spec)
        if not m:
            raise CountError(f"cannot read {spec!r} as an address: give 0x..., a symbol "
                             "or symbol+offset")
        return self.lookup(m.group(1)).address + int(m.group(2) or "0", 0)

    def describe(self, address):
        """"name+0xoff" of the function holding `address` (best effort)."""
        i = bisect.bisect_right(self._starts, address) - 1
        if i < 0:
            return f"{address:#x}"
        sym = self._functions[i]
        start = sym.address
        if sym.size and address >= start + sym.size:
            return f"{address:#x}"
        return sym.name if address == start else f"{sym.name}+{address - start:#x}"


# --- disassembly --------------------------------------------------------------

class Disassembly:
    """Every instruction of the ELF's code, from `objdump -d -M intel`: what
    the walk checks before a step (`hlt`, `out`) without asking the guest."""

    LINE = re.compile(r"^\s*([0-9a-f]+):\s+(.*?)\s*$")

    def __init__(self, objdump_text):
        self.text = {}
        for line in objdump_text.splitlines():
            m = self.LINE.match(line)
            if m and m.group(2) and not m.group(2).startswith("(bad)"):
                self.text[int(m.group(1), 16)] = m.group(2)
        self.addresses = sorted(self.text)

    @classmethod
    def from_elf(cls, elf):
        try:
            out = subprocess.run(["objdump", "-d", "-M", "intel", "--no-show-raw-insn",
                                  str(elf)], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise CountError(f"objdump on {elf}: {e}") from e
        return cls(out)

    def at(self, address):
        return self.text.get(address, "")

    def mnemonic(self, address):
        words = self.at(address).split()
        while words and words[0] in ("lock", "rep", "repz", "repnz", "repe", "repne", "bnd"):
            words = words[1:]
        return words[0] if words else ""

    def previous(self, address):
        """The instruction just before `address`, as (address, text)."""
        i = bisect.bisect_left(self.addresses, address) - 1
        return (self.addresses[i], self.text[self.addresses[i]]) if i >= 0 else (None, "")

    def follows_hlt(self, address):
        """Whether `address` is right after a `hlt`: where an interrupt
        that woke an idle CPU returns to."""
        return self.previous(address)[1] == "hlt"

    def out_port(self, address, read_register):
        """The port an `out` at `address` writes (None for other
        instructions); read_register("rdx") is asked only for `out dx,...`."""
        if self.mnemonic(address) != "out":
            return None
        operand = self.at(address).split(None, 1)[1].split(",")[0].strip()
        if operand == "dx":
            return read_register("rdx") & 0xFFFF
        return int(operand, 0)

    def range_addresses(self, start, end):
        """The instruction addresses in [start, end)."""
        lo = bisect.bisect_left(self.addresses, start)
        hi = bisect.bisect_left(self.addresses, end)
        return self.addresses[lo:hi]


# --- stop conditions ----------------------------------------------------------

@dataclass
class Step:
    """What one step did: `count` steps taken so far, the CPU now at `pc`
    after running the instruction at `ran` (None before the first step),
    which wrote `port` (an `out`) and hit the watchpoints in `watch`."""
    count: int
    pc: int
    ran: int = None
    port: int = None
    watch: frozenset = field(default_factory=frozenset)


class Condition:
    """Holds from the first step it sees its event; `at` is that step's
    count (None while it has not held)."""

    def __init__(self, label):
        self.label = label
        self.at = None
        self.ran = None  # the instruction that made it hold

    def observe(self, step):
        if self.at is None and self.event(step):
            self.at, self.ran = step.count, step.ran
        return self.at is not None

    def event(self, step):
        raise NotImplementedError

    def times(self):
        """{label: step count or None} of this condition and its parts."""
        return {self.label: self.at}

    def instructions(self):
        """{label: address of the instruction that made it hold}."""
        return {self.label: self.ran}


class Reach(Condition):
    def __init__(self, label, addresses):
        super().__init__(label)
        self.addresses = frozenset(addresses)
        if not self.addresses:
            raise CountError(f"{label}: no address to reach")

    def event(self, step):
        return step.pc in self.addresses


class Executed(Condition):
    def __init__(self, label, addresses):
        super().__init__(label)
        self.addresses = frozenset(addresses)

    def event(self, step):
        return step.ran in self.addresses


class Left(Condition):
    def __init__(self, label, addresses):
        super().__init__(label)
        self.addresses = frozenset(addresses)

    def event(self, step):
        return step.pc not in self.addresses


class PortWritten(Condition):
    def __init__(self, label, port):
        super().__init__(label)
        self.port = port

    def event(self, step):
        return step.port == self.port


class Written(Condition):
    def __init__(self, label, watch):
        super().__init__(label)
        self.watch = watch

    def event(self, step):
        return self.watch in step.watch


class _Combined(Condition):
    def __init__(self, label, conditions):
        super().__init__(label)
        self.parts = list(conditions)
        if not self.parts:
            raise CountError(f"{label}: no conditions to combine")

    def times(self):
        t = {self.label: self.at}
        for c in self.parts:
            t.update(c.times())
        return t

    def instructions(self):
        t = {self.label: self.ran}
        for c in self.parts:
            t.update(c.instructions())
        return t


class FirstOf(_Combined):
    def observe(self, step):
        held = [c.observe(step) for c in self.parts]  # every part sees every step
        if self.at is None and any(held):
            self.at, self.ran = step.count, step.ran
        return self.at is not None


class LaterOf(_Combined):
    def observe(self, step):
        held = [c.observe(step) for c in self.parts]
        if self.at is None and all(held):
            self.at, self.ran = step.count, step.ran
        return self.at is not None


# --- the walk -----------------------------------------------------------------

@dataclass
class Walk:
    steps: int           # instructions run from the start to the stop
    counted: int         # of those, the ones count_if accepted
    times: dict          # {condition label: step count when it held}
    instructions: dict   # {condition label: address of the instruction that made it hold}
    end_pc: int
    marks: dict = field(default_factory=dict)  # {label: step count} of the marks
    idle_stops: int = 0  # stops that ran no instruction (not counted)
    trail: list = field(default_factory=list)  # the address of every instruction run


def walk(target, stop, cap=DEFAULT_CAP, disasm=None, count_if=None, marks=(), describe=hex):
    """Single-step `target` (step(), pc(), register(name), watch_hits())
    until `stop` holds; return a Walk. `marks` are conditions recorded on
    the way without stopping the walk; count_if(address) picks which run
    instructions `counted` counts (default: all)."""
    marks = list(marks)
    pc = target.pc()
    step = Step(0, pc)
    for m in marks:
        m.observe(step)
    trail = []
    steps = counted = idle_stops = 0
    while not stop.observe(step):
        if steps >= cap:
            last = " ".join(describe(a) for a in trail[-8:])
            raise PathTooLong(f"step cap {cap} reached before {stop.label} "
                              f"(last instructions: {last}); raise the cap or check the "
                              "stop condition")
        if disasm is not None and disasm.mnemonic(pc) == "hlt":
            raise PathHalts(f"the path reached hlt at {describe(pc)} after {steps} "
                            f"instructions, before {stop.label}")
        port = disasm.out_port(pc, target.register) if disasm is not None else None
        target.step()
        new_pc = target.pc()
        if new_pc == pc and not disasm_repeats(disasm, pc):
            # A stop that ran nothing: QEMU reports a watchpoint's debug
            # exception once more after the step that hit it.
            idle_stops += 1
            continue
        steps += 1
        if count_if is None or count_if(pc):
            counted += 1
        trail.append(pc)
        ran, pc = pc, new_pc
        step = Step(steps, pc, ran, port, frozenset(target.watch_hits()))
        for m in marks:
            m.observe(step)
    times = stop.times()
    return Walk(steps, counted, times, stop.instructions(), pc,
                {k: v for m in marks for k, v in m.times().items()}, idle_stops, trail)


def profile(trail, symbols):
    """{function: instructions run in it} along a walk's trail, most
    first: where a path spends its instructions (by nm's symbols, so an
    inlined function counts in the function it was inlined into)."""
    counts = {}
    for address in trail:
        name = symbols.describe(address).split("+")[0]
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def disasm_repeats(disasm, address):
    """Whether the instruction at `address` may leave the CPU where it was
    after one step: a rep-prefixed string instruction (one iteration a
    step) or a jump to itself."""
    if disasm is None:
        return True
    text = disasm.at(address)
    return text.startswith("rep") or text.endswith(f"{address:x}") and text.startswith("j")


# --- gdb ----------------------------------------------------------------------

class GdbTarget:
    """The guest CPU through gdb's Python API (only inside gdb)."""

    def __init__(self, gdb_module):
        self.gdb = gdb_module
        self.watches = {}  # label -> gdb.Breakpoint
        self._seen = {}

    def pc(self):
        return int(self.gdb.parse_and_eval("$pc")) & (1 << 64) - 1

    def register(self, name):
        return int(self.gdb.parse_and_eval(f"${name}")) & (1 << 64) - 1

    def read_u64(self, address):
        data = self.gdb.selected_inferior().read_memory(address, 8)
        return int.from_bytes(bytes(data), "little")

    def step(self):
        self.gdb.execute("stepi", to_string=True)

    def watch(self, label, expression):
        """A write watchpoint on `expression` (an lvalue, e.g.
        "*(char(*)[4000])0xb8000"), checked through its hit count."""
        bp = self.gdb.Breakpoint(expression, self.gdb.BP_WATCHPOINT, self.gdb.WP_WRITE,
                                 internal=True)
        self.watches[label] = bp
        self._seen[label] = bp.hit_count
        return bp

    def watch_hits(self):
        hit = []
        for label, bp in self.watches.items():
            if bp.hit_count != self._seen[label]:
                self._seen[label] = bp.hit_count
                hit.append(label)
        return hit

    def clear_watches(self):
        for bp in self.watches.values():
            bp.delete()
        self.watches.clear()
        self._seen.clear()

    def hbreak(self, address):
        return self.gdb.Breakpoint(f"*{address:#x}", self.gdb.BP_HARDWARE_BREAKPOINT,
                                   internal=True)

    def interrupt_frame_rip(self):
        """The return address of an interrupt just taken (no error code):
        the first word of the frame the CPU pushed."""
        return self.read_u64(self.register("rsp"))


def inline_sites(gdb_module, function, caller):
    """The first address of each copy of `function` inlined into `caller`,
    from the DWARF blocks gdb reads (gdb puts a breakpoint location at
    each inlined copy)."""
    bp = gdb_module.Breakpoint(function, internal=True)
    try:
        addresses = [loc.address for loc in bp.locations]
    finally:
        bp.delete()
    sites = []
    for address in addresses:
        block = gdb_module.block_for_pc(address)
        chain = []
        while block is not None:
            if block.function is not None:
                chain.append(block.function.name)
            block = block.superblock
        if caller in chain[1:]:
            sites.append(address)
    return sites


def block_function(gdb_module, address):
    """The innermost function (inlined or not) gdb attributes `address` to."""
    block = gdb_module.block_for_pc(address)
    while block is not None and block.function is None:
        block = block.superblock
    return block.function.name if block is not None else None


def inlined_extent(gdb_module, address):
    """(start, end) of the innermost function block holding `address`."""
    block = gdb_module.block_for_pc(address)
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        raise CountError(f"no function block at {address:#x}")
    return block.start, block.end


def load_harness():
    """tests/e2e/knock_qemu.py (standard library only), imported by path."""
    harness_dir = str(REPO / "tests" / "e2e")
    if harness_dir not in sys.path:
        sys.path.insert(0, harness_dir)
    import knock_qemu  # pylint: disable=import-outside-toplevel
    return knock_qemu


class Session:
    """Inside gdb: one QEMU booting the ISO under icount with its gdb stub
    on a unix socket, up to the shell's prompt, then gdb attached (which
    stops the guest). stop_at() runs the guest to a hardware breakpoint
    while a helper thread triggers the path; settle() lets it run until it
    sleeps again; walk() (above) does the counting."""

    def __init__(self, iso, elf, cmdline=None, timeout=None, busy=False, extra_args=(),
                 smp=1):
        import gdb
        self.smp = smp  # vCPUs (-smp): the wait for the prompt watches CPU 0
        self.extra_args = list(extra_args)  # more QEMU options (devices)
        self.gdb = gdb
        self.busy = busy  # the guest never sleeps (a process spins): never wait for hlt
        self.kq = load_harness()
        self.iso, self.elf = Path(iso), Path(elf)
        self.cmdline = cmdline
        self.timeout = (timeout or self.kq.STEP_TIMEOUT * 4) * self.kq.TIMEOUT_SCALE
        self.symbols = Symbols.from_elf(elf)
        self.disasm = Disassembly.from_elf(elf)
        self.target = GdbTarget(gdb)
        self.vm = None

    def __enter__(self):
        import tempfile
        self._dir = tempfile.mkdtemp(prefix="knock-gdb-")
        sock = os.path.join(self._dir, "gdb.sock")
        self.vm = self.kq.Knock(self.iso, cmdline=self.cmdline, icount=ICOUNT, name="count",
                                smp=self.smp,
                                extra_args=["-gdb", f"unix:{sock},server=on,wait=off"]
                                + self.extra_args)
        try:
            self.vm.start()
            # icount runs the guest slower than plain TCG.
            self.vm.wait_shell(2 * self.kq.BOOT_TIMEOUT)
            if not self.busy:
                self.vm.wait_cpu_halted()
            for command in ("set pagination off", "set confirm off", "set width 0",
                            "set architecture i386:x86-64", f"file {self.elf}",
                            f"target remote {sock}"):
                self.gdb.execute(command, to_string=True)
            self.sstep = self.mask_interrupts_while_stepping()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    # QEMU's single-step flags (gdbstub.c): step, without IRQs, without timers.
    SSTEP_MASKED = 0x7

    def mask_interrupts_while_stepping(self):
        """Make sure QEMU steps with interrupts and timers masked (its
        default, set here rather than assumed): the count is then the
        path's own. Returns the flags QEMU reports."""
        self.gdb.execute(f"maint packet Qqemu.sstep={self.SSTEP_MASKED:#x}", to_string=True)
        reply = self.gdb.execute("maint packet qqemu.sstep", to_string=True)
        m = re.search(r"received: \"(?:sstep=)?(0x[0-9a-fA-F]+)\"", reply)
        if not m or int(m.group(1), 16) != self.SSTEP_MASKED:
            raise CountError(f"QEMU's gdb stub would not single-step with interrupts and "
                             f"timers masked: {reply.strip()!r}")
        return int(m.group(1), 16)

    def close(self):
        import shutil
        try:
            self.gdb.execute("detach", to_string=True)
        except self.gdb.error:
            pass
        if self.vm:
            self.vm.kill()
        shutil.rmtree(getattr(self, "_dir", ""), ignore_errors=True)

    def press(self, qcode):
        """Press a key (QMP input-send-event, key down) and never release
        it: send-key would release it on a QEMU timer, a second interrupt
        that can land while the next path is being counted. The guest
        takes a second press of a held key as a repeat."""
        event = {"type": "key", "data": {"down": True, "key": {"type": "qcode", "data": qcode}}}
        self.vm.qmp.command("input-send-event", {"events": [event]})

    def _interrupt(self):
        """From the helper thread: have gdb stop the guest (gdb's own
        thread runs it, as the API requires)."""
        def interrupt():
            try:
                self.gdb.execute("interrupt", to_string=True)
            except self.gdb.error:
                pass  # already stopped
        self.gdb.post_event(interrupt)

    def _running(self):
        return self.vm.qmp.command("query-status").get("status") == "running"

    def _run(self, helper, what, done=lambda: False):
        """`continue` in gdb while `helper` runs in a thread once the guest
        runs, until done() or the helper returns True (the guest is then
        stopped as gdb's `interrupt` would). Stops for anything else (a
        stray debug trap) are resumed. A helper that fails, or a run that
        lasts longer than the timeout, is stopped the same way and
        reported."""
        import threading
        import time
        failure = []
        asked = threading.Event()
        finished = threading.Event()

        def run_helper():
            deadline = time.monotonic() + self.timeout
            try:
                while not self._running():
                    if finished.is_set():
                        return
                    if time.monotonic() > deadline:
                        raise CountError("the guest never ran after `continue`")
                if helper() is True:
                    asked.set()
                    self._interrupt()
                    return
            except Exception as e:  # reported by the main thread
                failure.append(e)
                asked.set()
                self._interrupt()
                return
            if not finished.wait(max(deadline - time.monotonic(), 0.1)):
                failure.append(CountError(f"{what}: nothing within {self.timeout:.0f} s"))
                asked.set()
                self._interrupt()

        thread = threading.Thread(target=run_helper, daemon=True, name="count-helper")
        thread.start()
        try:
            while True:
                try:
                    self.gdb.execute("continue", to_string=True)
                except self.gdb.error as e:
                    failure.append(CountError(f"{what}: gdb: {e}"))
                if failure or asked.is_set() or done():
                    break
        finally:
            finished.set()
            thread.join()
        if failure:
            e = failure[0]
            if isinstance(e, CountError):
                raise CountError(f"{e}\n{self.vm.describe()}")
            raise CountError(f"{what}: {e}\n{self.vm.describe()}")

    def settle(self):
        """Let the guest run until its CPU sleeps in `hlt` (QMP's view),
        then stop it again."""
        self._run(lambda: self.vm.wait_cpu_halted() or True, "waiting for the CPU to idle")

    def settle_busy(self, tries=20):
        """settle() for a guest that never sleeps (--busy): let it run a
        moment and stop it, until it stops in ring 3 (its process
        spinning). A trigger pressed while the kernel was still answering
        the last one came in through the kernel's gate, not the user IDT's
        the path starts at, and the count then waited for nothing."""
        import time
        for _ in range(tries):
            self._run(lambda: time.sleep(0.05) or True, "letting the busy guest run")
            if self.target.register("cs") & 3 == 3:
                return
        raise CountError(f"the busy guest was in the kernel at each of {tries} stops")

    def stop_at(self, address, trigger=None):
        """Run the guest until it reaches `address` (a hardware breakpoint),
        calling trigger() once it runs."""
        bp = self.target.hbreak(address)
        try:
            self._run(lambda: trigger() if trigger else None,
                      f"waiting for {self.symbols.describe(address)}",
                      done=lambda: self.target.pc() == address)
        finally:
            bp.delete()

    def interrupted_idle(self):
        """At an interrupt's first instruction: whether the CPU was asleep
        in `hlt` when it came, and where it will return to."""
        rip = self.target.interrupt_frame_rip()
        return self.disasm.follows_hlt(rip), rip


# --- the command ---------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="count_path.py",
        description="Count the guest instructions from a start address to a stop condition, "
                    "single-stepping the real ISO with gdb (no code in the guest).")
    ap.add_argument("--iso", default=str(REPO / "build" / "knock.iso"))
    ap.add_argument("--elf", default=str(REPO / "build" / "knock.elf"))
    ap.add_argument("--cmdline", default=None, help="kernel options (fw_cfg)")
    ap.add_argument("--start", required=True, help="symbol, symbol+off or 0x address")
    ap.add_argument("--until", action="append", default=[],
                    help="stop on reaching this address (repeat: the first one reached)")
    ap.add_argument("--until-all", action="append", default=[],
                    help="stop once all of these were reached (the later of them)")
    ap.add_argument("--until-return", action="store_true",
                    help="stop when the interrupted code resumes (the start must be an "
                         "interrupt's first instruction)")
    ap.add_argument("--key", help="trigger: press this QMP qcode (e.g. a, ret)")
    ap.add_argument("--serial", help="trigger: type this on the serial line (\\r is Enter)")
    ap.add_argument("--cap", type=int, default=DEFAULT_CAP, help="most steps to take")
    ap.add_argument("--repeat", type=int, default=1, help="count the path this many times")
    ap.add_argument("--busy", action="store_true",
                    help="the guest never idles (a process spins in ring 3): attach and "
                         "repeat without waiting for its CPU to halt")
    ap.add_argument("--trace", action="store_true",
                    help="also list every instruction run (each run's \"trace\": "
                         "symbol+offset and its disassembly), to see where a path goes")
    args = ap.parse_args(argv)
    if not (args.until or args.until_all or args.until_return):
        ap.error("give a stop condition: --until, --until-all or --until-return")
    if not (args.key or args.serial):
        ap.error("give a trigger: --key or --serial")
    return args


def failure_text(output, tail=30, head=12):
    """What a failed gdb run printed, for the error: its last lines, and
    before them the first lines of the error itself (count_path's message
    or a traceback), which a long serial log in the message would
    otherwise push out of the tail."""
    lines = output.strip().splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.startswith(("count_path:", "Traceback"))), None)
    if start is None or start >= len(lines) - tail:
        return "\n".join(lines[-tail:])
    return "\n".join(lines[start:start + head] + ["[...]"] + lines[-tail:])


def run_in_gdb(script, argv, timeout=600):
    """Run `script` (a Python file) inside gdb in batch mode with sys.argv =
    argv; return its stdout's last line that starts with "{" as JSON."""
    cmd = ["gdb", "-q", "-batch", "-nx",
           "-ex", f"python import sys; sys.argv = {[str(script)] + list(argv)!r}",
           "-x", str(script)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        raise CountError("gdb is not installed (apt-get install gdb)") from e
    except subprocess.TimeoutExpired as e:
        raise CountError(f"gdb did not finish within {timeout} s: {' '.join(cmd)}") from e
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        raise CountError(f"gdb exited with status {p.returncode}:\n{failure_text(p.stdout + p.stderr)}")
    return json.loads(lines[-1])


def count_command(args):
    """Inside gdb: boot, then count the path args describe."""
    with Session(args.iso, args.elf, cmdline=args.cmdline, busy=args.busy) as s:
        results = []
        for n in range(args.repeat):
            if args.busy:
                s.settle_busy()
            elif n:
                s.settle()
            start = s.symbols.resolve(args.start)
            conditions = []
            if args.until:
                conditions.append(Reach("until", [s.symbols.resolve(a) for a in args.until]))
            if args.until_all:
                conditions.append(LaterOf("until_all", [
                    Reach(a, [s.symbols.resolve(a)]) for a in args.until_all]))
            if args.key:
                def trigger():
                    s.press(args.key)
            else:
                def trigger():
                    s.vm.serial_write(args.serial.replace("\\r", "\r").encode())
            s.stop_at(start, trigger)
            if args.until_return:
                conditions.append(Reach("return", [s.target.interrupt_frame_rip()]))
            stop = conditions[0] if len(conditions) == 1 else FirstOf("stop", conditions)
            w = walk(s.target, stop, args.cap, s.disasm, describe=s.symbols.describe)
            results.append({"instructions": w.steps, "times": w.times,
                            "end": s.symbols.describe(w.end_pc),
                            "profile": profile(w.trail[:w.steps], s.symbols)})
            if args.trace:
                results[-1]["trace"] = [f"{s.symbols.describe(a)}: {s.disasm.at(a)}"
                                        for a in w.trail[:w.steps]]
    return {"start": args.start, "counts": [r["instructions"] for r in results],
            "runs": results}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        import gdb  # noqa: F401
    except ImportError:
        args = parse_args(argv)  # errors in the arguments before starting gdb
        try:
            print(json.dumps(run_in_gdb(Path(__file__).resolve(), argv), indent=2))
        except CountError as e:
            print(f"count_path: {e}", file=sys.stderr)
            return 1
        return 0
    args = parse_args(argv)
    try:
        result = count_command(args)
    except CountError as e:
        print(f"count_path: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def gdb_script_main(main_fn):
    """Run main_fn() as a gdb batch script: gdb exits with its status, and
    with 1 and the traceback on any exception (gdb itself would carry on
    and exit 0)."""
    try:
        import gdb
    except ImportError:
        sys.exit(main_fn())
    try:
        status = main_fn()
    except BaseException:  # noqa: B902 - anything, reported and fatal
        import traceback
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    gdb.execute(f"quit {status}")


if __name__ == "__main__":
    gdb_script_main(main)
