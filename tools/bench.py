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

Exits 1 only if a figure could not be measured. QEMU is driven by the
end-to-end harness, tests/e2e/knock_qemu.py, imported by path.
"""
import argparse
import importlib.util
import json
import statistics
import struct
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

MACHINE = "pc"
BOOT_RUNS = 5
ICOUNT = "shift=0,sleep=off"
GOALS = {
    "deferred_call_instructions": 25,
    "kernel_text_bytes": 48 * 1024,
    "boot_to_ready_s": 0.6,
}
BENCH_LINE = (r"^bench: deferred_call_instructions min=(\d+) median=(\d+) max=(\d+) "
              r"samples=(\d+) overhead=(\d+)$")


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


def measure_boot(iso, version):
    banner = kq.banner_pattern(version)
    runs, own, before = [], [], []
    for i in range(BOOT_RUNS):
        with kq.Knock(iso, machine=MACHINE, name=f"boot{i}") as vm:
            first = vm.wait_for(r"^knock .* starting on", kq.BOOT_TIMEOUT)
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
                  f"median of {BOOT_RUNS}; knock_own_s: first kernel line to banner; "
                  "before_knock: QEMU, SeaBIOS and GRUB up to the first kernel line",
    }


def goal_met(name, value):
    return None if value is None else value <= GOALS[name]


def print_table(figures):
    rows = [("figure", "value", "goal", "met")]
    for name, f in figures.items():
        value = "not measured" if f["value"] is None else f"{f['value']} {f['unit']}"
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        rows.append((name, value, f"<= {f['goal']} {f['unit']}", met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))


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
    }
    units = {"deferred_call_instructions": "instructions", "kernel_text_bytes": "bytes",
             "boot_to_ready_s": "s"}
    figures, failed = {}, []
    for name, measure in measurements.items():
        try:
            value, unit, detail = measure()
        except (Unmeasured, kq.KnockFailure, kq.QmpError, OSError) as e:
            value, unit, detail = None, units[name], {"error": str(e)}
            failed.append(name)
            print(f"bench: {name} not measured: {e}", file=sys.stderr)
        figures[name] = {"value": value, "goal": GOALS[name], "unit": unit,
                         "met": goal_met(name, value), "detail": detail}

    result = {"figures": figures, "qemu": kq.qemu_version(), "machine": MACHINE,
              "knock": version}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(figures)
    print(f"bench: QEMU {result['qemu']}, -machine {MACHINE}; written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
