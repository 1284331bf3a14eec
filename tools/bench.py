#!/usr/bin/python3
"""make bench: knock's figures, printed with their goals and written as JSON.

  tools/bench.py --iso build/knock.iso --elf build/knock.elf --out build/bench.json \
      [--lab-iso build/knock-lab.iso --lab-elf build/knock-lab.elf]

The figures describe the image a user boots (--iso/--elf), as shipped, in
its default configuration. Its hot paths are counted from outside, with no
code in the guest: tools/bench_paths.py single-steps the real image with
gdb attached to QEMU's gdb stub under -icount shift=0,sleep=off
(tools/count_path.py; definitions in docs/testing.md):

  keystroke_instructions  a key pressed at the prompt on an idle CPU: from
      top_half_keyboard's first instruction to the later of the screen echo
      (first write into the VGA text buffer) and the serial echo (first
      write into the console's ring or `out` to COM1's THR).
  deferred_call_instructions  Enter on the serial line sets the console's
      deferred call: the setter's own instructions plus those from the
      setting loop client's return to the deferred client's first one.
  timer_wake_latency  `alarm 200` on an idle CPU: from top_half_timer's
      first instruction to the alarm client's first instruction.
  top_half_instructions.<source>  per interrupt table row: objdump's count
      of top_half_<source> to its iretq, checked against the count gdb
      stepped on the way (where the source can be triggered from outside).
  udp_echo_instructions  one 64-byte UDP datagram to knock's echo port
      on an idle CPU (tools/bench_net.py, the Makefile's QEMU_DEVICES):
      from the receive queue's MSI-X top half to the transport's notify
      of the transmit queue.
  msix_top_half_instructions, blk_read_instructions_per_4k  tools/bench_blk.py,
      one boot with a virtio-blk disk: `blk crc 0 8`, one 4 KiB read: the
      driver's read() to its return, the queue's MSI-X top half, and its
      loop client to the caller's done(); the top half alone.
  kernel_text_bytes  size of the .text section of the kernel ELF; the detail
      splits it by directory from the link map beside it (tools/text_map.py).
  boot_to_ready_s  wall time from starting QEMU to the ready banner arriving
      on serial: TCG without icount, -machine pc, median of 5 runs. Includes
      SeaBIOS and GRUB; the detail also gives knock's own share (its first
      serial line to the banner; goal KNOCK_OWN_GOAL_S), median and minimum
      (on a busy host the minimum is the better estimate: time the host
      takes the CPU away only ever adds).
  boot_to_ready_uefi_s  the same under OVMF (UEFI), median of 3: OVMF and
      GRUB take most of it; knock's own share includes clearing and drawing
      the framebuffer console (docs/boot.md).

The lab image (--lab-iso/--lab-elf; the product image until a lab image is
given) carries the in-guest probes and load generators:

  lab.deferred_call_instructions  `bench` (capsules/bench_deferred.c): the
      guest's TSC (= instructions under icount) from set to client, median.
  lab.idle_wakeups_per_s  one boot with `bench` (capsules/lab/bench_idle.c):
      the loop's wake-up counter over one idle guest second.
  bakeoff.<figure>.<design>  the bake-off of knock, knock with its long
      callback split, in-ISR and ISR-queue on one workload, played inside
      the guest so that every run gives the same figures (tools/bakeoff.py's
      world load, docs/bakeoff.md): events lost (knock's goal: 0), events
      real hardware would have lost, the longest interrupts-off window in
      instructions (knock's goal: below the other designs'), latency p50 /
      p99 / max per source, and useful work done per long callback; the rest
      is under "bakeoff" in the JSON and in docs/bakeoff.md, which it
      regenerates with docs/bakeoff.png.
  ipi_wake_instructions, lock_fairness.<lock>  the SMP benches (docs/smp.md).

wallclock.* rows are wall-clock figures from the host under plain TCG
(tools/bench_net.py: the UDP echo's round trip, median, and datagrams per
second with 16 in flight): NOT repeatable, they depend on the host, its
load and QEMU's slirp; printed without a goal.
xv6.* rows are fixed reference figures, not measured here (their source is
in the detail).

Exits 1 only if a figure could not be measured. QEMU is driven by the
end-to-end harness, tests/e2e/knock_qemu.py, imported by path.
"""
import argparse
import functools
import json
import os
import re
import statistics
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


# The end-to-end harness drives QEMU; the bake-off and the path counter
# are tools of their own. All are imported from where they live.
sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "tools")]
import knock_qemu as kq  # noqa: E402
import bakeoff  # noqa: E402
import bench_net  # noqa: E402
import count_path  # noqa: E402
import bench_processes  # noqa: E402
import text_map  # noqa: E402

