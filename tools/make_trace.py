#!/usr/bin/python3
"""make trace: boot knock, record a short scripted workload with the trace
on, dump it, and leave it as Chrome Trace Event JSON and a timeline
picture.

  tools/make_trace.py --iso build/knock.iso --json build/trace.json \\
      --png build/trace.png [--log build/trace.log]

The workload, with `trace on` (the ring holds the newest 1024 events per
CPU, so it is kept short), typed on the PS/2 keyboard through QMP:
  1. `alarm 270`, due while the burns below run;
  2. `busy 25 3 8`: three callbacks of 25 ms, 8 ms apart (from the busy
     capsule's deferred call);
  3. "echo hi": QEMU plays the keys about 10 ms apart, so they arrive while
     busy runs; their bytes wait in the PS/2 queue and one keyboard
     service drains several (coalescing);
then a line typed on the serial line.
Then `trace dump`; tools/trace2json.py turns the dump into the files.
QEMU runs under TCG, so times are the emulated machine's, not a real PC's.
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "tools")]
import knock_qemu as kq  # noqa: E402
import trace2json as t2j  # noqa: E402

DUMPED = r"^trace: dumped (\d+) lines$"


def record(iso):
    """Run the workload; return the serial log holding the dump."""
    with kq.Knock(iso, name="trace") as vm:
        vm.wait_shell()
        vm.shell("trace on")
        pos = len(vm.log)
        # All typed on the PS/2 keyboard (one line editor: serial input
        # now would mix with it). QEMU plays queued keys about 10 ms
        # apart, so the keys of "echo hi" arrive while the burns run, and
        # the alarm is due during them too.
        vm.send_keys("alarm 270\nbusy 25 3 8\necho hi\n")
        vm.wait_for(r"alarm \d+ fired", timeout=10, pos=pos)  # above the prompt
        vm.wait_for(r"^hi$", timeout=10, pos=pos)
        vm.serial_write("echo over the serial line\r")
        vm.wait_for(r"^over the serial line$", pos=pos)
        pos = len(vm.log)
        vm.serial_write("trace dump\r")
        vm.wait_for(DUMPED, timeout=30, pos=pos)
        return vm.log


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iso", required=True)
    ap.add_argument("--json", required=True, help="Chrome Trace Event JSON to write")
    ap.add_argument("--png", required=True, help="timeline picture to write")
    ap.add_argument("--log", help="also keep the serial log here")
    args = ap.parse_args(argv)
    started = time.monotonic()
    log = record(args.iso)
    if args.log:
        Path(args.log).write_text(log)
    trace = t2j.parse(log)
    Path(args.json).write_text(__import__("json").dumps(t2j.to_chrome(trace)))
    t2j.draw(trace, args.png, title=None)
    n = sum(len(c.events) for c in trace.cpus)
    print(f"trace: {n} events -> {args.json}, {args.png} "
          f"({time.monotonic() - started:.1f} s; open the JSON in ui.perfetto.dev)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
