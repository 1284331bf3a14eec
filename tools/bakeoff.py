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
TSC counts instructions), with OPTIONS below. The
guest runs its half of the workload (capsules/lab/bakeoff_load.h: a 20 ms
callback every 80 ms, 200 alarms, a serial sink); this script drives the
rest identically for each design: the same keys through QMP, at most
KEY_WINDOW keys ahead of what the guest has read (QEMU's PS/2 queue holds
16 bytes), then the same serial bytes. Then it stops the guest and reads
the figures from guest memory (board/pc/wire_bakeoff.h: a table found
through the ELF symbol board_bakeoff_export), so a design that lost its
serial output still reports.
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
SOURCES = ("timer", "keyboard", "com1")
ICOUNT = "shift=0,sleep=off"
OPTIONS = "bakeoff stubs=stamped"
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
    out["useful_share"] = (round(useful / v["load.burn_cycles"], 4)
                           if v.get("load.burn_cycles") else None)
    if not v["load.finished"]:
        return out  # no window: the load never finished
    window = v["load.finished"] - v["load.started"]
    idle = v["idle.at_finish"]
    busy = window - idle
    if window <= 0 or busy < 0:
        raise Unmeasured(f"the meters disagree: window {window}, idle in it {idle}")
    overhead = busy - useful
    if overhead < 0:
        raise Unmeasured(f"the burn claims {useful} instructions of work in {busy} busy ones: "
                         "its unit length was measured wrong")
    out.update(window=window, idle=idle, busy=busy, overhead_instructions=overhead,
               overhead_per_event=round(overhead / serviced, 1) if serviced else None)
    return out


class Run:
    """One design's boot: drive the workload, then read the figures."""

    def __init__(self, iso, elf, design, lines, data, log_dir=None):
        self.iso, self.elf, self.design = iso, elf, design
        self.log_dir = Path(log_dir) if log_dir else None
        self.lines, self.data = lines, data
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

    def run(self):
        terminator_expected = terminator()
        cmdline = f"{DESIGN_OPTIONS[self.design]} {OPTIONS}"
        with kq.Knock(self.iso, machine=MACHINE, cmdline=cmdline, icount=ICOUNT,
                      name=f"bakeoff-{self.design}") as vm:
            m = vm.wait_for(r"bakeoff: load started: .*sink until '([^']+)'$", LOAD_TIMEOUT)
            said = m.group(1).encode()
            if said != terminator_expected:
                raise Unmeasured(f"the guest's sink waits for {said!r}, not "
                                 f"{terminator_expected!r}: rebuild the ISO")
            pos = m.end()
            keys = self.type_keys(vm)
            serial = self.send_serial(vm, said)
            finished = self.wait_finished(vm)
            vm.qmp.command("stop")
            mem = Memory(vm)
            log = vm.log
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            (self.log_dir / f"bakeoff-{self.design}.log").write_text(log)
        values, at_start = read_figures(mem, self.addr, None)
        return self.summarize(values, at_start, keys, serial, finished, log[pos:])

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
        alarms_set = v["alarms.set"]
        alarms_lost = alarms_set - v["alarms.fired"]
        events_lost = (key_bytes_sent - key_bytes) + (serial_lost if serial_lost is not None
                                                       else len(self.data)) + alarms_lost
        serviced = key_bytes + delta("console.rx_bytes") + delta("timer.alarms_fired")
        work = work_figures(v, serviced)
        hardware = hardware_losses(v, v["tsc_hz"], KEY_RATE)
        latency = {}
        for s in SOURCES:
            h = v[f"latency.{s}"]
            latency[s] = {"samples": h["count"], "p50": percentile(h, 500),
                          "p99": percentile(h, 990), "max": h["max"]}
        windows = {"loop": v["irqoff.loop.longest"], "handler": v["irqoff.handler.longest"]}
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
            "alarms": {"set": alarms_set, "fired": v["alarms.fired"],
                       "twice": v["alarms.twice"], "out_of_order": v["alarms.out_of_order"],
                       "missing": v["alarms.missing"], "lost": alarms_lost,
                       "flood_finished": bool(v["load.flood_done"])},
            "irq_off": {"longest": max(windows.values()), "longest_loop": windows["loop"],
                        "longest_handler": windows["handler"],
                        "loop_windows": v["irqoff.loop.windows"],
                        "handler_windows": v["irqoff.handler.windows"],
                        "handler_total": v["irqoff.handler.total"],
                        "loop_total": v["irqoff.loop.total"]},
            "latency": latency,
            "work": work,
            "handler_stub": {"entry": v["handler.entry_cost"], "exit": v["handler.exit_cost"]},
            "queue_high_water": {"keyboard": v["queue.keyboard.high_water"],
                                 "com1": v["queue.com1.high_water"]},
            "load_finished": finished,
            "tsc_hz": v["tsc_hz"],
            "notes": self.notes,
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