MACHINE = "pc"
BOOT_RUNS = 5
KNOCK_OWN_GOAL_S = 0.015  # knock's own share of a boot, either firmware
UEFI_BOOT_RUNS = 3  # each OVMF boot is ~3.5 s of firmware
ICOUNT = "shift=0,sleep=off"
# The shipped image's goals (issue 11, "The shipped image at its floors").
GOALS = {
    "deferred_call_instructions": 20,
    "kernel_text_bytes": 56 * 1024,
    "boot_to_ready_s": 0.45,
    "boot_to_ready_uefi_s": 3.8,
    "top_half_instructions": 3,
    "keystroke_instructions": 300,
    "timer_wake_latency": 45,
    "udp_echo_instructions": 1500,  # issue 15
    "msix_top_half_instructions": 3,
    "blk_read_instructions_per_4k": 1000,
    # A level-triggered INTx row's top half: the knock, its IOAPIC entry
    # selected and masked, the EOI, iretq (docs/interrupts.md).
    "level_top_half_instructions": 5,
    # Processes (issue 16), on the test apps' image (tools/bench_processes.py).
    "syscall_instructions": 120,
    "upcall_instructions": 400,
    "user_knock_instructions": 60,
}
# Lab figures describe an image nobody ships and xv6 rows are references:
# printed without a goal.
NO_GOAL_PREFIXES = ("lab.", "xv6.", "wallclock.")
XV6_SOURCE = ("xv6-public on QEMU 7.2, measured the same way under -icount shift=0 "
              "(figures quoted in issue 11)")
XV6_REFERENCE = {
    "xv6.keystroke_instructions.uart_echo": (531, "instructions",
                                             "keyboard vector to the UART echo"),
    "xv6.keystroke_instructions.cga_echo": (599, "instructions",
                                            "keyboard vector to the CGA (screen) echo as well"),
    "xv6.kernel_text_bytes": (29144, "bytes", "size of xv6's kernel text"),
}
# A log line printed while the shell's prompt is up comes after the prompt
# and the blanks that cleared it ("knock>      bench: ..." once the CRs are
# gone), so the lines are matched from "bench:" on, not from the start.
LINE_START = r"^(?:.*\s)?"
BENCH_LINE = (LINE_START + r"bench: deferred_call_instructions min=(\d+) median=(\d+) "
              r"max=(\d+) samples=(\d+) overhead=(\d+)$")
IDLE_LINE = (LINE_START + r"bench: idle_wakeups_per_s rate=(\d+\.\d+) wakeups=(\d+) own=(\d+) "
             r"interval_us=(\d+) timer_rounds=(\d+)$")
INTERRUPT_TABLE = REPO / "board" / "pc" / "interrupts.h"
TABLE_ROW = re.compile(
    r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,\s*(-?\d+)\s*,'
    r'\s*(-?\d+)\s*\)')


LEVEL_ROW = re.compile(r'L\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                       r'\s*(\d+)\s*\)')


class Unmeasured(Exception):
    """A figure that could not be measured, and why."""


def measure_deferred_call(iso):
    with kq.Knock(iso, machine=MACHINE, cmdline="bench", icount=ICOUNT, name="bench") as vm:
        # icount runs the guest slower than plain TCG: give it the boot
        # timeout twice over.
        m = vm.wait_for(BENCH_LINE, 2 * kq.BOOT_TIMEOUT)
    low, median, high, samples, overhead = map(int, m.groups())
    return median, "instructions", {
        "min": low, "median": median, "max": high, "samples": samples,
        "clock_read_overhead": overhead,
        "method": f"in-guest bench option, QEMU -icount {ICOUNT}: TSC counts instructions; "
                  "set-to-client deltas minus one clock read, median of the samples",
    }


def interrupt_sources():
    """[(source name, vector)] from the board's interrupt table."""
    rows = [(name, int(vector, 0)) for _, name, vector, _, _, _ in
            TABLE_ROW.findall(INTERRUPT_TABLE.read_text())]
    if not rows:
        raise Unmeasured(f"no X(...) rows in {INTERRUPT_TABLE}")
    return rows


def level_sources():
    """[(row name, GSI)] of the board's level-triggered (INTx) rows."""
    return [(name, int(gsi)) for _, name, _, _, gsi in
            LEVEL_ROW.findall(INTERRUPT_TABLE.read_text())]


def measure_level_top_half(elf, name, gsi):
    """objdump's count only: a level row is triggered by a PCI function
    without MSI-X, which the shipped machine does not have (tests/e2e/
    test_intx.py checks the same stubs and runs them)."""
    insns = stub_instructions(elf, f"top_half_{name}")
    return len(insns), "instructions", {
        "gsi": gsi, "symbol": f"top_half_{name}", "instructions": insns,
        "method": "static: objdump -d of the ELF, the stub's entry to its iretq"}


