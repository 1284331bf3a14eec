#!/usr/bin/python3
"""The bake-off: knock's interrupt design against two others, on the same
workload, measured in one run (issue 5; docs/bakeoff.md is its report).

  tools/bakeoff.py --iso build/knock-lab.iso --elf build/knock-lab.elf \\
      [--json build/bakeoff.json] [--doc docs/bakeoff.md] [--png docs/bakeoff.png]

`make bench` runs it through tools/bench.py (bench_figures() below), which
adds its figures to build/bench.json and regenerates docs/bakeoff.md and
docs/bakeoff.png; run alone it does the same and writes its own JSON.

The designs (boot option design=, board/pc/design.h):
  knock     top halves only set a bit; the loop runs the drivers.
  inisr     the whole driver runs in the interrupt handler, interrupts off;
            the loop runs its callbacks with interrupts off too.
  isrqueue  the handler reads the device's event into a bounded queue; the
            loop drains it, interrupts off around each pop; full: dropped.

One QEMU boot per design, all under -icount shift=0,sleep=off (the guest
TSC counts instructions), with OPTIONS below. The guest runs its half of
the workload (capsules/lab/bakeoff_load.h: a 20 ms callback every 80 ms,
200 alarms, a serial sink). The rest, keys and serial bytes, comes from:

  --load world  (the default, what make bench uses) the guest itself: the
                boot option `world` plays a PS/2 keyboard and a serial
                line from HPET NMIs on a seeded schedule
                (chips/x86_64/lab/world.h), and this script only waits for
                the guest to say the load finished, touching nothing, so
                every run gives the same figures. What the world sent is
                checked against the seeded load computed here (world_keys,
                world_data).
  --load host   this script: the same keys through QMP, at most KEY_WINDOW
                keys ahead of what the guest has read (QEMU's PS/2 queue
                holds 16 bytes), then the same serial bytes, at host pace.

Then it stops the guest and reads the figures from guest memory
(board/pc/wire_bakeoff.h: a table found through the ELF symbol
board_bakeoff_export), so a design that lost its serial output still
reports.
"""
import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
import struct
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


sys.path.insert(0, str(REPO / "tests" / "e2e"))
import knock_qemu as kq  # noqa: E402

DESIGNS = ("knock", "knock-split", "inisr", "isrqueue")
DESIGN_TEXT = {
    "knock": "top halves only set a bit; the loop runs the drivers",
    "knock-split": "knock, the long callback split into 1 ms deferred calls",
    "inisr": "the driver runs in the interrupt handler; loop callbacks with interrupts off, "
             "long work with them on",
    "isrqueue": "the handler reads data into its source's ring (or raises a flag); a full ring "
                "throttles the source; the loop drains the rings",
}
KNOCKS = ("knock", "knock-split")  # knock's own top halves, no C handler
# The boot options that make each column (the kernel's design= and the
# load's burn=); every other option is knock's default.
DESIGN_OPTIONS = {
    "knock": "design=knock",
    "knock-split": "design=knock burn=split",
    "inisr": "design=inisr",
    "isrqueue": "design=isrqueue",
}
SOURCES = ("timer", "keyboard", "com1")        # the host-driven load's
WORLD_SOURCES = ("timer", "keyboard", "com2")  # the world's: its line is COM2
ICOUNT = "shift=0,sleep=off"
OPTIONS = "bakeoff stubs=stamped"
# The load make bench uses: "world" (the guest plays the keyboard and the
# serial line from HPET NMIs: chips/x86_64/lab/world.h), the same in every
# run; or "host" (keys through QMP and bytes through COM1's socket, at
# host pace: the figures differ from run to run).
LOADS = ("world", "host")
WORLD_OPTIONS = "world"
# HPET timers that deliver by FSB (MSI), for the world's NMIs; a second
# UART for its serial line (in loopback: nothing leaves it).
WORLD_QEMU_ARGS = ("-global", "hpet.msi=on", "-serial", "null", "-rtc", "base=2026-01-01T00:00:00,clock=vm", "-parallel", "none")
WORLD_KEYS = 300           # as board/pc/lab/wire_bakeoff.c's defaults
WORLD_BYTES = 64 * 1024
WORLD_KEY_RATE = 80
WORLD_TEXT_SEED, WORLD_SERIAL_SEED = 2026, 5  # capsules/lab/world_load.h
WORLD_TICK_NS = 43_400
WORLD_TIMEOUT = 240.0  # host seconds from the load's start to its end
MACHINE = "pc"
SEED = 5
KEYS = 300            # keys typed (Enter included), the same text for every design
KEY_RATE = 80         # keys per second, at most
KEY_WINDOW = 6        # keys typed and not yet read by the guest: 12 bytes < QEMU's 16
SERIAL_BYTES = 64 * 1024
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
QCODE = {" ": "spc", "\n": "ret"}
EXPORT_SYMBOL = "board_bakeoff_export"
EXPORT_MAGIC = b"knock-bakeoff-1\0"
# The image, .bss included, from 1 MiB up to the 8 MiB boot/linker.ld
# allows (with 64 CPUs' stacks its .bss alone is over 3 MiB).
KERNEL_BASE, KERNEL_SPAN = 0x100000, 0x700000
KIND_U32, KIND_U64, KIND_HIST = 4, 8, 0x100
# Waits, in seconds of host time (scaled by KNOCK_TIMEOUT_SCALE like the
# harness's). Under icount the guest runs slower than plain TCG.
LOAD_TIMEOUT = 2 * kq.BOOT_TIMEOUT
KEY_TIMEOUT = 10.0
SERIAL_TIMEOUT = 60.0
SINK_TIMEOUT = 15.0
TERMINATOR_RETRIES = 4
FINISH_TIMEOUT = 60.0
STALL_TIMEOUT = 4.0
POLL_S = 0.02  # between reads of a guest counter while waiting for it
LOAD_HEADER = REPO / "capsules" / "lab" / "bakeoff_load.h"


class Unmeasured(Exception):
    """The bake-off could not run, and why."""


# --- guest memory ----------------------------------------------------------

def export_address(elf):
    out = subprocess.run(["nm", str(elf)], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^([0-9a-f]+) [BbDd] {EXPORT_SYMBOL}$", out, re.M)
    if not m:
        raise Unmeasured(f"{elf} has no symbol {EXPORT_SYMBOL}")
    return int(m.group(1), 16)


class Memory:
    """A copy of the kernel image's memory, [1 MiB, 8 MiB), read with QMP
    pmemsave (the kernel is identity mapped: its pointers are physical)."""

    def __init__(self, vm):
        path = Path(tempfile.mkdtemp(prefix="knock-bakeoff-")) / "mem.bin"
        vm.qmp.command("pmemsave", {"val": KERNEL_BASE, "size": KERNEL_SPAN,
                                    "filename": str(path)}, timeout=30)
        self.data = path.read_bytes()
        path.unlink()
        path.parent.rmdir()

    def bytes(self, addr, n):
        off = addr - KERNEL_BASE
        if off < 0 or off + n > len(self.data):
            raise Unmeasured(f"address {addr:#x} is outside the kernel image")
        return self.data[off:off + n]

    def u64(self, addr):
        return struct.unpack("<Q", self.bytes(addr, 8))[0]

    def u32(self, addr):
        return struct.unpack("<I", self.bytes(addr, 4))[0]

    def string(self, addr):
        off = addr - KERNEL_BASE
        return self.data[off:self.data.index(b"\0", off)].decode()


def read_u64(vm, addr):
    """One 64-bit value of the running guest (HMP xp, physical)."""
    text = vm.qmp.hmp(f"xp /1gx {addr:#x}")
    m = re.search(r":\s*0x([0-9a-f]+)", text)
    if not m:
        raise Unmeasured(f"cannot read guest memory at {addr:#x}: {text!r}")
    return int(m.group(1), 16)


class Live:
    """The export table of a running guest: where each figure lives, to
    read single counters while the workload runs (64-bit ones)."""

    def __init__(self, vm, elf):
        self.vm = vm
        addr = export_address(elf)
        mem = Memory(vm)
        if mem.bytes(addr, 16) != EXPORT_MAGIC:
            raise Unmeasured("the bakeoff export table is not filled (was `bakeoff` on?)")
        count, table = mem.u64(addr + 16), mem.u64(addr + 24)
        self.entries = {}
        for i in range(count):
            entry = table + 32 * i
            self.entries[mem.string(mem.u64(entry))] = (mem.u64(entry + 8), entry)

    def address(self, name):
        return self.entries[name][0]

    def value(self, name):
        return read_u64(self.vm, self.entries[name][0])

    def at_start(self, name):
        return read_u64(self.vm, self.entries[name][1] + 24)


def read_figures(mem, addr, hist_fields):
    """{name: value or histogram dict} and {name: value at the load's start}
    from the export table (board/pc/wire_bakeoff.h)."""
    if mem.bytes(addr, 16) != EXPORT_MAGIC:
        raise Unmeasured("the bakeoff export table is not filled (was `bakeoff` on?)")
    count, table = mem.u64(addr + 16), mem.u64(addr + 24)
    buckets, sub_bits = mem.u64(addr + 32), mem.u64(addr + 40)
    values, at_start = {}, {}
    for i in range(count):
        entry = table + 32 * i
        name = mem.string(mem.u64(entry))
        value_at, kind = mem.u64(entry + 8), mem.u32(entry + 16)
        at_start[name] = mem.u64(entry + 24)
        if kind == KIND_U64:
            values[name] = mem.u64(value_at)
        elif kind == KIND_U32:
            values[name] = mem.u32(value_at)
        elif kind == KIND_HIST:
            values[name] = read_hist(mem, value_at, buckets, sub_bits)
        else:
            raise Unmeasured(f"figure {name}: unknown kind {kind:#x}")
    return values, at_start


# --- latency histograms (kernel/latency_hist.c, the same arithmetic) ---------

def read_hist(mem, addr, buckets, sub_bits):
    count, total, min_complement, high = struct.unpack("<QQQQ", mem.bytes(addr, 32))
    counts = struct.unpack(f"<{buckets}I", mem.bytes(addr + 32, 4 * buckets))
    low = (~min_complement) & (2**64 - 1) if count else 0
    return {"count": count, "sum": total, "min": low, "max": high if count else 0,
            "buckets": list(counts), "sub_bits": sub_bits}


def bucket_top(bucket, sub_bits, n_buckets):
    sub = 1 << sub_bits
    if bucket < sub:
        return bucket
    bucket = min(bucket, n_buckets - 1)
    shift = (bucket - sub) // sub
    low = (sub + (bucket - sub) % sub) << shift
    return low + (1 << shift) - 1


def percentile(h, per_mille):
    """As latency_hist_percentile(): the top of the bucket holding the rank,
    clamped to [min, max]; within 1/8 of the true value."""
    total = sum(h["buckets"])
    if total == 0:
        return 0
    rank = max(1, (total * per_mille + 999) // 1000)
    seen = 0
    n = len(h["buckets"])
    for b, c in enumerate(h["buckets"]):
        seen += c
        if seen >= rank:
            break
    v = h["max"] if b == n - 1 else bucket_top(b, h["sub_bits"], n)
    return min(max(v, h["min"]), h["max"])


# --- the workload ----------------------------------------------------------

def terminator():
    """The sink's terminator (capsules/lab/bakeoff_load.h); the guest also says
    it when the load starts, and the run checks the two agree."""
    m = re.search(r'^#define BAKEOFF_TERMINATOR "([^"]+)"', LOAD_HEADER.read_text(), re.M)
    if not m:
        raise Unmeasured(f"no BAKEOFF_TERMINATOR in {LOAD_HEADER}")
    return m.group(1).encode()


def typed_lines(rng, keys):
    """`echo <words>` lines adding up to `keys` keys, Enter included; only
    keys that make one press byte and one release byte (no Shift)."""
    lines, total = [], 0
    while total < keys:
        words = " ".join("".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 7)))
                         for _ in range(rng.randint(3, 6)))
        line = f"echo {words}"[:max(keys - total - 1, 6)].rstrip()
        lines.append(line)
        total += len(line) + 1
    return lines