def run_all(iso, elf, designs=DESIGNS, log_dir=REPO / "build"):
    rng = random.Random(SEED)
    lines = typed_lines(rng, KEYS)
    data = serial_data(rng, SERIAL_BYTES, terminator())
    results = {}
    for d in designs:
        results[d] = Run(iso, elf, d, lines, data, log_dir).run()
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


def explanations(results, v):
    """Paragraphs for docs/bakeoff.md that follow from the figures: the
    report is generated, so what it says about a surprise must be too."""
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
            f"{split['serial_worst_unread_us']:,} us). The UART driver asks for an interrupt "
            "at 14 bytes (FCR), which leaves 2 byte times (174 us) before the 16-byte FIFO "
            "overruns, shorter than a slice. What the driver should do on hardware: ask for "
            "the interrupt at 1 or 4 bytes (15 or 12 byte times, 1.3 or 1.04 ms, to come "
            "round), and capsules should keep slices below that.")
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

    rows = [
        head, rule,
        row("**events lost**", lambda r: f"**{r['events_lost']:,}**"),
        row("**events real hardware would have lost** (serial, timer, keyboard)",
            lambda r: f"**{r['hardware_lost']['total']:,}** ({r['hardware_lost']['serial']:,}, "
            f"{r['hardware_lost']['timer']:,}, {r['hardware_lost']['keyboard']:,})"),
        row("... longest a streaming UART FIFO went unread (us; 16 bytes last 1,389)",
            lambda r: f"{r['hardware_lost']['serial_worst_unread_us']:,}"),
        row("key bytes delivered / typed",
            lambda r: f"{r['keys']['bytes_delivered']} / {r['keys']['bytes_sent']}"),
        row("`echo` lines answered intact",
            lambda r: f"{r['keys']['lines_echoed_intact']} / {r['keys']['lines_typed']}"),
        row("serial bytes counted / sent",
            lambda r: f"{r['serial']['counted']:,} / {r['serial']['sent']:,}"
            if r["serial"]["sink_done"] else f"never finished / {r['serial']['sent']:,}"),
        row("serial CRC-32 matches", lambda r: yes(r["serial"]["crc_match"])),
        row("alarms fired / set", lambda r: f"{r['alarms']['fired']} / {r['alarms']['set']}"),
        row("ISR-queue rings: dropped, throttles (keyboard; com1)",
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
    for s in SOURCES:
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
    return TEMPLATE.format(
        qemu=qemu, version=version, table="\n".join(rows),
        checks="\n".join(checks) or "- (knock was not measured)",
        explanations="\n\n".join(explanations(results, v)),
        notes="\n".join(notes) or "- none",
        options=OPTIONS, keys=KEYS, rate=KEY_RATE, window=KEY_WINDOW, serial_kib=SERIAL_BYTES // 1024,
        plain=k.get("irq_off", {}).get("top_half_plain", "?"),
        stamped=k.get("irq_off", {}).get("longest_handler", "?"),
        stub_entry=stub["entry"] if stub else "?", stub_exit=stub["exit"] if stub else "?",
        **load_constants())


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
        xs = [j + (i - (len(ds) - 1) / 2) * width for j in range(len(SOURCES))]
        p99 = [max(results[d]["latency"][s]["p99"], 1) for s in SOURCES]
        p50 = [max(results[d]["latency"][s]["p50"], 1) for s in SOURCES]
        mx = [max(results[d]["latency"][s]["max"], 1) for s in SOURCES]
        a.bar(xs, p99, width, color=colors[d], label=TITLE[d], alpha=0.85)
        a.scatter(xs, p50, color="black", marker="_", s=80, zorder=3)
        a.scatter(xs, mx, color="black", marker="v", s=14, zorder=3)
    a.set_xticks(range(len(SOURCES)))
    a.set_xticklabels(SOURCES)
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
        for s in SOURCES:
            lat = r["latency"][s]
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
    args = ap.parse_args()
    qemu, version = kq.qemu_version(), kq.makefile_version()
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
    else:
        results = run_all(args.iso, args.elf, tuple(args.design or DESIGNS))
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if not args.design:
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
   COM1 256: 20 ms at 115200 baud is 230), popped by the loop with
   interrupts on (kernel/lab/isr_queue.h); level-like state (the timer
   fired, the transmit FIFO emptied) is a flag, not a queued event, so it
   cannot be dropped; and a full ring throttles its source instead of
   dropping (IRQ1 masked at the IOAPIC, the UART's receive interrupts
   off), so the kernel never drops what the device can still hold. Its
   rings count what a push into a full ring would have dropped: the
   table shows it stayed 0.

## The workload

The same for each design, one QEMU boot per design with
`<design's options> {options}`, every other option knock's default: the
stall watchdog and storm detection on, stats as they come (their timing is
off by default). `stubs=stamped` swaps the top halves for ones that also
store the TSC and count (see "How it is measured"): {stamped}
instructions instead of {plain}, which the windows below include.

- **A capsule that sometimes runs long**: a callback that computes for
  {bakeoff_burn_ms} ms, then {bakeoff_burn_gap_ms} ms without, until the
  rest of the load is done (capsules/lab/bakeoff_load.c). Its computation
  comes in units of a fixed instruction sequence, and it counts the units
  it completed: the useful work.
- **Alarms**: {bakeoff_alarms} one-shot alarms set at once, delays 1 to
  {bakeoff_alarm_max_ms} ms (capsules/lab/alarm_flood.h).
- **Key flood**: {keys} keys (`echo` lines and their Enter) typed through
  QMP `input-send-event` into the shell, at most {rate} keys/s and never
  more than {window} keys ahead of what the guest has read from the
  i8042, so that QEMU's 16-byte PS/2 queue cannot overflow.
- **Serial flood**: {serial_kib} KiB of seeded random bytes sent into COM1
  as fast as QEMU takes them, to a sink that counts them and computes
  their CRC-32 until a terminator.

The load starts {bakeoff_settle_ms} ms after boot; the keys come first,
then the serial bytes. When the alarms and the sink are done, the guest is
stopped and the figures are read from its memory
(board/pc/lab/wire_bakeoff.h).

## Results

{table}

![The bake-off, plotted](bakeoff.png)

{checks}

{explanations}

Notes from the runs:

{notes}

## Loss as hardware would count it

QEMU is kinder than hardware. Its UART stops taking bytes from the host
while the 16-byte receive FIFO is full (serial_can_receive in
hw/char/serial.c), and its PS/2 keyboard queues keys, so in QEMU a slow
reader loses nothing. Real devices do not wait. The row "events real
hardware would have lost" applies a model of each device to when each
design actually read it:

- **Serial**: a 16550 at 115200 baud receives a byte every 86.8 us and
  holds 16 in its FIFO; knock's driver sets the FIFO to interrupt at 14
  bytes, which leaves 2 byte times (174 us) to start reading. Every time
  a design reads the FIFO (a driver's drain, a handler's read: struct
  serial_hw_model in board/pc/lab/design.h), the guest notes when the
  read began and, if it found at least 14 bytes (the line was streaming),
  how many bytes would have arrived since the FIFO was last left empty
  (or since 13 byte times before the interrupt, whichever is later): what
  exceeds 16 is lost. A source left throttled counts from when reading
  stopped.
- **Timer**: a periodic LAPIC tick at 1 kHz: an interrupt answered more
  than one period late is a tick lost (from the latency histogram: a lower
  bound).
- **Keyboard**: a PS/2 keyboard buffers 16 bytes and the i8042 holds one;
  at the typing rate above, a byte that waited longer than 17 bytes' worth
  of typing would have been lost (from the latency histogram).

When the serial flood and a long callback overlap, knock's driver does not
read the UART for the whole callback: on hardware that overruns the FIFO
1.4 ms into a 20 ms callback. What a knock capsule should do about it is
what the second column does: split long work into slices of well under the
FIFO's 1.4 ms (the default 1 ms slice is close; a serial-heavy board would
choose less), so the loop comes round to the UART between slices. The
figures of a run say whether the flood overlapped a callback (com1
latency max of about 20 M means it did).