def stub_instructions(elf, symbol):
    """The instructions of `symbol` from its entry to its first iretq, from
    objdump (what follows the iretq is alignment padding)."""
    try:
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}",
                              str(elf)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise Unmeasured(f"objdump on {elf}: {e}")
    insns = [m.group(1).strip() for m in re.finditer(r"^\s+[0-9a-f]+:\s+(.*)$", out, re.M)]
    for i, insn in enumerate(insns):
        if insn.startswith("iretq"):
            return insns[:i + 1]
    raise Unmeasured(f"{symbol} not found in {elf}, or it has no iretq")


def measure_top_half(iso, elf, name, vector):
    """objdump's count and, where the source is triggered on the way of the
    product paths, the count gdb stepped: two independent sides, which must
    agree."""
    insns = stub_instructions(elf, f"top_half_{name}")
    detail = {"vector": f"{vector:#x}", "symbol": f"top_half_{name}", "instructions": insns,
              "static": len(insns),
              "method": "static: objdump -d of the ELF, the stub's entry to its iretq; "
                        "dynamic: gdb single-stepping the running image from the stub's first "
                        "instruction until the interrupted code runs again "
                        "(tools/bench_paths.py)"}
    try:
        dynamic = product_paths(iso, elf)["top_half"].get(name)
    except Unmeasured as e:
        dynamic, detail["dynamic_error"] = None, str(e)
    detail["dynamic"] = dynamic
    if dynamic is None:
        detail.setdefault("dynamic_error", "not triggered from outside by the product paths")
        return len(insns), "instructions", detail
    if dynamic != len(insns):
        raise Unmeasured(f"top_half_{name}: objdump counts {len(insns)} instructions, gdb "
                         f"stepped {dynamic}: the two sides disagree")
    return dynamic, "instructions", detail


# --- the product's paths, counted from outside with gdb ---------------------

_product_runs = {}


def product_paths(iso, elf):
    """tools/bench_paths.py's counts for the image (one boot, run once)."""
    key = (str(iso), str(elf))
    if key not in _product_runs:
        try:
            _product_runs[key] = count_path.run_in_gdb(REPO / "tools" / "bench_paths.py",
                                                       [str(iso), str(elf)])
        except count_path.CountError as e:
            _product_runs[key] = Unmeasured(f"tools/bench_paths.py: {e}")
    result = _product_runs[key]
    if isinstance(result, Exception):
        raise result
    return result


_blk_runs = {}


def blk_paths(iso, elf):
    """tools/bench_blk.py's counts (one boot with a disk, run once)."""
    key = (str(iso), str(elf))
    if key not in _blk_runs:
        try:
            _blk_runs[key] = count_path.run_in_gdb(REPO / "tools" / "bench_blk.py",
                                                   [str(iso), str(elf)])
        except count_path.CountError as e:
            _blk_runs[key] = Unmeasured(f"tools/bench_blk.py: {e}")
    result = _blk_runs[key]
    if isinstance(result, Exception):
        raise result
    return result


def measure_blk_path(iso, elf, name):
    r = dict(blk_paths(iso, elf)[name])
    value = r.pop("instructions")
    r["method"] = (f"gdb single-stepping the shipped image (default options, a virtio-blk "
                   f"disk attached) through QEMU's gdb stub under -icount {ICOUNT} "
                   "(tools/count_path.py, tools/bench_blk.py); see definition")
    return value, "instructions", r


def measure_path(iso, elf, name):
    r = dict(product_paths(iso, elf)[name])
    value = r.pop("instructions")
    r["method"] = (f"gdb single-stepping the shipped image (default options) through QEMU's "
                   f"gdb stub under -icount {ICOUNT}, interrupts masked while stepping "
                   "(tools/count_path.py, tools/bench_paths.py); see definition")
    return value, "instructions", r


def measure_udp_echo(iso, elf):
    try:
        r = count_path.run_in_gdb(REPO / "tools" / "bench_net.py", [str(iso), str(elf)])
    except count_path.CountError as e:
        raise Unmeasured(f"tools/bench_net.py: {e}") from e
    r = dict(r["udp_echo_instructions"])
    value = r.pop("instructions")
    r["method"] = (f"gdb single-stepping the shipped image with the Makefile's QEMU_DEVICES "
                   f"through QEMU's gdb stub under -icount {ICOUNT}, interrupts masked while "
                   "stepping (tools/count_path.py, tools/bench_net.py); see definition")
    return value, "instructions", r


_wall_runs = {}


def measure_udp_wall(iso, which):
    """One wall-clock run (tools/bench_net.py) for both wallclock.udp_* rows."""
    if iso not in _wall_runs:
        try:
            _wall_runs[iso] = bench_net.wall_clock(iso, machine=MACHINE)
        except (count_path.CountError, kq.KnockFailure, kq.QmpError, OSError) as e:
            _wall_runs[iso] = Unmeasured(f"tools/bench_net.py: {e}")
    result = _wall_runs[iso]
    if isinstance(result, Exception):
        raise result
    rtt_us, per_s, detail = result
    if which == "rtt":
        return round(rtt_us), "us", detail
    return round(per_s), "datagrams/s", detail