def serial_data(rng, size, terminator):
    data = bytearray(rng.randbytes(size))
    # The sink ends at the terminator: it must not occur in the data, nor
    # be completed by the data's tail.
    while terminator in bytes(data) + terminator[:-1]:
        data = bytearray(rng.randbytes(size))
    return bytes(data)


def xorshift32(x):
    x ^= (x << 13) & 0xffffffff
    x ^= x >> 17
    x ^= (x << 5) & 0xffffffff
    return x


def world_keys(keys):
    """The characters the world types ('\n' for Enter), as
    capsules/lab/world_load.c's world_load_next_char() makes them: written
    again here, so that the shell's answers are checked against text knock
    did not compute."""
    x, out, left = WORLD_TEXT_SEED, [], keys

    def pick(lo, hi):
        nonlocal x
        x = xorshift32(x)
        return lo + x % (hi - lo + 1)

    while left:
        line = "echo"
        for _ in range(pick(3, 6)):
            n = pick(2, 7)
            line += " "
            for _ in range(n):
                x = xorshift32(x)
                line += ALPHABET[x % len(ALPHABET)]
        if len(line) + 1 > left:
            keep = left - 1 if left > 7 else 6
            line = line[:keep]
            while len(line) > 6 and line.endswith(" "):
                line = line[:-1]
        for ch in line + "\n":
            if not left:
                break
            out.append(ch)
            left -= 1
    return "".join(out)


def world_lines(keys):
    """The `echo` lines the world types in full (Enter included)."""
    return [line for line in world_keys(keys).split("\n")[:-1]]


def world_data(size):
    """The serial bytes the world sends before the terminator
    (world_load_next_serial()): the low byte of each xorshift32 step."""
    x, out = WORLD_SERIAL_SEED, bytearray(size)
    for i in range(size):
        x = xorshift32(x)
        out[i] = x & 0xff
    return bytes(out)


def key_events(ch):
    q = QCODE.get(ch, ch)
    return [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": q}}}
            for down in (True, False)]


TIMER_PERIOD_S = 0.001   # a periodic LAPIC tick at 1 kHz, the common rate
KEYBOARD_HOLDS = 16 + 1  # a PS/2 keyboard's own buffer, and the i8042's one byte
UART_BAUD = 115200


def samples_above(h, threshold):
    """Samples of histogram h certainly above `threshold` (their bucket's
    lowest value is): a lower bound, within the histogram's 1/8."""
    n, sub, total = 0, 1 << h["sub_bits"], len(h["buckets"])
    for b, c in enumerate(h["buckets"]):
        if not c:
            continue
        low = 0 if b == 0 else bucket_top(b - 1, h["sub_bits"], total) + 1
        if b == total - 1:
            low = max(low, h["min"])
        if low > threshold:
            n += c
    return n


def hardware_losses(v, tsc_hz, key_rate=None):
    """Events real hardware would have lost, given when each design read
    them (docs/bakeoff.md, "Loss as hardware would count it"):

      serial    a 16550 at 115200 baud with a 16-byte FIFO (counted in the
                guest at each read of the FIFO: board/pc/lab/design.h,
                struct serial_hw_model)
      timer     a periodic 1 kHz LAPIC tick: an interrupt answered more than
                one period late is a tick lost (from the latency histogram,
                a lower bound)
      keyboard  a keyboard that buffers 16 bytes before the i8042's one, at
                the rate the keys were typed: a byte that waited longer than
                17 bytes' worth of typing would have been lost"""
    period = int(tsc_hz * TIMER_PERIOD_S)
    out = {"serial": v["hw.serial.lost"], "serial_full_reads": v["hw.serial.full_reads"],
           "serial_worst_unread_us": round(v["hw.serial.worst_held"] * 1e6 / tsc_hz, 1)
           if tsc_hz else None,
           "timer": samples_above(v["latency.timer"], period)}
    if key_rate:
        out["keyboard"] = samples_above(v["latency.keyboard"],
                                        int(tsc_hz * KEYBOARD_HOLDS / (2 * key_rate)))
    else:
        out["keyboard"] = None
    out["total"] = out["serial"] + out["timer"] + (out["keyboard"] or 0)
    return out


def work_figures(v, serviced):
    """Useful work and overhead over the load's window [load.started,
    load.finished], from the guest's figures (board/pc/lab/wire_bakeoff.c):

      useful    the burn's completed units times one unit's length (measured
                in the guest with nothing else running: under icount, its
                instructions). What interrupt handling takes out of a burn
                is work the load did not get done.
      busy      the window minus the CPU's sleeps in it (the idle meter is
                zeroed at the start and read back at the finish, so both
                ends are the same moment as the window's).
      overhead  busy minus useful: the instructions the CPU ran that were
                not load: interrupt entries, drivers, the loop, the burn's
                own clock reads. Per event serviced, the design's cost.

    The old figure (elapsed up to the last sleep, minus every sleep and
    burn since the start, counted up to when the guest was stopped) mixed
    two windows and went negative (-85,605,342 for ISR-queue). Meters that
    disagree now raise Unmeasured instead of printing a number."""
    out = {"events_serviced": serviced, "useful_instructions": None, "busy": None,
           "overhead_instructions": None, "overhead_per_event": None, "window": None,
           "idle": None, "burns": v["load.burns"], "burn_units": v["load.burn_units"],
           "unit_instructions": v["load.unit_cycles"]}
    useful = v["load.burn_units"] * v["load.unit_cycles"]
    out["useful_instructions"] = useful
    # Runs differ in how many burns they took (the load ends when the
    # host's keys and bytes are done): per burn, and as a share of the
    # burns' length, the figures compare.
    out["useful_per_burn"] = useful // v["load.burns"] if v["load.burns"] else None
    if v.get("tsc_hz") and v.get("load.burn_cycles"):
        # Per BAKEOFF_BURN_MS of callback: a split burn that the finish
        # cut short (its slices stop there) is counted for what it ran.
        burn_len = v["tsc_hz"] * load_constants()["bakeoff_burn_ms"] // 1000
        out["useful_per_burn"] = useful * burn_len // v["load.burn_cycles"]
    out["useful_share"] = (round(useful / v["load.burn_cycles"], 4)
                           if v.get("load.burn_cycles") else None)
    if not v["load.finished"]:
        return out  # no window: the load never finished
    window = v["load.finished"] - v["load.started"]
    idle = v["idle.at_finish"]
    # The outside world's NMIs (world load) ran on this CPU too: not the
    # design's work, so not its busy time.
    world = v.get("world.cycles_at_finish", 0)
    busy = window - idle - world
    out["world"] = world
    if window <= 0 or busy < 0:
        raise Unmeasured(f"the meters disagree: window {window}, idle in it {idle}")
    overhead = busy - useful
    if overhead < 0:
        raise Unmeasured(f"the burn claims {useful} instructions of work in {busy} busy ones: "
                         "its unit length was measured wrong")
    out.update(window=window, idle=idle, busy=busy, overhead_instructions=overhead,
               overhead_per_event=round(overhead / serviced, 1) if serviced else None)
    return out


