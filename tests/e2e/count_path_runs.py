"""Run inside gdb by tests/e2e/test_count_path.py (not a test itself).

Two boots of the same image, the same key pressed at the prompt of each:
1. tools/bench_paths.py's keystroke count, whose echo events are gdb
   watchpoints (the VGA buffer, the console's ring) and an `out` to COM1;
2. the same path counted again with no watchpoint at all, stopping after
   the instructions that made those events happen in boot 1.
Prints one JSON line for the test to check.
"""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import bench_paths  # noqa: E402
import count_path as cp  # noqa: E402


def main():
    iso, elf = sys.argv[1:3]
    with cp.Session(iso, elf) as s:
        first = bench_paths.Paths(s).keystroke()
    events = first["events"]
    at = first["event_addresses"]
    serial = "console_ring" if events.get("console_ring") == events["serial_echo"] \
        else "uart_thr"
    with cp.Session(iso, elf) as s:
        p = bench_paths.Paths(s)

        def path(rip):
            stop = cp.LaterOf("keystroke", [
                cp.Executed("screen_echo", [at["screen_echo"]]),
                cp.Executed("serial_echo", [at[serial]])])
            return p.walk(stop, marks=[cp.Reach("top_half_return", [rip])])

        second, _ = p.idle_start("top_half_keyboard", lambda: s.press(bench_paths.KEY), path)
    print(json.dumps({"watched": first["instructions"], "watched_events": events,
                      "top_half": first["top_half"],
                      "unwatched": second.steps, "unwatched_events": second.times,
                      "unwatched_top_half": second.marks["top_half_return"]}))
    return 0


if __name__ == "__main__":
    cp.gdb_script_main(main)