def xv6_reference(name):
    value, unit, what = XV6_REFERENCE[name]
    return value, unit, {"reference": True, "what": what, "source": XV6_SOURCE}


_interrupt_runs = {}


def interrupt_run(iso):
    """The interrupt figures' boot, run once for all three (a failure too:
    each figure then reports the same error without booting again)."""
    if iso not in _interrupt_runs:
        try:
            _interrupt_runs[iso] = _interrupt_boot(iso)
        except (Unmeasured, kq.KnockFailure, kq.QmpError, OSError) as e:
            _interrupt_runs[iso] = e
    result = _interrupt_runs[iso]
    if isinstance(result, Exception):
        raise result
    return result


def _interrupt_boot(iso):
    """One boot of the lab image with `bench` under icount: the guest
    counts its own wake-ups over an idle second (capsules/lab/bench_idle.c).
    Returns {figure: regex match of its line}."""
    with kq.Knock(iso, machine=MACHINE, cmdline="bench", icount=ICOUNT,
                  name="bench-idle") as vm:
        idle = vm.wait_for(IDLE_LINE, 2 * kq.BOOT_TIMEOUT)
    return {"idle_wakeups_per_s": idle}


def measure_idle(iso):
    rate, wakeups, own, interval_us, rounds = interrupt_run(iso)["idle_wakeups_per_s"].groups()
    return float(rate), "wake-ups/s", {
        "wakeups": int(wakeups), "own_alarm_wakeups": int(own),
        "interval_us": int(interval_us), "timer_rounds": int(rounds),
        "method": "the kernel's own counter of loop wake-ups from hlt (struct cpu.wakeups), "
                  "read at the start of an idle interval and when a one-shot alarm ends it "
                  "1 s of guest time later, with no other alarm armed and the serial output "
                  "drained; the alarm's own wake-up is subtracted (own), the rest divided by "
                  "the interval. timer_rounds: alarm mux services in the interval",
    }