def loop_figures(v, sources, serviced):
    """What either load reads the same way from the guest's figures: the
    alarms, the interrupts-off windows, the latency of each of `sources`
    and the useful work (work_figures(), `serviced` events)."""
    latency = {}
    for s in sources:
        h = v[f"latency.{s}"]
        latency[s] = {"samples": h["count"], "p50": percentile(h, 500),
                      "p99": percentile(h, 990), "max": h["max"]}
    windows = {"loop": v["irqoff.loop.longest"], "handler": v["irqoff.handler.longest"]}
    return {
        "alarms": {"set": v["alarms.set"], "fired": v["alarms.fired"],
                   "twice": v["alarms.twice"], "out_of_order": v["alarms.out_of_order"],
                   "missing": v["alarms.missing"], "lost": v["alarms.set"] - v["alarms.fired"],
                   "flood_finished": bool(v["load.flood_done"])},
        "irq_off": {"longest": max(windows.values()), "longest_loop": windows["loop"],
                    "longest_handler": windows["handler"],
                    "loop_windows": v["irqoff.loop.windows"],
                    "handler_windows": v["irqoff.handler.windows"],
                    "handler_total": v["irqoff.handler.total"],
                    "loop_total": v["irqoff.loop.total"]},
        "latency": latency,
        "work": work_figures(v, serviced),
    }


class Run:
    """One design's boot: drive the workload (host load), or let the guest's
    outside world play it (world load), then read the figures."""

    def __init__(self, iso, elf, design, lines, data, log_dir=None, load="world",
                 world_keys=WORLD_KEYS, world_bytes=WORLD_BYTES):
        self.iso, self.elf, self.design = iso, elf, design
        self.log_dir = Path(log_dir) if log_dir else None
        self.lines, self.data = lines, data
        self.load = load
        self.world_keys, self.world_bytes = world_keys, world_bytes
        self.addr = export_address(elf)
        self.notes = []

    def figure_address(self, vm, name):
        """Address of a live counter, from the export table (running guest)."""
        if not hasattr(self, "_live"):
            self._live = Live(vm, self.elf)
        return self._live.address(name)

    def keys_read(self, vm):
        """Keyboard bytes the guest has taken out of the i8042 (delivered,
        or read and dropped by the ISR-queue design)."""
        n = read_u64(vm, self.figure_address(vm, "keyboard.bytes_delivered"))
        n += read_u64(vm, self.figure_address(vm, "queue.keyboard.dropped"))
        return n

    def type_keys(self, vm):
        base = self.keys_read(vm)
        keys = [ch for line in self.lines for ch in line + "\n"]
        started = time.monotonic()
        held_back = 0
        for n, ch in enumerate(keys):
            delay = started + n / KEY_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the typist, not waiting for the guest
            deadline = time.monotonic() + KEY_TIMEOUT * kq.TIMEOUT_SCALE
            while n - (self.keys_read(vm) - base) // 2 >= KEY_WINDOW:
                held_back += 1
                time.sleep(POLL_S)
                if time.monotonic() > deadline:
                    self.notes.append(f"keys: the guest stopped reading the keyboard after "
                                      f"{n} keys; the rest were typed anyway")
                    break
            vm.qmp.command("input-send-event", {"events": key_events(ch)})
        seconds = time.monotonic() - started
        # Every byte typed read out of QEMU (or given up on).
        deadline = time.monotonic() + KEY_TIMEOUT * kq.TIMEOUT_SCALE
        while self.keys_read(vm) - base < 2 * len(keys) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        return {"keys": len(keys), "seconds": round(seconds, 2), "held_back": held_back}

    def send_serial(self, vm, terminator):
        sink_done = self.figure_address(vm, "load.sink_done")
        seconds = vm.serial_write_bulk(self.data + terminator, timeout=SERIAL_TIMEOUT)
        # A design that drops bytes may drop some of the terminator: send it
        # again (the sink's matcher completes a broken match with it).
        for attempt in range(TERMINATOR_RETRIES + 1):
            deadline = time.monotonic() + SINK_TIMEOUT * kq.TIMEOUT_SCALE / (TERMINATOR_RETRIES + 1)
            while time.monotonic() < deadline:
                if read_u64(vm, sink_done):
                    return {"bytes": len(self.data), "seconds": round(seconds, 2),
                            "terminators": attempt + 1}
                time.sleep(POLL_S)
            vm.serial_write(terminator)
        self.notes.append("serial: the sink never saw the terminator")
        return {"bytes": len(self.data), "seconds": round(seconds, 2),
                "terminators": TERMINATOR_RETRIES + 1}

    def wait_finished(self, vm):
        """Until the alarms and the sink are done; or until the timer stops
        firing alarms for STALL_TIMEOUT s (a design that lost a timer tick:
        its one-shot is never re-armed), or FINISH_TIMEOUT s in all."""
        finished = self.figure_address(vm, "load.finished")
        fired_at = self.figure_address(vm, "timer.alarms_fired")
        end = time.monotonic() + FINISH_TIMEOUT * kq.TIMEOUT_SCALE
        fired, progress = None, time.monotonic()
        while time.monotonic() < end:
            if read_u64(vm, finished):
                return True
            now_fired = read_u64(vm, fired_at)
            if now_fired != fired:
                fired, progress = now_fired, time.monotonic()
            elif time.monotonic() - progress > STALL_TIMEOUT * kq.TIMEOUT_SCALE:
                self.notes.append(f"the timer stopped: no alarm fired for {STALL_TIMEOUT:g} s "
                                  "(a lost timer interrupt); figures read as they stood")
                return False
            time.sleep(POLL_S)
        self.notes.append("the load never finished (alarms still outstanding): read anyway")
        return False

    def world_cmdline(self):
        cmd = f"{DESIGN_OPTIONS[self.design]} {OPTIONS} {WORLD_OPTIONS}"
        if self.world_keys != WORLD_KEYS:
            cmd += f" world_keys={self.world_keys}"
        if self.world_bytes != WORLD_BYTES:
            cmd += f" world_bytes={self.world_bytes}"
        return cmd

    def boot(self, cmdline, drive, **knock_args):
        """One boot of the image with the load: waits for the guest to
        start it (its serial sink must wait for the host's terminator),
        lets `drive(vm, said, pos)` run it (`said`: the terminator the
        guest said, `pos`: where the load started in the log), then stops
        the guest and reads its figures. Returns the figures, their values
        at the load's start, the log from there, and what drive returned."""
        with kq.Knock(self.iso, machine=MACHINE, cmdline=cmdline, icount=ICOUNT,
                      name=f"bakeoff-{self.design}", **knock_args) as vm:
            m = vm.wait_for(r"bakeoff: load started: .*sink until '([^']+)'$", LOAD_TIMEOUT)
            said = m.group(1).encode()
            if said != terminator():
                raise Unmeasured(f"the guest's sink waits for {said!r}, not {terminator()!r}: "
                                 "rebuild the ISO")
            pos = m.end()
            driven = drive(vm, said, pos)
            vm.qmp.command("stop")
            mem = Memory(vm)
            log = vm.log
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            (self.log_dir / f"bakeoff-{self.design}.log").write_text(log)
        values, at_start = read_figures(mem, self.addr, None)
        return values, at_start, log[pos:], driven

    def run_world(self):
        """The world load: nothing from the host while it runs. COM1 goes
        into a file (QEMU's UART never waits for a reader) and nothing is
        asked over QMP until the guest says the load finished, so the run
        is the guest's alone: the same instructions every time."""
        def wait(vm, said, pos):
            off = re.search(r"^.*bakeoff: world: no .*$", vm.log[:pos], re.M)
            if off:
                raise Unmeasured(f"the world cannot run: {off.group(0).strip()}")
            try:
                vm.wait_for(r"bakeoff: load finished", WORLD_TIMEOUT, pos=pos)
            except kq.KnockFailure:
                self.notes.append(f"the load did not finish in {WORLD_TIMEOUT:g} s: "
                                  "figures read as they stood")
                return False
            return True

        values, at_start, log, finished = self.boot(
            self.world_cmdline(), wait, extra_args=WORLD_QEMU_ARGS, serial_file=True)
        return self.summarize_world(values, at_start, finished, log)

    def run(self):
        if self.load == "world":
            return self.run_world()

        def play(vm, said, pos):
            return self.type_keys(vm), self.send_serial(vm, said), self.wait_finished(vm)

        values, at_start, log, (keys, serial, finished) = self.boot(
            f"{DESIGN_OPTIONS[self.design]} {OPTIONS}", play)
        return self.summarize(values, at_start, keys, serial, finished, log)

    def run_figures(self, v, finished):
        """The last figures of either load's result: the design's handler
        stub costs, its queues' high water, whether the load finished, the
        TSC rate and the run's notes."""
        return {
            "handler_stub": {"entry": v["handler.entry_cost"], "exit": v["handler.exit_cost"]},
            "queue_high_water": {"keyboard": v["queue.keyboard.high_water"],
                                 "com1": v["queue.com1.high_water"]},
            "load_finished": finished,
            "tsc_hz": v["tsc_hz"],
            "notes": self.notes,
        }

    def summarize(self, v, at_start, keys, serial, finished, log):
        def delta(name):
            return v[name] - at_start[name]

        lines_ok = echoed_lines(log, self.lines)
        key_bytes_sent = 2 * keys["keys"]
        key_bytes = delta("keyboard.bytes_delivered")
        sink_ok = bool(v["load.sink_done"])
        crc_ok = sink_ok and v["load.sink_crc"] == zlib.crc32(self.data) and \
            v["load.sink_bytes"] == len(self.data)
        serial_lost = len(self.data) - v["load.sink_bytes"] if sink_ok else None
        serviced = key_bytes + delta("console.rx_bytes") + delta("timer.alarms_fired")
        loop = loop_figures(v, SOURCES, serviced)
        events_lost = (key_bytes_sent - key_bytes) + (serial_lost if serial_lost is not None
                                                       else len(self.data)) + loop["alarms"]["lost"]
        hardware = hardware_losses(v, v["tsc_hz"], KEY_RATE)
        return {
            "design": self.design,
            "what": DESIGN_TEXT[self.design],
            "events_lost": events_lost,
            "hardware_lost": hardware,
            "keys": {"typed": keys["keys"], "bytes_sent": key_bytes_sent,
                     "bytes_delivered": key_bytes,
                     "key_events": delta("keyboard.key_events"),
                     "lines_typed": len(self.lines), "lines_echoed_intact": lines_ok,
                     "dropped_in_queue": delta("queue.keyboard.dropped"),
                     "throttles": delta("queue.keyboard.throttles"),
                     "typing_s": keys["seconds"], "held_back": keys["held_back"]},
            "serial": {"sent": len(self.data), "sink_done": sink_ok,
                       "counted": v["load.sink_bytes"], "crc_match": crc_ok,
                       "lost": serial_lost, "dropped_in_queue": delta("queue.com1.dropped"),
                       "throttles": delta("queue.com1.throttles"),
                       "uart_overruns": delta("uart.overrun") if "uart.overrun" in v else None,
                       "terminators_sent": serial["terminators"],
                       "send_s": serial["seconds"]},
            **loop,
            **self.run_figures(v, finished),
        }


    def summarize_world(self, v, at_start, finished, log):
        """The world load's figures: what was sent is the world's count
        (world.*), checked against what the host computes of the seeded
        load; what arrived is the design's."""
        def delta(name):
            return v[name] - at_start[name]

        notes = self.notes
        lines = world_lines(self.world_keys)
        data = world_data(self.world_bytes)
        if terminator() in data + terminator()[:-1]:
            raise Unmeasured("the world's serial data contains the sink's terminator")
        if v["world.keys"] != self.world_keys or v["world.data_sent"] != len(data):
            notes.append(f"the world pressed {v['world.keys']} of {self.world_keys} keys and "
                         f"sent {v['world.data_sent']:,} of {len(data):,} bytes")
        world_crc_ok = v["world.data_crc"] == zlib.crc32(data)
        if not world_crc_ok:
            notes.append("the world's CRC-32 of what it sent is not the host's of the seeded "
                         "data: the world sent other bytes")
        if v["world.stray_nmis"]:
            notes.append(f"{v['world.stray_nmis']} NMIs came while the world was not running")
        tick = WORLD_TICK_NS * v["tsc_hz"] // 10**9
        kept_pace = v["world.late_max"] <= 2 * tick
        if not kept_pace:
            notes.append(f"the world fell behind its schedule: a byte went out "
                         f"{v['world.late_max']:,} cycles late (a tick is {tick:,})")
        key_bytes_pressed = 2 * v["world.keys"]
        key_bytes = delta("keyboard.bytes_delivered")
        sink_ok = bool(v["load.sink_done"])
        counted = v["load.sink_bytes"]
        serial_lost = v["world.data_sent"] - counted if sink_ok else v["world.data_sent"]
        crc_ok = sink_ok and counted == v["world.data_sent"] and \
            v["load.sink_crc"] == v["world.data_crc"]
        keys_lost = key_bytes_pressed - key_bytes
        serviced = key_bytes + delta("com2.rx_bytes") + delta("timer.alarms_fired")
        loop = loop_figures(v, WORLD_SOURCES, serviced)
        events_lost = keys_lost + serial_lost + loop["alarms"]["lost"]
        model = hardware_losses(v, v["tsc_hz"], None)
        hardware = {
            # Real losses now: COM2 overruns as a 16550 does, and the world's
            # keyboard loses what is pressed into its full buffer.
            "serial": serial_lost, "keyboard": v["world.key_bytes_lost"],
            "timer": model["timer"],
            "serial_model": model["serial"], "serial_full_reads": model["serial_full_reads"],
            "serial_worst_unread_us": model["serial_worst_unread_us"]}
        hardware["total"] = hardware["serial"] + hardware["keyboard"] + hardware["timer"]
        return {
            "design": self.design,
            "what": DESIGN_TEXT[self.design],
            "load": "world",
            "events_lost": events_lost,
            "hardware_lost": hardware,
            "keys": {"typed": v["world.keys"], "bytes_sent": key_bytes_pressed,
                     "bytes_delivered": key_bytes,
                     "bytes_controller_took": v["world.key_bytes_sent"],
                     "bytes_lost_in_keyboard": v["world.key_bytes_lost"],
                     "key_events": delta("keyboard.key_events"),
                     "lines_typed": len(lines),
                     "lines_echoed_intact": echoed_lines(log, lines),
                     "dropped_in_queue": delta("queue.keyboard.dropped"),
                     "throttles": delta("queue.keyboard.throttles")},
            "serial": {"sent": v["world.data_sent"], "sink_done": sink_ok, "counted": counted,
                       "crc_match": crc_ok, "world_crc_match": world_crc_ok, "lost": serial_lost,
                       "dropped_in_queue": delta("queue.com2.dropped")
                       if "queue.com2.dropped" in v else 0,
                       "throttles": delta("queue.com2.throttles")
                       if "queue.com2.throttles" in v else 0,
                       "uart_overruns_seen": delta("com2.overrun"),
                       "terminators_sent": 1 + v["world.serial_again"]},
            **loop,
            "world": {"steps": v["world.steps"], "cycles": v["world.cycles"],
                      "late_max": v["world.late_max"], "kept_pace": kept_pace,
                      "tick": tick, "stray_nmis": v["world.stray_nmis"],
                      "done_after": v["world.done"] - v["world.started"]
                      if v["world.done"] else None},
            **self.run_figures(v, finished),
        }


