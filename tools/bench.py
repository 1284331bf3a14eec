#!/usr/bin/python3
"""make bench: knock's figures, printed with their goals and written as JSON.

  tools/bench.py --iso build/knock.iso --elf build/knock.elf --out build/bench.json

Figures (goals from the issue; a missed goal is reported, never fatal):

  deferred_call_instructions  guest instructions from setting a deferred call
      to its client running, steady state. The guest runs `bench` (option via
      fw_cfg; capsules/bench_deferred.c) under `-icount shift=0,sleep=off`,
      where the guest TSC counts instructions, so a run repeats exactly. The
      median of its samples is the figure; min and max are in the detail.
  kernel_text_bytes  size of the .text section of the kernel ELF.
  boot_to_ready_s  wall time from starting QEMU to the ready banner arriving
      on serial: TCG without icount, -machine pc, median of 5 runs. Includes
      SeaBIOS and GRUB; the detail also gives knock's own share (its first
      serial line to the banner).
  boot_to_ready_uefi_s  the same under OVMF (UEFI), median of 3: OVMF and
      GRUB take most of it; knock's own share includes clearing and drawing
      the framebuffer console (docs/boot.md).
  top_half_instructions.<source>  per interrupt table row: instructions of
      the device stub top_half_<source> from its entry to its iretq,
      counted statically in the ELF with objdump.
  keystroke_instructions, timer_wake_latency, idle_wakeups_per_s  one boot
      with `bench stubs=stamped` under -icount shift=0,sleep=off: the
      stamped top halves store the TSC at interrupt entry and kernel probes
      (kernel/probe.h, capsules/bench_irq.c) take the difference where the
      path ends: the echo of a key typed through QMP send-key queued on the
      console; an alarm's callback about to run on an idle CPU. The idle
      figure is the loop's wake-up counter over one idle guest second. The
      medians are the figures; the detail gives min, max, samples and what
      the stamped stub itself adds.
  bakeoff.<figure>.<design>  the bake-off of knock, knock with its long
      callback split, in-ISR and ISR-queue on one workload, in the lab
      image (tools/bakeoff.py, docs/bakeoff.md): events lost in the guest
      (knock's goal: 0), events real hardware would have lost, the longest
      interrupts-off window in instructions (knock's goal: below the other
      designs'), latency p50 / p99 / max per source, and useful work done
      per long callback; the rest is under "bakeoff" in the JSON and in
      docs/bakeoff.md, which it regenerates with docs/bakeoff.png.

Exits 1 only if a figure could not be measured. QEMU is driven by the
end-to-end harness, tests/e2e/knock_qemu.py, imported by path.
"""
import argparse
import functools
import importlib.util
import json
import os
import re
import statistics
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _load_harness():
    path = REPO / "tests" / "e2e" / "knock_qemu.py"
    spec = importlib.util.spec_from_file_location("knock_qemu", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["knock_qemu"] = module
    spec.loader.exec_module(module)
    return module


kq = _load_harness()


def _load_bakeoff():
    path = REPO / "tools" / "bakeoff.py"
    spec = importlib.util.spec_from_file_location("bakeoff", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bakeoff = _load_bakeoff()

MACHINE = "pc"
BOOT_RUNS = 5
UEFI_BOOT_RUNS = 3  # each OVMF boot is ~3.5 s of firmware
ICOUNT = "shift=0,sleep=off"
GOALS = {
    "deferred_call_instructions": 25,
    "kernel_text_bytes": 48 * 1024,
    "boot_to_ready_s": 0.6,
    "boot_to_ready_uefi_s": 4.0,
    "top_half_instructions": 3,
    "keystroke_instructions": 800,
    "timer_wake_latency": 60,
    "idle_wakeups_per_s": 0,
}
# A log line printed while the shell's prompt is up comes after the prompt
# and the blanks that cleared it ("knock>      bench: ..." once the CRs are
# gone), so the lines are matched from "bench:" on, not from the start.
LINE_START = r"^(?:.*\s)?"
BENCH_LINE = (LINE_START + r"bench: deferred_call_instructions min=(\d+) median=(\d+) "
              r"max=(\d+) samples=(\d+) overhead=(\d+)$")
PROBE_LINE = LINE_START + r"bench: {} min=(\d+) median=(\d+) max=(\d+) samples=(\d+)$"
IDLE_LINE = (LINE_START + r"bench: idle_wakeups_per_s rate=(\d+\.\d+) wakeups=(\d+) own=(\d+) "
             r"interval_us=(\d+) timer_rounds=(\d+)$")
INTERRUPT_TABLE = REPO / "board" / "pc" / "interrupts.h"
TABLE_ROW = re.compile(
    r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,\s*(-?\d+)\s*\)')
# Keys typed for keystroke_instructions: letters only (no Shift: one byte
# and one interrupt per press and per release), a line the shell answers.
KEYSTROKE_TEXT = "echo " + "thequickbrownfoxjumpsoverthelazydog" + " abcdefghijklmnopqrstuvwxyz"


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
    rows = [(name, int(vector, 0)) for _, name, vector, _, _ in
            TABLE_ROW.findall(INTERRUPT_TABLE.read_text())]
    if not rows:
        raise Unmeasured(f"no X(...) rows in {INTERRUPT_TABLE}")
    return rows


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


def measure_top_half(elf, name, vector):
    insns = stub_instructions(elf, f"top_half_{name}")
    return len(insns), "instructions", {
        "vector": f"{vector:#x}", "symbol": f"top_half_{name}", "instructions": insns,
        "method": "objdump -d of the ELF: instructions from the stub's entry to its iretq",
    }


def stamp_overhead(elf):
    """Instructions the stamped stubs run after their TSC read beyond what
    the plain stubs run in all: what a stamped latency includes that the
    plain system does not pay (the same for every row)."""
    name, _ = interrupt_sources()[0]
    stamped = stub_instructions(elf, f"top_half_stamped_{name}")
    after_stamp = len(stamped) - 1 - next(i for i, s in enumerate(stamped) if s == "rdtsc")
    return after_stamp - len(stub_instructions(elf, f"top_half_{name}"))


def type_keys(vm, text):
    """Type `text` on the guest's PS/2 keyboard, one QMP send-key per
    character (letters, digits and space only: no Shift)."""
    for ch in text:
        if not (ch.isascii() and (ch.islower() or ch.isdigit() or ch == " ")):
            raise ValueError(f"type_keys types letters, digits and spaces, not {ch!r}")
        key = "spc" if ch == " " else ch
        vm.qmp.command("send-key", {"keys": [{"type": "qcode", "data": key}]})


def press_enter(vm):
    vm.qmp.command("send-key", {"keys": [{"type": "qcode", "data": "ret"}]})


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
    """One boot with `bench stubs=stamped` under icount: the guest measures
    timer wakes and an idle second by itself; then keys are typed, one at a
    time on an idle system, and the shell's `bench` command reports.
    Returns {figure: regex match of its line}."""
    with kq.Knock(iso, machine=MACHINE, cmdline="bench stubs=stamped", icount=ICOUNT,
                  name="bench-irq") as vm:
        timer = vm.wait_for(PROBE_LINE.format("timer_wake_latency"), 2 * kq.BOOT_TIMEOUT)
        idle = vm.wait_for(IDLE_LINE, kq.STEP_TIMEOUT, pos=timer.end())
        # Each key on an idle loop: its latency is the path's, not the
        # path's plus whatever callback was running when it came.
        for ch in KEYSTROKE_TEXT:
            vm.wait_cpu_halted()
            type_keys(vm, ch)
        pos = len(vm.log)
        press_enter(vm)
        vm.wait_for(r"^" + re.escape(KEYSTROKE_TEXT[len("echo "):]) + "$", pos=pos)
        vm.wait_cpu_halted()
        pos = len(vm.log)
        for ch in "bench":
            vm.wait_cpu_halted()
            type_keys(vm, ch)
        press_enter(vm)
        keystroke = vm.wait_for(PROBE_LINE.format("keystroke_instructions"), pos=pos)
    return {"timer_wake_latency": timer, "idle_wakeups_per_s": idle,
            "keystroke_instructions": keystroke}


def measure_probe(iso, elf, name, path):
    raw = dict(zip(("min", "median", "max", "samples"),
                   map(int, interrupt_run(iso)[name].groups())))
    extra = stamp_overhead(elf)
    return raw["median"] - extra, "instructions", {
        "min": raw["min"] - extra, "median": raw["median"] - extra,
        "max": raw["max"] - extra, "samples": raw["samples"],
        "measured_with_stamped_stubs": raw, "stamped_stub_extra": extra,
        "method": f"QEMU -icount {ICOUNT}, boot option `bench stubs=stamped`: the stamped top "
                  "half stores the TSC (= instructions) at interrupt entry; a kernel probe "
                  f"takes the difference when {path}; median of the samples. The stamped stub "
                  f"runs {extra} instructions more after its stamp than the plain stub runs in "
                  "all (objdump): they are the instrument's, so they are subtracted, as "
                  "deferred_call_instructions subtracts its clock read (the raw figures are "
                  "in measured_with_stamped_stubs)",
    }


def measure_keystroke(iso, elf):
    return measure_probe(iso, elf, "keystroke_instructions",
                         f"the echo of a key typed through QMP send-key is queued on the "
                         f"console ({len(KEYSTROKE_TEXT) + 7} keys: '{KEYSTROKE_TEXT}', Enter, "
                         "'bench', Enter; each typed on an idle CPU)")


def measure_timer_wake(iso, elf):
    return measure_probe(iso, elf, "timer_wake_latency",
                         "the alarm mux is about to call an alarm's client, the CPU having "
                         "slept until the alarm's interrupt (capsules/bench_irq.c: one-shot "
                         "alarms 1 ms apart, and the idle interval's)")


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
    return sizes[".text"], "bytes", {"section": ".text", "elf": str(elf), "other_sections": others}


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
        "before_knock_median_s": statistics.median(before),
        "method": f"QEMU spawn to banner on serial, TCG, -machine {MACHINE}, "
                  f"{'OVMF' if uefi else 'SeaBIOS'}, median of {boot_runs}; "
                  "knock_own_s: first kernel line to banner; "
                  "before_knock: QEMU, firmware and GRUB up to the first kernel line",
    }


def goal(name):
    return GOALS[name.split(".")[0]]


def goal_met(name, value):
    return None if value is None else value <= goal(name)


def print_table(figures):
    rows = [("figure", "value", "goal", "met")]
    for name, f in figures.items():
        value = "not measured" if f["value"] is None else f"{f['value']} {f['unit']}"
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        goal = "-" if f["goal"] is None else f"<= {f['goal']} {f['unit']}"
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
# stats=counts: no latency timing around every callback (it is on by
# default), so the figures are the kernel's paths alone.
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


def smp_measurements(iso):
    """The SMP figures for main(): {name: measure function}."""
    GOALS.update(SMP_GOALS)
    return {
        "ipi_wake_instructions": lambda: measure_ipi_wake(iso),
        "lock_fairness.ticketlock": lambda: measure_lock_fairness(iso, "ticketlock"),
        "lock_fairness.taslock": lambda: measure_lock_fairness(iso, "taslock"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iso", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    version = kq.makefile_version()

    measurements = {
        "deferred_call_instructions": lambda: measure_deferred_call(args.iso),
        "kernel_text_bytes": lambda: measure_text(args.elf),
        "boot_to_ready_s": lambda: measure_boot(args.iso, version),
        "boot_to_ready_uefi_s": lambda: measure_boot(args.iso, version, uefi=True,
                                                     boot_runs=UEFI_BOOT_RUNS),
    }
    units = {"deferred_call_instructions": "instructions", "kernel_text_bytes": "bytes",
             "boot_to_ready_s": "s", "boot_to_ready_uefi_s": "s"}
    for source, vector in interrupt_sources():
        name = f"top_half_instructions.{source}"
        measurements[name] = functools.partial(measure_top_half, args.elf, source, vector)
        units[name] = "instructions"
    measurements.update({
        "keystroke_instructions": lambda: measure_keystroke(args.iso, args.elf),
        "timer_wake_latency": lambda: measure_timer_wake(args.iso, args.elf),
        "idle_wakeups_per_s": lambda: measure_idle(args.iso),
    })
    units.update({"keystroke_instructions": "instructions",
                  "timer_wake_latency": "instructions", "idle_wakeups_per_s": "wake-ups/s"})
    measurements.update(smp_measurements(args.iso))
    units.update(SMP_UNITS)
    figures, failed = {}, []
    for name, measure in measurements.items():
        try:
            value, unit, detail = measure()
        except (Unmeasured, kq.KnockFailure, kq.QmpError, OSError, ValueError) as e:
            value, unit, detail = None, units[name], {"error": str(e)}
            failed.append(name)
            print(f"bench: {name} not measured: {e}", file=sys.stderr)
        figures[name] = {"value": value, "goal": goal(name), "unit": unit,
                         "met": goal_met(name, value), "detail": detail}

    try:
        # The bake-off's designs live in the lab image (docs/lab.md).
        rows, bakeoff_results = bakeoff.bench_figures(
            getattr(args, "lab_iso", None) or str(REPO / "build" / "knock-lab.iso"),
            getattr(args, "lab_elf", None) or str(REPO / "build" / "knock-lab.elf"))
        figures.update(rows)
    except (bakeoff.Unmeasured, kq.KnockFailure, kq.QmpError, OSError, ValueError) as e:
        bakeoff_results = {"error": str(e)}
        figures["bakeoff"] = {"value": None, "goal": 0, "unit": "events", "met": None,
                              "detail": {"error": str(e)}}
        failed.append("bakeoff")
        print(f"bench: bakeoff not measured: {e}", file=sys.stderr)

    result = {"figures": figures, "qemu": kq.qemu_version(), "machine": MACHINE,
              "knock": version, "bakeoff": bakeoff_results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(figures)
    print(f"bench: QEMU {result['qemu']}, -machine {MACHINE}; written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