def elf_section_sizes(path):
    """{section name: size} from a little-endian ELF64's section headers."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise Unmeasured(f"{path} is not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def header(i):  # name, type, flags, addr, offset, size, ...
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)

    names_at = header(shstrndx)[4]
    sizes = {}
    for i in range(shnum):
        h = header(i)
        start = names_at + h[0]
        sizes[data[start:data.index(b"\0", start)].decode()] = h[5]
    return sizes


def measure_text(elf):
    sizes = elf_section_sizes(elf)
    if ".text" not in sizes:
        raise Unmeasured(f"{elf} has no .text section")
    others = {k: sizes[k] for k in (".rodata", ".data", ".ksyms") if k in sizes}
    detail = {"section": ".text", "elf": str(elf), "other_sections": others}
    map_path = Path(elf).with_suffix(".map")
    try:
        objects, section = text_map.text_by_object(map_path.read_text())
    except (OSError, text_map.MapError) as e:
        detail["by_directory"] = f"no link map: {e}"
        return sizes[".text"], "bytes", detail
    if section != sizes[".text"]:
        raise Unmeasured(f"{map_path} gives .text {section} bytes, {elf} {sizes['.text']}: "
                         "a map from another link")
    detail.update(map=str(map_path), code_bytes=sum(objects.values()),
                  by_directory=text_map.by_directory(objects))
    return sizes[".text"], "bytes", detail


def measure_boot(iso, version, uefi=False, boot_runs=BOOT_RUNS):
    banner = kq.banner_pattern(version)
    runs, own, before = [], [], []
    for i in range(boot_runs):
        with kq.Knock(iso, machine=MACHINE, name=f"boot{i}", uefi=uefi) as vm:
            first = vm.wait_for(r"^knock .* starting on",
                                kq.UEFI_BOOT_TIMEOUT if uefi else kq.BOOT_TIMEOUT)
            ready = vm.wait_for(banner, pos=first.end())
            t_first = vm.arrival_time(first.start())
            t_ready = vm.arrival_time(ready.start())
        runs.append(round(t_ready - vm.started_at, 4))
        own.append(round(t_ready - t_first, 4))
        before.append(round(t_first - vm.started_at, 4))
    return statistics.median(runs), "s", {
        "runs": runs, "knock_own_s": own, "knock_own_median_s": statistics.median(own),
        "knock_own_min_s": min(own), "knock_own_goal_s": KNOCK_OWN_GOAL_S,
        "knock_own_met": statistics.median(own) <= KNOCK_OWN_GOAL_S,
        "before_knock_median_s": statistics.median(before),
        "method": f"QEMU spawn to banner on serial, TCG, -machine {MACHINE}, "
                  f"{'OVMF' if uefi else 'SeaBIOS'}, median of {boot_runs}; "
                  "knock_own_s: first kernel line to banner; "
                  "before_knock: QEMU, firmware and GRUB up to the first kernel line",
    }


# Figures whose goal is a minimum (the others' goals are maxima).
AT_LEAST = set()


def goal(name):
    if name.startswith(NO_GOAL_PREFIXES):
        return None
    return GOALS.get(name.split(".")[0])


def goal_met(name, value):
    g = goal(name)
    if value is None or g is None:
        return None
    return value >= g if name.split(".")[0] in AT_LEAST else value <= g


def print_table(figures):
    rows = [("figure", "value", "goal", "met")]
    for name, f in figures.items():
        value = "not measured" if f["value"] is None else f"{f['value']} {f['unit']}"
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        at_least = name.split(".")[0] in AT_LEAST
        unit = f["unit"].split(" (")[0]  # "x (median of 5)": the goal is in x
        goal = "-" if f["goal"] is None else f"{'>=' if at_least else '<='} {f['goal']} {unit}"
        rows.append((name, value, goal, met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))


# --- SMP figures (docs/smp.md; capsules/bench_smp.c) ----------------------

SMP_GOALS = {
    # A deferred call is ~27 instructions; waking a sleeping CPU adds the
    # IPI's send, the end of the sender's round, the 3-instruction stub
    # and the way out of `hlt`.
    "ipi_wake_instructions": 250,
    # Grants per CPU, max over min, 4 CPUs on one lock.
    "lock_fairness": 1.05,
}
SMP_UNITS = {"ipi_wake_instructions": "instructions", "lock_fairness.ticketlock": "max/min",
             "lock_fairness.taslock": "max/min"}
IPI_LINE = (r"^(?:.*\s)?bench: ipi_wake_instructions min=(\d+) median=(\d+) max=(\d+) "
            r"samples=(\d+) overhead=(\d+) sender=(\d+) target=(\d+)$")
# stats=counts: no latency timing around every callback (the default; said
# here so the figures stay the kernel's paths alone if that changes).
SMP_BENCH_OPTIONS = "stats=counts"
FAIR_LINE = (r"^(?:.*\s)?bench: lock_fairness lock={} cpus=(\d+) ms=(\d+) "
             r"grants=([\d,]+) max_over_min=([\d.]+)$")


def measure_ipi_wake(iso):
    with kq.Knock(iso, machine=MACHINE, smp=3, cmdline=f"smpbench=ipi {SMP_BENCH_OPTIONS}",
                  icount=ICOUNT, name="bench-ipi") as vm:
        m = vm.wait_for(IPI_LINE, 2 * kq.BOOT_TIMEOUT)
    low, median, high, samples, overhead, sender, target = map(int, m.groups())
    return median, "instructions", {
        "min": low, "median": median, "max": high, "samples": samples,
        "clock_read_overhead": overhead, "sender": sender, "target": target,
        "method": f"-smp 3, QEMU -icount {ICOUNT}, {SMP_BENCH_OPTIONS}: CPU {sender} waits "
                  f"until CPU {target} sleeps, reads the TSC (= instructions) and knocks on it "
                  "(pending bit, then wake-up IPI); the target's client reads the TSC first "
                  "thing. icount runs one vCPU at a time, so the count is every instruction in "
                  "between on both CPUs, including the sender finishing its round and going to "
                  "sleep (which is why the sender is not CPU 0, whose way to sleep is longer); "
                  "median of the samples, minus one clock read",
    }


_fairness_runs = {}


def fairness_run(iso, accel):
    """{lock: (grants list, max/min)} of one `smpbench=fair` boot (cached)."""
    if accel not in _fairness_runs:
        result = {}
        with kq.Knock(iso, machine=MACHINE, smp=4, cmdline=f"smpbench=fair {SMP_BENCH_OPTIONS}",
                      accel=accel, name="bench-fair") as vm:
            pos = 0
            for lock in ("ticketlock", "taslock"):
                m = vm.wait_for(FAIR_LINE.format(lock), 2 * kq.BOOT_TIMEOUT, pos=pos)
                pos = m.end()
                result[lock] = ([int(g) for g in m.group(3).split(",")], float(m.group(4)),
                                int(m.group(2)))
        _fairness_runs[accel] = result
    return _fairness_runs[accel]


# One host thread per vCPU shows the locks running truly in parallel, but
# only with a host CPU for each vCPU (and one for QEMU itself); with fewer,
# the host deschedules vCPU threads and the figure measures the host's
# scheduler. Then all vCPUs on one host thread, taking turns, is the figure.
PARALLEL_HOST_CPUS = 5


def measure_lock_fairness(iso, lock):
    parallel = (os.cpu_count() or 1) >= PARALLEL_HOST_CPUS
    modes = ["tcg,thread=multi", "tcg,thread=single"]
    if not parallel:
        modes.reverse()
    grants, ratio, ms = fairness_run(iso, modes[0])[lock]
    other_grants, other_ratio, _ = fairness_run(iso, modes[1])[lock]
    return ratio, "max/min", {
        "accel": modes[0], "grants": grants, "ms": ms, "host_cpus": os.cpu_count(),
        modes[1]: {"grants": other_grants, "max_over_min": other_ratio},
        "method": "-smp 4, smpbench=fair: CPUs 0-3 take the lock in a loop and count their "
                  f"grants for {ms} ms of TSC (wall-clock) time from the moment all four "
                  "contend; under the lock, a shared counter and one `pause` (the holder keeps "
                  "the lock while the others queue); the ticket lock, then the test-and-set "
                  "lock, in one boot; a CPU with no grant counts as 1 in max/min. Not "
                  "under icount, whose single thread runs one vCPU at a time for whole time "
                  "slices. With at least one host CPU per vCPU plus one "
                  f"({PARALLEL_HOST_CPUS}), the figure is -accel tcg,thread=multi: one host "
                  "thread per vCPU, truly in parallel. With fewer the host deschedules vCPU "
                  "threads (a ticket lock's queue then stalls behind one, and the ratio is the "
                  "host scheduler's), so the figure is tcg,thread=single: the vCPUs take "
                  "turns on one thread, and a waiter's `pause` hands the turn on, so waiters "
                  "really queue; the other mode's run is in the detail",
    }


# --- Lock hand-overs per second (smpbench=handover) -----------------------
#
# Wall-clock rates: QEMU without icount, on a host shared with other work,
# so they vary from run to run. The guest runs each lock for 1 s, the three
# in turn, HANDOVER_ROUNDS times; the figures are medians over the rounds,
# and the ratios are medians of each round's ratio (the two locks of a
# round ran back to back, so a change in the host's load hits both).

HANDOVER_LINE = (LINE_START + r"bench: lock_handover lock=(\w+) cpus=(\d+) round=(\d+) ms=(\d+) "
                 r"grants=(\d+) handovers=(\d+) per_s=(\d+)$")
HANDOVER_END = LINE_START + r"bench: lock_handover_parking parks=(\d+) kicks=(\d+)$"
HANDOVER_LOCKS = ("plain", "parking", "tas")
# (accelerator, -smp): QEMU's default TCG (a host thread per vCPU) with
# more vCPUs than this 2-core host has cores, and all vCPUs on one thread.
HANDOVER_RUNS = (("tcg", 4), ("tcg", 8), ("tcg,thread=single", 4))
# And under KVM when /dev/kvm is usable (never required; issue 14): each
# vCPU a host thread that really halts. No goal: a figure to compare.
HANDOVER_KVM_RUN = ("kvm", 4)
SMP_GOALS.update({
    # Parking vs plain with more vCPUs than host cores (issue 14).
    "lock_handover_parking_over_plain": 20,
    # Parking vs plain under thread=single: at most 10% slower.
    "lock_handover_single_parking_over_plain": 0.9,
})
AT_LEAST.update({"lock_handover_parking_over_plain", "lock_handover_single_parking_over_plain"})

_handover_runs = {}


def handover_key(accel, smp):
    kind = "single" if "single" in accel else "kvm" if accel == "kvm" else "tcg"
    return f"{kind}_smp{smp}"


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def handover_run(iso, accel, smp):
    """{lock: [hand-overs/s per round]} plus parks and kicks, of one
    `smpbench=handover` boot (cached)."""
    key = (accel, smp)
    if key not in _handover_runs:
        rates = {lock: [] for lock in HANDOVER_LOCKS}
        with kq.Knock(iso, machine=MACHINE, smp=smp,
                      cmdline=f"smpbench=handover {SMP_BENCH_OPTIONS}", accel=accel,
                      name=f"bench-handover-{handover_key(accel, smp)}") as vm:
            end = vm.wait_for(HANDOVER_END, 6 * kq.BOOT_TIMEOUT)
            for m in re.finditer(HANDOVER_LINE, vm.log[:end.end()], re.M):
                rates[m.group(1)].append(int(m.group(7)))
        if not all(rates.values()):
            raise Unmeasured(f"smpbench=handover -smp {smp} {accel}: no lines for some lock")
        _handover_runs[key] = {"rates": rates, "parks": int(end.group(1)),
                               "kicks": int(end.group(2))}
    return _handover_runs[key]


HANDOVER_METHOD = (
    "smpbench=handover, -machine pc, no icount: every online CPU takes one lock in a loop (a "
    "shared counter and one `pause` under it) for 1 s of TSC (wall-clock) time from the moment "
    "all contend; a hand-over is a grant to another CPU than the last holder. The plain ticket "
    "lock, the parking ticket lock (knock's) and the test-and-set lock in turn, 5 rounds, in "
    "one boot. Wall-clock rates vary with the host's load: the value is the median of the "
    "rounds")


def measure_handover_rate(iso, accel, smp, lock):
    run = handover_run(iso, accel, smp)
    rounds = run["rates"][lock]
    return statistics.median(rounds), f"hand-overs/s (median of {len(rounds)})", {
        "rounds": rounds, "accel": accel, "smp": smp, "host_cpus": os.cpu_count(),
        "parking_lock_parks": run["parks"], "parking_lock_kicks": run["kicks"],
        "method": HANDOVER_METHOD,
    }


def measure_handover_ratio(iso, accel, smp):
    run = handover_run(iso, accel, smp)
    plain, parking = run["rates"]["plain"], run["rates"]["parking"]
    ratios = [p / max(q, 1) for p, q in zip(parking, plain)]
    return round(statistics.median(ratios), 3), f"x (median of {len(ratios)})", {
        "round_ratios": [round(r, 3) for r in ratios], "plain": plain, "parking": parking,
        "accel": accel, "smp": smp, "host_cpus": os.cpu_count(),
        "method": HANDOVER_METHOD + "; this is the median over the rounds of parking/plain "
                  "(the two ran back to back in each round)",
    }


def handover_measurements(iso):
    out = {}
    runs = HANDOVER_RUNS
    if kvm_usable():
        runs += (HANDOVER_KVM_RUN,)
    else:
        print("bench: lock hand-overs under KVM not run: /dev/kvm is not usable here "
              "(never required)", file=sys.stderr)
    for accel, smp in runs:
        key = handover_key(accel, smp)
        for lock in HANDOVER_LOCKS:
            out[f"lock_handovers_per_s.{lock}.{key}"] = functools.partial(
                measure_handover_rate, iso, accel, smp, lock)
        ratio = ("lock_handover_single_parking_over_plain" if "single" in accel
                 else "lock_handover_kvm_parking_over_plain" if accel == "kvm"
                 else "lock_handover_parking_over_plain")
        out[f"{ratio}.{key}"] = functools.partial(measure_handover_ratio, iso, accel, smp)
    return out


def smp_measurements(iso):
    """The SMP figures for main(): {name: measure function}; lab image."""
    GOALS.update(SMP_GOALS)
    return {
        "ipi_wake_instructions": lambda: measure_ipi_wake(iso),
        "lock_fairness.ticketlock": lambda: measure_lock_fairness(iso, "ticketlock"),
        "lock_fairness.taslock": lambda: measure_lock_fairness(iso, "taslock"),
        **handover_measurements(iso),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iso", required=True, help="the product image, as shipped")
    ap.add_argument("--elf", required=True, help="its kernel ELF")
    ap.add_argument("--lab-iso", help="the lab image for the lab figures (default: --iso)")
    ap.add_argument("--lab-elf", help="its kernel ELF (default: --elf)")
    ap.add_argument("--testapps-iso", default=str(REPO / "build" / "knock-testapps.iso"),
                    help="the product kernel with the test apps, for the process figures")
    ap.add_argument("--apps-dir", default=str(REPO / "build" / "apps"),
                    help="the apps' ELFs (their symbols mark the process paths)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", metavar="PREFIX",
                    help="measure only the figures whose names start with PREFIX (the "
                         "bake-off only if PREFIX starts with 'bakeoff'), e.g. "
                         "--only lock_handover")
    args = ap.parse_args()
    lab_iso = args.lab_iso or args.iso
    lab_elf = args.lab_elf or args.elf
    version = kq.makefile_version()

    units = {}
    measurements = {
        "deferred_call_instructions":
            lambda: measure_path(args.iso, args.elf, "deferred_call_instructions"),
        "keystroke_instructions":
            lambda: measure_path(args.iso, args.elf, "keystroke_instructions"),
        "timer_wake_latency": lambda: measure_path(args.iso, args.elf, "timer_wake_latency"),
        "udp_echo_instructions": lambda: measure_udp_echo(args.iso, args.elf),
        "wallclock.udp_echo_round_trip_us": lambda: measure_udp_wall(args.iso, "rtt"),
        "wallclock.udp_echo_datagrams_per_s": lambda: measure_udp_wall(args.iso, "rate"),
        "msix_top_half_instructions":
            lambda: measure_blk_path(args.iso, args.elf, "msix_top_half_instructions"),
        "blk_read_instructions_per_4k":
            lambda: measure_blk_path(args.iso, args.elf, "blk_read_instructions_per_4k"),
    }
    for name in bench_processes.DEFINITIONS:
        measurements[name] = functools.partial(bench_processes.measure, name,
                                               args.testapps_iso, args.elf, args.apps_dir)
    for source, vector in interrupt_sources():
        name = f"top_half_instructions.{source}"
        measurements[name] = functools.partial(measure_top_half, args.iso, args.elf, source,
                                               vector)
    for source, gsi in level_sources():
        measurements[f"level_top_half_instructions.{source}"] = functools.partial(
            measure_level_top_half, args.elf, source, gsi)
    measurements.update({
        "kernel_text_bytes": lambda: measure_text(args.elf),
        "boot_to_ready_s": lambda: measure_boot(args.iso, version),
        "boot_to_ready_uefi_s": lambda: measure_boot(args.iso, version, uefi=True,
                                                     boot_runs=UEFI_BOOT_RUNS),
    })
    for name in XV6_REFERENCE:
        measurements[name] = functools.partial(xv6_reference, name)
    measurements.update({
        "lab.deferred_call_instructions": lambda: measure_deferred_call(lab_iso),
        "lab.idle_wakeups_per_s": lambda: measure_idle(lab_iso),
    })
    units.update({"wallclock.udp_echo_round_trip_us": "us",
                  "wallclock.udp_echo_datagrams_per_s": "datagrams/s"})
    units.update({"kernel_text_bytes": "bytes", "boot_to_ready_s": "s",
                  "boot_to_ready_uefi_s": "s", "lab.idle_wakeups_per_s": "wake-ups/s"})
    measurements.update(smp_measurements(lab_iso))
    units.update(SMP_UNITS)
    for name in measurements:
        units.setdefault(name, "hand-overs/s" if name.startswith("lock_handovers") else "x")
    if args.only:
        measurements = {n: m for n, m in measurements.items() if n.startswith(args.only)}
    figures, failed = {}, []
    for name, measure in measurements.items():
        try:
            value, unit, detail = measure()
        except (Unmeasured, bench_processes.Unmeasured, kq.KnockFailure, kq.QmpError, OSError,
                ValueError, KeyError) as e:
            value, unit, detail = None, units.get(name, "instructions"), {"error": str(e)}
            failed.append(name)
            print(f"bench: {name} not measured: {e}", file=sys.stderr)
        figures[name] = {"value": value, "goal": goal(name), "unit": unit,
                         "met": goal_met(name, value), "detail": detail}

    bakeoff_results = {"skipped": f"--only {args.only}"}
    if not args.only or args.only.startswith("bakeoff"):
        try:
            rows, bakeoff_results = bakeoff.bench_figures(lab_iso, lab_elf)
            figures.update(rows)
        except (bakeoff.Unmeasured, kq.KnockFailure, kq.QmpError, OSError, ValueError) as e:
            bakeoff_results = {"error": str(e)}
            figures["bakeoff"] = {"value": None, "goal": 0, "unit": "events", "met": None,
                                  "detail": {"error": str(e)}}
            failed.append("bakeoff")
            print(f"bench: bakeoff not measured: {e}", file=sys.stderr)

    result = {"figures": figures, "qemu": kq.qemu_version(), "machine": MACHINE,
              "knock": version, "images": {"product": [args.iso, args.elf],
                                           "lab": [lab_iso, lab_elf]},
              "bakeoff": bakeoff_results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(figures)
    print_definitions(figures)
    print(f"bench: product image {args.iso}, lab figures (lab.*, bakeoff.*, SMP) from "
          f"{lab_iso}")
    print(f"bench: QEMU {result['qemu']}, -machine {MACHINE}; written to {out}")
    return 1 if failed else 0


def print_definitions(figures):
    """Where each product path starts and ends, and the xv6 rows' source:
    a figure means nothing without them."""
    for name in ("keystroke_instructions", "deferred_call_instructions", "timer_wake_latency",
                 "udp_echo_instructions", "msix_top_half_instructions",
                 "blk_read_instructions_per_4k", *bench_processes.DEFINITIONS):
        definition = figures.get(name, {}).get("detail", {}).get("definition")
        if definition:
            print(f"bench: {name}: {definition}")
    both = [n.split(".", 1)[1] for n, f in figures.items()
            if n.startswith("top_half_instructions.") and f["detail"].get("dynamic") is not None]
    static = [n.split(".", 1)[1] for n, f in figures.items()
              if n.startswith("top_half_instructions.") and f["value"] is not None
              and f["detail"].get("dynamic") is None]
    print(f"bench: top_half_instructions: objdump and gdb agree for {', '.join(both) or 'none'}"
          + (f"; objdump only (not triggered from outside): {', '.join(static)}"
             if static else ""))
    text = figures.get("kernel_text_bytes", {}).get("detail", {})
    if isinstance(text.get("by_directory"), dict):
        parts = ", ".join(f"{d} {n:,}" for d, n in text["by_directory"].items())
        print(f"bench: kernel_text_bytes: {text['code_bytes']:,} bytes of code ({parts}), the "
              f"rest alignment; tools/text_map.py {text['map']} lists each file")
    print(f"bench: xv6.* rows: {XV6_SOURCE}")


if __name__ == "__main__":
    sys.exit(main())