def echoed_lines(log, lines):
    """How many typed lines the shell echoed back exactly: a prompt line
    `knock> echo X`, then the line X before the next prompt (log lines
    may come in between; one printed while a line was being typed cuts
    it, and the console redraws it on the next line)."""
    text = log.split("\n")
    answered = set()
    for i, line in enumerate(text):
        if not line.startswith("knock> echo "):
            continue
        words = line[len("knock> echo "):]
        for following in text[i + 1:]:
            if following.startswith("knock>"):
                break
            if following == words:
                answered.add(words)
                break
    return sum(1 for line in lines if line[len("echo "):] in answered)


def stub_instructions(elf, symbol):
    """Instructions of `symbol` from its entry to its first iretq (objdump)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}",
                          str(elf)], capture_output=True, text=True, check=True).stdout
    insns = [m.group(1).strip() for m in re.finditer(r"^\s+[0-9a-f]+:\s+(.*)$", out, re.M)]
    for i, insn in enumerate(insns):
        if insn.startswith("iretq"):
            return i + 1
    raise Unmeasured(f"{symbol} not found in {elf}, or it has no iretq")


def add_top_halves(results, elf):
    """knock's top halves run no C, so no clock read times them: their
    window is their length, counted in the ELF (the stamped ones, which the
    run used; the plain ones are what knock runs without `stubs=stamped`)."""
    knocks = [results[d] for d in KNOCKS if d in results]
    if not knocks:
        return
    stamped = max(stub_instructions(elf, f"top_half_stamped_{s}") for s in SOURCES)
    plain = max(stub_instructions(elf, f"top_half_{s}") for s in SOURCES)
    for r in knocks:
        w = r["irq_off"]
        w["longest_handler"] = stamped
        w["top_half_plain"] = plain
        w["longest"] = max(w["longest_loop"], stamped)


def run_all(iso, elf, designs=DESIGNS, log_dir=REPO / "build", load="world",
            world_keys=WORLD_KEYS, world_bytes=WORLD_BYTES):
    rng = random.Random(SEED)
    lines = typed_lines(rng, KEYS)
    data = serial_data(rng, SERIAL_BYTES, terminator())
    results = {}
    for d in designs:
        results[d] = Run(iso, elf, d, lines, data, log_dir, load=load, world_keys=world_keys,
                         world_bytes=world_bytes).run()
    add_top_halves(results, elf)
    return results


# --- the report --------------------------------------------------------------

TITLE = {"knock": "knock", "knock-split": "knock, burn split", "inisr": "in-ISR",
         "isrqueue": "ISR-queue"}


def fmt(n):
    """Instructions, readably: 1234 -> '1,234'; 20000595 -> '20.0 M'."""
    if n is None:
        return "-"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} M"
    return f"{n:,}"


def verdict(results):
    """The issue's two claims about knock, checked, and what else is true."""
    out = {}
    k = results.get("knock")
    others = [r for d, r in results.items() if d not in KNOCKS]
    if k:
        out["knock_lost_nothing"] = k["events_lost"] == 0
        if others:
            shortest = min(r["irq_off"]["longest"] for r in others)
            out["knock_shortest_irq_off"] = k["irq_off"]["longest"] < shortest
            out["others_shortest_irq_off"] = shortest
    return out