## How to read it

- **Events lost in the guest** adds up key bytes the keyboard driver never
  got, serial bytes the sink never counted, and alarms that never fired.
- **Longest interrupts-off window**: knock's are its top halves (the
  stamped ones the run used: {stamped} instructions; the product's plain
  ones are {plain}) and the sleep check (`cli`, look at `pending`,
  `sti; hlt`). in-ISR's are its handlers (a driver's whole service) and
  its guarded callbacks; ISR-queue's its handlers (a COM1 handler reads
  the FIFO until the ring is full, while QEMU refills it).
- **Latency**, in every design, is one sample per interrupt, from that
  interrupt to the end of the work it caused. knock: the stamped top half
  counts each entry and keeps the first and last entry's TSC since its bit
  was set; a service answers every entry since the last, the first and
  last dated exactly and those in between at the first (an upper bound).
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
  ([started, finished], its sleeps taken out) that were not load, per
  event serviced: interrupt entries, drivers, the loop.

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

## What these figures cannot show yet

**They do not repeat exactly.** The guest is deterministic under icount,
but the keys and serial bytes come from the host at host pace, so where a
key or a byte lands relative to a long callback differs from run to run,
and with it the latency tails, the hardware-loss counts and whether the
serial flood overlaps a callback at all. QEMU's record/replay cannot help
across designs (each runs different guest code, so a recorded input
stream does not replay into another). The way to identical figures is a
guest-side generator under icount: a second CPU of the lab image acting
as the outside world, pacing itself by its own clock on a seeded
schedule, with every device interrupt routed to CPU 0 where the design
under test runs. QEMU's devices allow it: the i8042's command 0xD2 writes
the next data byte into the keyboard output buffer and raises IRQ1 as if
the keyboard had sent it (KBD_CCMD_WRITE_OBUF in hw/input/pckbd.c), and a
16550 in loopback mode (MCR bit 4) receives what it transmits
(serial_xmit calls serial_receive1 in hw/char/serial.c), setting LSR's
overrun bit instead of overwriting when its 16-byte FIFO is full, so COM2
in loopback, paced at 115200 baud, overruns the way hardware does.

That generator exists, off by default: the boot option `world` (with
`bakeoff`, `-smp 2` and a second `-serial` for COM2) makes CPU 1 the
outside world (chips/x86_64/lab/world.c, its seeded load in
capsules/lab/world_load.c): it types the keys through 0xD2 as a PS/2
keyboard would (a 16-byte buffer of its own, a byte only when the
controller is empty) and sends 64 KiB into COM2 at 115200 baud, and the
design under test reads COM2 into the load's sink. It works as far as
it goes (every key echoed; in a run whose bytes were not overrun, the
sink's count and CRC-32 equalled the generator's), but not yet
faithfully: QEMU {qemu}'s single-threaded icount scheduler does not run
CPU 1 while CPU 0 runs a 20 ms callback, even with CPU 1's LAPIC timer
ticking every 10 us, so the world's keys and bytes stop during a callback
and come out in a burst after it (world.late_max of about 20 M), which
overruns COM2 through no design's fault. Until that is understood (or
the world paces itself another way), `make bench` keeps the host-driven
load above.
"""


if __name__ == "__main__":
    sys.exit(main())
