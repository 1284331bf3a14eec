#!/usr/bin/python3
"""The process figures of `make bench` (docs/processes.md), counted from
outside on the shipped kernel with the test apps as GRUB modules
(build/knock-testapps.iso: the product kernel, default options but for
`apps=`), with tools/count_path.py (gdb single-stepping under
`-icount shift=0,sleep=off`). Each path is counted REPEAT times in one
boot; the figure is the largest count (runs may differ by an instruction
or two where the data does: the alarm mux stores a new largest lateness
only when there is one), and a spread of more than SPREAD is an error
(a different path, not the same one).

  syscall_instructions     apps=nop: the app's no-op command (command 0 of
      the console driver), from its `syscall` instruction (the symbol
      knock_exists_syscall in build/apps/nop.elf) to the app's next instruction
      (knock_exists_done): the whole round trip, kernel and both switches;
  upcall_instructions      apps=blink: blink's alarm, the CPU idle, from
      top_half_timer's first instruction to the first instruction of the
      app's upcall function (`fired` in build/apps/blink.elf);
  user_knock_instructions  apps=spin timeslice=0 watchdog=off: a key
      pressed while `spin` runs in ring 3, from the keyboard's user top
      half (user_top_half_keyboard, the user IDT's gate) to the loop
      calling keyboard_service. (timeslice=0 and watchdog=off keep their
      alarms from being the interrupt that lands instead; with a single
      process no timeslice is armed anyway.)
"""
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import count_path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REPEAT = 3
SPREAD = 4
IMAGE = "build/knock-testapps.iso"

DEFINITIONS = {
    "syscall_instructions": (
        f"{IMAGE}, apps=nop: a no-op command (console driver, command 0) from the app's "
        "`syscall` (knock_exists_syscall) to the app's next instruction (knock_exists_done)"),
    "upcall_instructions": (
        f"{IMAGE}, apps=blink: blink's alarm, CPU idle in hlt: from top_half_timer to the "
        "first instruction of the app's upcall function `fired`"),
    "user_knock_instructions": (
        f"{IMAGE}, apps=spin timeslice=0 watchdog=off: a key pressed while spin runs in "
        "ring 3: from user_top_half_keyboard (the user IDT's gate) to the loop calling "
        "keyboard_service"),
}


class Unmeasured(Exception):
    """A figure that could not be measured, and why."""


def app_symbol(elf, name):
    out = subprocess.run(["nm", str(elf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return "0x" + parts[0]
    raise Unmeasured(f"{elf}: no symbol {name}")


def count(iso, elf, cmdline, start, until, trigger, busy=False):
    argv = ["--iso", str(iso), "--elf", str(elf), "--cmdline", cmdline, "--start", start,
            "--until", until, "--repeat", str(REPEAT)] + trigger + (["--busy"] if busy else [])
    try:
        r = count_path.run_in_gdb(REPO / "tools" / "count_path.py", argv, timeout=1200)
    except count_path.CountError as e:
        raise Unmeasured(f"tools/count_path.py {' '.join(argv)}: {e}") from e
    counts = r["counts"]
    # Runs may differ by a few instructions where the data does (the alarm
    # mux stores a new largest lateness only when there is one): the
    # figure is the largest; a wide spread means a different path.
    if max(counts) - min(counts) > SPREAD:
        raise Unmeasured(f"the {REPEAT} runs differ by more than {SPREAD}: {counts}")
    worst = counts.index(max(counts))
    return counts[worst], {"counts": counts, "profile": r["runs"][worst]["profile"],
                       "end": r["runs"][0]["end"], "cmdline": cmdline, "image": str(iso),
                       "method": f"tools/count_path.py on {iso}, -icount "
                                 f"{count_path.ICOUNT}, the largest of {REPEAT} runs in "
                                 "one boot"}


def measure(name, iso, elf, apps_dir):
    apps_dir = Path(apps_dir)
    if name == "syscall_instructions":
        app = apps_dir / "nop.elf"
        value, detail = count(iso, elf, "apps=nop", app_symbol(app, "knock_exists_syscall"),
                              app_symbol(app, "knock_exists_done"), ["--serial", "\\r"])
    elif name == "upcall_instructions":
        app = apps_dir / "blink.elf"
        value, detail = count(iso, elf, "apps=blink", "top_half_timer",
                              app_symbol(app, "fired"), ["--serial", "\\r"])
    elif name == "user_knock_instructions":
        value, detail = count(iso, elf, "apps=spin timeslice=0 watchdog=off",
                              "user_top_half_keyboard", "keyboard_service", ["--key", "a"],
                              busy=True)
    else:
        raise KeyError(name)
    detail["definition"] = DEFINITIONS[name]
    return value, "instructions", detail


if __name__ == "__main__":
    import json
    iso, elf, apps, *names = sys.argv[1:]
    for n in names or DEFINITIONS:
        print(n, json.dumps(measure(n, iso, elf, apps)))