def world_explanations(results, v):
    """explanations() for the world load, where a byte the design did not
    read in time is lost in the guest as on hardware."""
    text = []
    k = results.get("knock")
    split = results.get("knock-split")
    if k and not v.get("knock_lost_nothing", True):
        why = []
        if k["serial"]["lost"]:
            why.append(
                f"{k['serial']['lost']:,} of the world's {k['serial']['sent']:,} serial bytes "
                "never reached the sink: COM2 overran while knock's loop ran a "
                f"{fmt(20_000_000)}-instruction callback and did not read the UART (a 16550 "
                "at 115200 baud fills its 16-byte FIFO in 1.4 ms; the guest's model of one "
                f"estimated {k['hardware_lost']['serial_model']:,}). A real 16550 loses them too")
        lost_keys = k["keys"]["bytes_sent"] - k["keys"]["bytes_delivered"]
        if lost_keys:
            why.append(f"{lost_keys} key bytes never reached the keyboard driver "
                       f"({k['keys']['bytes_lost_in_keyboard']} pressed into the keyboard's "
                       "full buffer)")
        if k["alarms"]["lost"]:
            why.append(f"{k['alarms']['lost']} alarms did not fire: a bug in knock's alarm "
                       "mux or its timer, since deadlines wait in the mux until served")
        text.append("**knock lost events in this run**: "
                    + "; ".join(why or ["the counts do not add up (see build/bench.json)"])
                    + ". " + (f"Split into {1} ms slices (the second column), the same load "
                              f"lost {split['events_lost']:,}: what docs/capsules.md asks of a "
                              "capsule with long work is what keeps knock's devices read."
                              if split else "A knock capsule with long work must split it "
                              "with deferred calls."))
    if k and k["hardware_lost"]["timer"]:
        text.append(
            f"knock answered {k['hardware_lost']['timer']:,} timer interrupts more than a "
            "1 kHz period late (during the long callbacks): a periodic tick would have lost "
            "them. knock's alarms are one-shot deadlines kept in the mux, so none was lost "
            "here; the split column shows the same cure.")
    if split and split["events_lost"]:
        text.append(
            f"Split into 1 ms slices, knock still lost {split['events_lost']:,} events "
            f"(the longest a streaming FIFO went unread: "
            f"{split['hardware_lost']['serial_worst_unread_us']:,} us). COM2 interrupts at its "
            "first byte, which leaves 16 byte times (1.39 ms) before its FIFO overruns, "
            "hardly more than a slice: capsules should keep slices well below that.")
    q = results.get("isrqueue")
    if q and q["serial"]["lost"]:
        text.append(
            f"ISR-queue lost {q['serial']['lost']:,} serial bytes: its throttle turns the "
            "UART's receive interrupts off when the ring is full, and the line keeps filling "
            "the 16-byte FIFO. Throttling without loss needs flow control (RTS/CTS) the other "
            "end obeys; the keyboard's throttle is safe, since a PS/2 keyboard waits while the "
            "controller is full.")
    elif q:
        text.append(
            "ISR-queue lost no serial byte: its handler empties the FIFO into a 256-byte ring "
            "(a 20 ms callback's 230 bytes fit), so it never had to throttle. What it pays is "
            f"latency: a byte waits in the ring for the loop (com2 p99 "
            f"{fmt(q['latency']['com2']['p99'])} instructions), and every byte costs an "
            "interrupt's handler and a ring's push and pop (its overhead per event).")
    i = results.get("inisr")
    if i and k:
        text.append(
            f"in-ISR lost nothing and answered fastest, at the price of the longest "
            f"interrupts-off window ({fmt(i['irq_off']['longest'])} instructions against "
            f"knock's {fmt(k['irq_off']['longest'])}): its handlers and its guarded callbacks "
            "run with interrupts off, and every other interrupt waits for them.")
    if k and not v.get("knock_shortest_irq_off", True):
        text.append(
            f"**knock's longest interrupts-off window ({fmt(k['irq_off']['longest'])} "
            f"instructions) was not the shortest** (another design's was "
            f"{fmt(v['others_shortest_irq_off'])}).")
    return text


def explanations(results, v):
    """Paragraphs for docs/bakeoff.md that follow from the figures: the
    report is generated, so what it says about a surprise must be too."""
    if all(r.get("load") == "world" for r in results.values()):
        return world_explanations(results, v)
    text = []
    k = results.get("knock")
    if k and not v.get("knock_lost_nothing", True):
        why = []
        if k["keys"]["bytes_delivered"] < k["keys"]["bytes_sent"]:
            why.append(
                f"the i8042 delivered {k['keys']['bytes_delivered']} of "
                f"{k['keys']['bytes_sent']} key bytes: QEMU's PS/2 queue (16 bytes) "
                "overflowed before knock could read it, a loss in the emulator (the "
                "typist keeps at most 6 keys ahead of what the guest has read; a host too "
                "loaded to run the guest meanwhile can still overflow it)")
        if k["serial"]["lost"]:
            why.append(
                f"the sink counted {k['serial']['counted']} of {k['serial']['sent']} serial "
                f"bytes (UART overruns: {k['serial']['uart_overruns']}): QEMU holds bytes "
                "back while the UART's FIFO is full, so a loss here is a bug in knock")
        if k["alarms"]["lost"]:
            why.append(f"{k['alarms']['lost']} alarms did not fire: a bug in knock's alarm "
                       "mux or its timer, since deadlines wait in the mux until served")
        text.append("**knock lost events in this run**, which it must not: "
                    + "; ".join(why or ["the counts do not add up (see build/bench.json)"])
                    + ".")
    if k and k.get("hardware_lost", {}).get("total"):
        hw = k["hardware_lost"]
        split = results.get("knock-split", {}).get("hardware_lost")
        text.append(
            f"**On real hardware knock would have lost {hw['total']:,} events in this run** "
            f"({hw['serial']:,} serial bytes, {hw['timer']:,} timer ticks, "
            f"{hw['keyboard']:,} key bytes): its loop does not read a device while a "
            f"callback runs, and this load's callback runs {fmt(20_000_000)} instructions. "
            "QEMU held the data back, so nothing was lost in the guest. A knock capsule with "
            "long work must split it with deferred calls"
            + (f": split into 1 ms slices, the same load lost {split['total']:,}."
               if split is not None else "."))
    split = results.get("knock-split", {}).get("hardware_lost")
    if split and split["serial"]:
        text.append(
            f"Split into 1 ms slices, knock still would have lost {split['serial']:,} serial "
            f"bytes on hardware (the longest a streaming FIFO went unread: "
            f"{split['serial_worst_unread_us']:,} us). COM2 interrupts at its first byte, "
            "which leaves 16 byte times (1.39 ms) before its FIFO overruns, hardly more "
            "than a slice (COM1, the console, at 4 bytes leaves 12, 1.04 ms): capsules "
            "should keep slices well below that.")
    q = results.get("isrqueue", {}).get("hardware_lost")
    if q and q["serial"]:
        text.append(
            f"ISR-queue's throttle would have lost {q['serial']:,} serial bytes on hardware: "
            "turning the UART's receive interrupts off leaves the bytes to a 16-byte FIFO "
            "that a real line keeps filling (QEMU instead stops taking bytes). Throttling "
            "without loss needs flow control (RTS/CTS) the other end obeys; the keyboard's "
            "throttle is safe, since a PS/2 keyboard waits while the controller is full.")
    if k and not v.get("knock_shortest_irq_off", True):
        text.append(
            f"**knock's longest interrupts-off window ({fmt(k['irq_off']['longest'])} "
            f"instructions) was not the shortest** (another design's was "
            f"{fmt(v['others_shortest_irq_off'])}). knock's windows are its top halves "
            f"({k['irq_off']['longest_handler']} instructions) and the sleep check "
            f"({fmt(k['irq_off']['longest_loop'])} measured); a longer sleep check means "
            "something was added between `cli` and `sti; hlt` in loop_sleep_if_idle() "
            "(a sleep observer: is the trace on?).")
    return text


def markdown(results, qemu, version):
    v = verdict(results)
    ds = [d for d in DESIGNS if d in results]
    head = "| | " + " | ".join(TITLE[d] for d in ds) + " |"
    rule = "|---|" + "---|" * len(ds)

    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(results[d]) for d in ds) + " |"

    def yes(b):
        return "yes" if b else "**no**"

    world = all(r.get("load") == "world" for r in results.values())
    line = "com2" if world else "com1"
    rows = [
        head, rule,
        row("**events lost**" + (" (the world's keys and bytes that never arrived, alarms)"
                                 if world else ""),
            lambda r: f"**{r['events_lost']:,}**"),
        row("**events real hardware would have lost** (serial, timer, keyboard)",
            lambda r: f"**{r['hardware_lost']['total']:,}** ({r['hardware_lost']['serial']:,}, "
            f"{r['hardware_lost']['timer']:,}, {r['hardware_lost']['keyboard']:,})"),
    ]
    if world:
        rows.append(row("... serial: the guest's 16550 model (design.h) estimated",
                        lambda r: f"{r['hardware_lost']['serial_model']:,}"))
    rows += [
        row("... longest a streaming UART FIFO went unread (us; 16 bytes last 1,389)",
            lambda r: f"{r['hardware_lost']['serial_worst_unread_us']:,}"),
        row("key bytes delivered / " + ("pressed" if world else "typed"),
            lambda r: f"{r['keys']['bytes_delivered']} / {r['keys']['bytes_sent']}"),
        row("`echo` lines answered intact",
            lambda r: f"{r['keys']['lines_echoed_intact']} / {r['keys']['lines_typed']}"),
        row("serial bytes counted / sent" + (" by the world" if world else ""),
            lambda r: f"{r['serial']['counted']:,} / {r['serial']['sent']:,}"
            if r["serial"]["sink_done"] else f"never finished / {r['serial']['sent']:,}"),
        row("serial CRC-32 matches" + (" the world's" if world else ""),
            lambda r: yes(r["serial"]["crc_match"])),
        row("alarms fired / set", lambda r: f"{r['alarms']['fired']} / {r['alarms']['set']}"),
        row(f"ISR-queue rings: dropped, throttles (keyboard; {line})",
            lambda r: "-" if r["design"] != "isrqueue" else
            f"{r['keys']['dropped_in_queue']}, {r['keys']['throttles']}; "
            f"{r['serial']['dropped_in_queue']:,}, {r['serial']['throttles']:,}"),
        row("**longest interrupts-off window** (instructions)",
            lambda r: f"**{fmt(r['irq_off']['longest'])}**"),
        row("... in the loop (sleep check, guarded callbacks, queue pops)",
            lambda r: fmt(r["irq_off"]["longest_loop"])),
        row("... in an interrupt handler (knock: its top half)",
            lambda r: fmt(r["irq_off"]["longest_handler"])),
    ]
    for s in (WORLD_SOURCES if world else SOURCES):
        rows.append(row(f"**{s} latency** p50 / p99 / max (instructions)",
                        lambda r, s=s: " / ".join(fmt(r["latency"][s][q])
                                                  for q in ("p50", "p99", "max"))))
        rows.append(row(f"... {s} samples", lambda r, s=s: f"{r['latency'][s]['samples']:,}"))
    rows += [
        row("**useful work done** (instructions of load completed, per 20 ms callback)",
            lambda r: f"**{r['work']['useful_per_burn']:,}**"
            if r["work"]["useful_per_burn"] is not None else "-"),
        row("... share of the long callbacks' time that was load; callbacks run",
            lambda r: f"{100 * r['work']['useful_share']:.2f} %; {r['work']['burns']:,}"
            if r["work"]["useful_share"] is not None else "-"),
        row("overhead: busy instructions that were not load, per event serviced",
            lambda r: "-" if r["work"]["overhead_per_event"] is None else
            f"{r['work']['overhead_per_event']:,} ({fmt(r['work']['overhead_instructions'])} "
            f"/ {r['work']['events_serviced']:,})"),
    ]
    if world:
        rows.append(row("the world: steps; their instructions; latest byte after its time",
                        lambda r: f"{r['world']['steps']:,}; {fmt(r['world']['cycles'])}; "
                        f"{r['world']['late_max']:,}"))
    notes = [f"- {TITLE[d]}: {n}" for d in ds for n in results[d]["notes"]]
    checks = []
    if "knock_lost_nothing" in v:
        checks.append(f"- knock lost nothing: **{'yes' if v['knock_lost_nothing'] else 'no'}**")
    if "knock_shortest_irq_off" in v:
        checks.append(f"- knock had the shortest interrupts-off window: "
                      f"**{'yes' if v['knock_shortest_irq_off'] else 'no'}** "
                      f"({fmt(results['knock']['irq_off']['longest'])} instructions against "
                      f"{fmt(v['others_shortest_irq_off'])})")
    k = results.get("knock", {})
    stub = next((r["handler_stub"] for d, r in results.items() if d not in KNOCKS), None)
    world_sent = next((r["serial"]["sent"] for r in results.values()), 0)
    world_keys = next((r["keys"]["typed"] for r in results.values()), 0)
    steps = [r["world"] for r in results.values() if r.get("world", {}).get("steps")]
    world_step = (f"{sum(w['cycles'] for w in steps) // sum(w['steps'] for w in steps):,}"
                  if steps else "?")
    fields = dict(
        world_step=world_step, qemu=qemu, options=OPTIONS, keys=KEYS, rate=KEY_RATE, window=KEY_WINDOW,
        serial_kib=SERIAL_BYTES // 1024, world_keys=world_keys, world_key_rate=WORLD_KEY_RATE,
        world_kib=f"{world_sent / 1024:g}",
        plain=k.get("irq_off", {}).get("top_half_plain", "?"),
        stamped=k.get("irq_off", {}).get("longest_handler", "?"), **load_constants())
    return TEMPLATE.format(
        workload=(WORKLOAD_WORLD if world else WORKLOAD_HOST).format(**fields),
        loss=(LOSS_WORLD if world else LOSS_HOST).format(**fields),
        limits=(LIMITS_WORLD if world else LIMITS_HOST).format(**fields),
        qemu=qemu, table="\n".join(rows),
        checks="\n".join(checks) or "- (knock was not measured)",
        explanations="\n\n".join(explanations(results, v)),
        notes="\n".join(notes) or "- none", version=version,
        stub_entry=stub["entry"] if stub else "?", stub_exit=stub["exit"] if stub else "?",
        **{n: f for n, f in fields.items() if n != "qemu"})


WORKLOAD_WORLD = """The same for each design and for every run, one QEMU boot per design with
`<design's options> {options} world`, every other option knock's default:
the stall watchdog and storm detection on, stats as they come (their
timing is off by default). `stubs=stamped` swaps the top halves for ones
that also store the TSC and count (see "How it is measured"): {stamped}
instructions instead of {plain}, which the windows below include.

- **A capsule that sometimes runs long**: a callback that computes for
  {bakeoff_burn_ms} ms, then {bakeoff_burn_gap_ms} ms without, until the
  rest of the load is done (capsules/lab/bakeoff_load.c). Its computation
  comes in units of a fixed instruction sequence, and it counts the units
  it completed: the useful work.
- **Alarms**: {bakeoff_alarms} one-shot alarms set at once, delays 1 to
  {bakeoff_alarm_max_ms} ms (capsules/lab/alarm_flood.h).
- **Keys**: {world_keys} keys (`echo` lines and their Enter) at
  {world_key_rate} keys/s, typed as a PS/2 keyboard types them: into the
  keyboard's own 16-byte buffer, and from it into the i8042 one byte at a
  time, only when the controller's output buffer is empty and at most
  one a millisecond (a PS/2 byte). The byte goes in with the controller's
  command 0xD2 ("write keyboard output buffer": it raises IRQ1 as if the
  keyboard had sent it, KBD_CCMD_WRITE_OBUF in QEMU's hw/input/pckbd.c).
  A key pressed into a full keyboard buffer is lost, as on a real one.
- **Serial line**: {world_kib} KiB of seeded bytes into COM2 at 115200
  baud, one byte each byte time whether or not the design reads it. COM2
  is in loopback (MCR bit 4: it receives what it transmits, serial_xmit
  in QEMU's hw/char/serial.c), and with its 16-byte FIFO full QEMU sets
  the overrun bit and drops the byte, as a 16550 does. The design reads
  COM2 with knock's UART driver, the way it reads any UART, into a sink
  that counts the bytes and computes their CRC-32 until a terminator
  (sent again after 30 ms of quiet while the sink has not seen it).

Both far ends are played inside the guest by **the outside world**
(chips/x86_64/lab/world.c, its seeded load in capsules/lab/world_load.c),
on the CPU under test, from a non-maskable interrupt every 43.4 us (half
a byte time): an HPET timer delivers it as an MSI whose delivery mode is
NMI (chips/x86_64/lab/hpet_nmi.c; QEMU gives the HPET that delivery with
`-global hpet.msi=on`). Each step reads the TSC and does what the
schedule says is due. An NMI comes whatever the design is doing,
interrupts off included, and the world's instructions are the same code
for every design. They are taken from the design they interrupt, so they
are counted (the last row), taken out of any interrupts-off window they
fell in, and left out of the busy time of the useful-work figures; a
latency sample still includes any step that landed inside it (a step
took {world_step} instructions on average, once every 43.4 us).

Under `-icount shift=0,sleep=off` the guest's clock counts its
instructions and QEMU's timers (HPET, LAPIC, PIT) fire at fixed
instructions, so the world's keys and bytes land on the same instruction
of the design's run every time. Nothing paced by the host is left: COM1
goes into a file (QEMU's UART never waits for a reader), the host types
nothing, sends nothing and asks nothing over QMP until the guest prints
that the load finished, and the RTC counts virtual time from a fixed
date. The tests compare two runs figure by figure
(tests/e2e/test_bakeoff_repeat.py).

The load starts {bakeoff_settle_ms} ms after boot, keys and bytes
together. When the alarms and the sink are done the load is finished: its
meters stop (so the figures do not depend on when the host stops the
guest), and the figures are read from guest memory
(board/pc/lab/wire_bakeoff.h)."""

WORKLOAD_HOST = """The same for each design, one QEMU boot per design with
`<design's options> {options}`, every other option knock's default.
This report is from the host load (`tools/bakeoff.py --load host`): keys
typed through QMP `input-send-event`, at most {rate} keys/s and never more
than {window} keys ahead of what the guest has read, and {serial_kib} KiB
sent into COM1 as fast as QEMU takes them, both at host pace. Its figures
differ from run to run; `make bench` uses the world load instead."""

LOSS_WORLD = """On the world load a byte the design did not read in time is lost in the
guest, as on hardware: COM2 overruns as a 16550 does, and the world's
keyboard loses a key pressed into its full buffer. So the row "events
real hardware would have lost" is what was lost, per source:

- **Serial**: the world's bytes that never reached the sink (the world
  counts what it sent and its CRC-32; the host checks both against the
  seeded load it computes itself). Beside it, what the guest's model of
  a 16550 (struct serial_hw_model in board/pc/lab/design.h, built for the
  host load, where QEMU holds bytes back instead of overrunning) estimated
  from when each design read the FIFO: the two agree within a few per cent.
  The model dates a streaming FIFO from the first interrupt of its read,
  which knock's stamped top halves keep; an interrupt that set the bit
  again after the loop took it, before the client read the stamps, once
  made a 20 ms callback's first interrupt look like one that came after
  it, and the model missed that whole overrun (1,934 against 2,148 in
  tests/e2e/test_bakeoff_repeat.py's run). The top half now keeps the
  previous first stamp in irq_first_prev, and the client takes it when
  its bit is pending again: the same run models 2,148.
- **Keyboard**: keys pressed into the world's full 16-byte keyboard buffer.
- **Timer**: a periodic LAPIC tick at 1 kHz: an interrupt answered more
  than one period late is a tick lost (from the latency histogram: a lower
  bound). knock's alarms are one-shot deadlines, so none was lost; a
  periodic tick would have been.

When the serial line and a long callback overlap, knock's driver does not
read the UART for the whole callback: a 16550 overruns 1.4 ms into a
20 ms callback. What a knock capsule should do about it is what the
second column does: split long work into slices shorter than the FIFO's
1.4 ms, so the loop comes round to the UART between slices.

That needs the knock early: COM2's receive interrupt comes at the first
byte in its FIFO (`world_serial_init()`, chips/x86_64/lab/world.c), the
same for every design. At 14 bytes, the level the console's COM1 had
then, the knock would come 2 byte times (174 us) before the overrun, and
no loop running 1 ms slices could answer it (COM1 now interrupts at 4:
12 byte times, 1.04 ms). Until 2026-12-07 COM2 had its
trigger at 14 too, and every design still had a knock per byte: the
driver kept transmit-empty on, and each byte the world wrote into the
loopback UART's transmit register raised it. The driver now enables
transmit-empty only while it sends (docs/interrupts.md, section 8; the
ISR-queue design keeps it on for COM1, whose handler reports each
emptied FIFO, and off for COM2, which only receives); with
the trigger left at 14, the split column's short run lost 502 of 12,000
bytes. The trigger at 1 byte gives the designs back the whole FIFO from
the first byte's knock, as the earlier figures had it by accident."""

LOSS_HOST = """QEMU is kinder than hardware on the host load: its UART stops taking
bytes from the host while the 16-byte receive FIFO is full, and its PS/2
keyboard queues keys. The row "events real hardware would have lost"
applies a model of each device to when each design read it (struct
serial_hw_model in board/pc/lab/design.h; the timer and keyboard from the
latency histograms)."""

LIMITS_WORLD = """## What these figures cannot show yet

- The world's steps sit inside the latency samples they land in
  ({world_step} instructions each on average); they are taken out of the
  interrupts-off windows and the busy time, not out of latencies.
- QEMU raises COM2's interrupt in loopback mode; on a PC, loopback also
  cuts the UART's OUT2 line to the interrupt controller. The loopback
  stands in for a line; the interrupts are what a line's bytes would raise.
- While the meters run, the designs' idle wait polls the pending word with
  interrupts on instead of halting (chips/x86_64/lab/irq_off_meter.h).
  With halts, two runs differed: once in tens of thousands of halts, the
  world's NMI woke the CPU 32 instructions past its deadline in one run
  and not the other, and everything after it moved. The likely cause is
  QEMU 7.2 moving a halted -icount guest's clock on to the next deadline
  from its main loop, which can read the instruction count before the
  halted CPU's last instructions are added; a CPU that never halts moves
  the clock only by the instructions it runs, and then the runs agree.
  Idle time is measured as before, from the sleep to the interrupt that
  ends it.
- Why not a second CPU as the world (tried first): QEMU 7.2 runs the vCPUs
  of an -icount guest on one thread, in turn, each up to the next timer
  deadline (accel/tcg/tcg-accel-ops-rr.c, softmmu/icount.c): CPU 0 goes
  first and uses the whole slice, so CPU 1 ran only while CPU 0 slept and
  never during a long callback, and its bytes came in bursts after it.
- The figures repeat on QEMU {qemu} with this image; another QEMU or
  another build of knock moves instructions and may change them."""

LIMITS_HOST = """## What these figures cannot show yet

**They do not repeat exactly**: the keys and serial bytes come from the
host at host pace. `make bench` uses the world load, which repeats."""


def load_constants():
    text = LOAD_HEADER.read_text()
    want = ("BAKEOFF_BURN_MS", "BAKEOFF_BURN_GAP_MS", "BAKEOFF_ALARMS", "BAKEOFF_ALARM_MAX_MS",
            "BAKEOFF_SETTLE_MS", "BAKEOFF_SLICE_MS")
    out = {}
    for name in want:
        m = re.search(rf"^#define {name} (\d+)", text, re.M)
        if not m:
            raise Unmeasured(f"no {name} in {LOAD_HEADER}")
        out[name.lower()] = int(m.group(1))
    return out


def plot(results, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ds = [d for d in DESIGNS if d in results]
    names = [TITLE[d] for d in ds]
    sources = list(results[ds[0]]["latency"])
    colors = {"knock": "#2a7ab9", "knock-split": "#7fb3dc", "inisr": "#d1603d",
              "isrqueue": "#6a9f3a"}
    fig, ax = plt.subplots(2, 2, figsize=(11, 7.5))

    a = ax[0][0]
    vals = [max(results[d]["irq_off"]["longest"], 1) for d in ds]
    a.bar(names, vals, color=[colors[d] for d in ds])
    a.set_yscale("log")
    a.set_title("Longest interrupts-off window")
    a.set_ylabel("instructions (log)")
    for i, v in enumerate(vals):
        a.annotate(fmt(v), (i, v), ha="center", va="bottom", fontsize=8)

    a = ax[0][1]
    width = 0.8 / len(ds)
    for i, d in enumerate(ds):
        xs = [j + (i - (len(ds) - 1) / 2) * width for j in range(len(sources))]
        p99 = [max(results[d]["latency"][s]["p99"], 1) for s in sources]
        p50 = [max(results[d]["latency"][s]["p50"], 1) for s in sources]
        mx = [max(results[d]["latency"][s]["max"], 1) for s in sources]
        a.bar(xs, p99, width, color=colors[d], label=TITLE[d], alpha=0.85)
        a.scatter(xs, p50, color="black", marker="_", s=80, zorder=3)
        a.scatter(xs, mx, color="black", marker="v", s=14, zorder=3)
    a.set_xticks(range(len(sources)))
    a.set_xticklabels(sources)
    a.set_yscale("log")
    a.set_title("Latency, interrupt to service done\n(bar: p99, dash: p50, triangle: max)")
    a.set_ylabel("instructions (log)")
    a.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=len(ds))

    a = ax[1][0]
    kinds = [("key bytes", lambda r: r["keys"]["bytes_sent"] - r["keys"]["bytes_delivered"]),
             ("serial bytes", lambda r: r["serial"]["lost"] if r["serial"]["lost"] is not None
              else r["serial"]["sent"]),
             ("alarms", lambda r: r["alarms"]["lost"])]
    bottom = [0] * len(ds)
    for (label, fn), color in zip(kinds, ("#8e6bb8", "#c9a227", "#555555")):
        vals = [fn(results[d]) for d in ds]
        a.bar(names, vals, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for i, total in enumerate(bottom):
        a.annotate(f"{total:,}", (i, total), ha="center", va="bottom", fontsize=8)
    a.set_title("Events lost")
    a.legend(fontsize=8)

    a = ax[1][1]
    vals = [results[d]["work"]["useful_per_burn"] or 0 for d in ds]
    a.bar(names, vals, color=[colors[d] for d in ds])
    a.set_title("Useful work done per 20 ms callback")
    a.set_ylabel("instructions of load completed")
    for i, v in enumerate(vals):
        a.annotate(fmt(v), (i, v), ha="center", va="bottom", fontsize=8)

    fig.suptitle("knock bake-off: one workload, three interrupt designs "
                 "(QEMU -icount shift=0: instructions)", fontsize=11)
    fig.tight_layout()
    fig.savefig(png, dpi=90, metadata={"Software": None})
    plt.close(fig)


def write_report(results, doc, png, qemu, version):
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    plot(results, png)
    Path(doc).write_text(markdown(results, qemu, version))


def bench_figures(iso, elf, doc=REPO / "docs" / "bakeoff.md", png=REPO / "docs" / "bakeoff.png"):
    """For tools/bench.py: run the bake-off, regenerate the report, and
    return ({figure name: bench.py figure}, the whole results)."""
    results = run_all(iso, elf)
    qemu, version = kq.qemu_version(), kq.makefile_version()
    write_report(results, doc, png, qemu, version)
    v = verdict(results)
    detail = {"report": str(Path(doc).relative_to(REPO)) if Path(doc).is_relative_to(REPO)
              else str(doc)}
    figures = {}
    for d, r in results.items():
        figures[f"bakeoff.events_lost.{d}"] = {
            "value": r["events_lost"], "goal": 0 if d in KNOCKS else None, "unit": "events",
            "met": (r["events_lost"] == 0) if d in KNOCKS else None,
            "detail": {"keys": r["keys"], "serial": r["serial"], "alarms": r["alarms"],
                       **detail}}
    for d, r in results.items():
        figures[f"bakeoff.hardware_lost.{d}"] = {
            "value": r["hardware_lost"]["total"], "goal": None, "unit": "events", "met": None,
            "detail": {**r["hardware_lost"], **detail}}
    for d, r in results.items():
        for s, lat in r["latency"].items():
            figures[f"bakeoff.latency.{s}.{d}"] = {
                "value": f"{lat['p50']} / {lat['p99']} / {lat['max']}", "goal": None,
                "unit": "instructions (p50 / p99 / max)", "met": None,
                "detail": {**lat, **detail}}
    for d, r in results.items():
        figures[f"bakeoff.useful_work.{d}"] = {
            "value": r["work"]["useful_per_burn"], "goal": None,
            "unit": "instructions of load per 20 ms callback", "met": None,
            "detail": {**r["work"], **detail}}
    for d, r in results.items():
        others = v.get("others_shortest_irq_off")
        figures[f"bakeoff.irq_off_longest.{d}"] = {
            "value": r["irq_off"]["longest"], "unit": "instructions",
            "goal": others if d in KNOCKS and others is not None else None,
            "met": v.get("knock_shortest_irq_off") if d in KNOCKS else None,
            "detail": {**r["irq_off"], "goal_means": "below every other design's", **detail}}
    return figures, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iso", default=str(REPO / "build" / "knock-lab.iso"))
    ap.add_argument("--elf", default=str(REPO / "build" / "knock-lab.elf"))
    ap.add_argument("--json", default=str(REPO / "build" / "bakeoff.json"))
    ap.add_argument("--doc", default=str(REPO / "docs" / "bakeoff.md"))
    ap.add_argument("--png", default=str(REPO / "docs" / "bakeoff.png"))
    ap.add_argument("--design", action="append", choices=DESIGNS,
                    help="only this design (repeatable); the report is then not written")
    ap.add_argument("--from-json", help="only regenerate the report from this JSON")
    ap.add_argument("--load", choices=LOADS, default="world",
                    help="world (default, what make bench uses: the same every run) or host "
                         "(keys and bytes from the host; the report is then not written)")
    ap.add_argument("--world-keys", type=int, default=WORLD_KEYS,
                    help="keys the world types (a shorter run; the report is then not written)")
    ap.add_argument("--world-bytes", type=int, default=WORLD_BYTES,
                    help="serial bytes the world sends (likewise)")
    args = ap.parse_args()
    qemu, version = kq.qemu_version(), kq.makefile_version()
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
    else:
        results = run_all(args.iso, args.elf, tuple(args.design or DESIGNS), load=args.load,
                          world_keys=args.world_keys, world_bytes=args.world_bytes)
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    default_load = (args.load, args.world_keys, args.world_bytes) == \
        ("world", WORLD_KEYS, WORLD_BYTES)
    if not args.design and (default_load or args.from_json):
        write_report(results, args.doc, args.png, qemu, version)
    print(markdown(results, qemu, version).split("## Results", 1)[-1].split("![")[0])
    return 0


TEMPLATE = """<!-- GENERATED by `make bench` (tools/bakeoff.py). Do not edit by hand:
     change tools/bakeoff.py and run `make bench` to regenerate this page and bakeoff.png. -->
# The bake-off: one workload, three interrupt designs

knock's claim is that interrupts should only *knock* and the loop should
*answer*. This page measures that claim against the two designs a kernel
usually has instead, each built as its best advocate would build it, on
the same workload and machine. It was written by `make bench` from what it
measured (knock {version}, QEMU {qemu}, `-machine pc`, one CPU,
`-icount shift=0,sleep=off`: the guest's TSC counts instructions, so every
figure below is in instructions; at 1 GHz an instruction is a nanosecond).
The load is played inside the guest on a seeded schedule, so two runs give
the same figures ("The workload").

## The designs

All are the same kernel, capsules and drivers, in the lab image
(build/knock-lab.iso, docs/lab.md); the boot option `design=`
(board/pc/lab/design.h) only changes where a device's driver runs.

1. **knock** (`design=knock`). A device's top half is a few instructions
   of generated asm: set the source's bit in the pending word, EOI,
   `iretq`. The loop takes the bits and calls the drivers, with interrupts
   on. Data stays in the device (the i8042's output buffer, the UART's
   FIFO) until the driver reads it.
2. **knock, burn split** (`design=knock burn=split`): the same kernel; the
   load's long callback is split into {bakeoff_slice_ms} ms slices, each
   setting a deferred call for the next: what docs/capsules.md asks of a
   capsule with long work. This column shows what that rule buys.
3. **in-ISR** (`design=inisr`): the "table of function pointers" design.
   Each device vector runs a C handler (chips/x86_64/lab/irq_handler.c)
   that runs the driver itself, interrupts off. Capsule state is then
   shared between the handlers and the loop, so the loop runs its
   callbacks with interrupts off (kernel/lab/loop_guarded.c). Its advocate
   would not run long work that way, and neither does this build: the
   load's computation runs with interrupts on (the callback enables them
   around the part that shares nothing with a handler and disables them
   again for its bookkeeping), as a kernel built around in-ISR drivers runs
   its long work in the main loop with interrupts on.
4. **ISR-queue** (`design=isrqueue`): the handler takes the device's data
   and the loop works from it later (board/pc/lab/design_isrqueue.c). As
   its advocate would build it: one single-producer single-consumer ring
   per source, sized for that source's worst burst (keyboard 16 bytes,
   the serial line 256: 20 ms at 115200 baud is 230), popped by the loop with
   interrupts on (kernel/lab/isr_queue.h); level-like state (the timer
   fired, the transmit FIFO emptied) is a flag, not a queued event, so it
   cannot be dropped; and a full ring throttles its source instead of
   dropping (IRQ1 masked at the IOAPIC, the UART's receive interrupts
   off), so the kernel never drops what the device can still hold. Its
   rings count what a push into a full ring would have dropped: the
   table shows it stayed 0.

## The workload

{workload}

## Results

{table}

![The bake-off, plotted](bakeoff.png)

{checks}

{explanations}

Notes from the runs:

{notes}

## Loss as hardware would count it

{loss}

## How to read it

- **Events lost in the guest** adds up key bytes the keyboard driver never
  got, serial bytes the sink never counted, and alarms that never fired.
- **Longest interrupts-off window**: knock's are its top halves (the
  stamped ones the run used: {stamped} instructions; the product's plain
  ones are {plain}) and the sleep check (`cli`, look at `pending`,
  `sti`). in-ISR's are its handlers (a driver's whole service) and
  its guarded callbacks; ISR-queue's its handlers (a serial handler
  reads the FIFO into the ring). A world step that lands inside a window
  is taken out of it whole: its entry stub counts every instruction of
  the NMI, first to `iretq` (chips/x86_64/lab/world_nmi.asm). Counted in
  C, about 18 of them (`world_nmi()`'s entry and exit outside its clock
  reads) were left in: a 25-instruction sleep check with a step in it
  once measured 43. The meter reads the world's count and the TSC one
  after the other, so a step landing between the two reads would be
  taken out of a window it was not in; counted in a throw-away build
  (the count read again around each clock read), that happened 0 times
  in each of the four runs, so no figure here is moved by it.
- **Latency**, in every design, is one sample per interrupt, from that
  interrupt to the end of the work it caused. knock: the stamped top half
  counts each entry and keeps the first and last entry's TSC since its bit
  was set; a service answers every entry since the last, the first and
  last dated exactly and those in between at the first (an upper bound).
  An interrupt that comes after the loop took the bit but before the
  service reads the stamps is counted with that service and dated by
  it, a little short; counted in a throw-away build, that happened 0
  times in knock's run and once in the split run.
  in-ISR: the handler's entry (or the start of the interrupts-off stretch
  that held it) to the driver's return. ISR-queue: the handler's entry to
  the moment the client got the last byte that interrupt read (ring bytes
  carry their interrupt's entry time), or, for a flag, to its service.
  The timer is dated at its deadline in the C-handler designs (QEMU under
  icount raises the LAPIC timer's interrupt only once interrupts are back
  on, so its entry would hide the wait).
- **Useful work** is the long callback's completed units times one unit's
  length (measured in the guest with nothing else running: under icount,
  its instructions), per callback, so runs that took different numbers of
  callbacks compare. What interrupt handling takes out of a callback
  (in-ISR's handlers run inside it) is work the load did not get done.
- **Overhead** is the instructions the CPU ran over the load's window
  ([started, finished], its sleeps and the world's steps taken out) that
  were not load, per event serviced: interrupt entries, drivers, the loop.

## How it is measured

- Interrupts-off windows: chips/x86_64/lab/irq_off_meter.h. The lab image
  links a metered copy of the arch interface (arch_irq_metered.c) that
  reads the TSC after `cli` and before `sti`; C handlers read it on entry
  and before returning, and the slow stub's own instructions around them
  ({stub_entry} before C, {stub_exit} after, including `iretq`) are
  measured once at boot and added. knock's top halves run no C; their
  length is counted in the ELF with objdump.
- Counts checked against a side knock does not compute:
  tests/e2e/test_bakeoff.py boots knock with QEMU's own interrupt log
  (`-d int`) and checks, per device, that QEMU's deliveries of the vector
  equal the stamped top half's entries, that the keyboard's entries equal
  the bytes the i8042 delivered, and that the loop's services equal the
  entries that found their bit clear (the top half counts the others from
  the carry flag `lock bts` leaves: coalesced where it happens).
- The workload's driver is tools/bakeoff.py (called by tools/bench.py);
  the serial log of each run is kept in build/bakeoff-<design>.log and all
  the figures, with more detail, in build/bench.json under "bakeoff".

{limits}
"""


if __name__ == "__main__":
    sys.exit(main())
