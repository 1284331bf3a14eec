#!/usr/bin/python3
"""The hot paths `make bench` counts on the shipped image, from outside.

Run inside gdb by tools/bench.py (count_path.run_in_gdb):

  gdb -batch -nx -ex "python import sys; sys.argv = ['bench_paths.py', ISO, ELF]" \\
      -x tools/bench_paths.py

One boot of the ISO as a user gets it (default options) under
`-icount shift=0,sleep=off`, gdb attached to QEMU's stub, then, in order,
each path started by hand the way a user would start it and single-stepped
by tools/count_path.py (the definitions are in docs/testing.md):

  keystroke_instructions  a key pressed at the shell's prompt on an idle CPU
      (QMP input-send-event), from top_half_keyboard's first instruction to
      the later of the screen echo (the first write into the VGA text
      buffer) and the serial echo (the first of: a byte written into the
      console's output ring `console.ring`, an `out` to COM1's THR 0x3f8);
  deferred_call_instructions  Enter typed on the serial line: the console
      sets its deferred call (deferred_call_set, inlined in feed_editor).
      The setter's own instructions, from its first to the last (the
      DWARF inline block; the caller's instructions scheduled in between
      are not counted), plus the instructions from the return of the
      setting loop client (console_uart_service) to the first instruction
      of the deferred call's client (console_deferred); the rest of the
      setting callback is not counted;
  timer_wake_latency  `alarm 200` typed on the serial line; the CPU sleeps
      until the alarm: from top_half_timer's first instruction to the
      alarm's client's (the shell's alarm_fired);
  top_half.<source>  on the way, each top half from its first instruction
      until the interrupted code runs again (after its iretq).

Every start is checked to have interrupted an idle CPU (the return address
follows a `hlt`); a start that did not, or a path that went back to sleep
without reaching its end (another source's interrupt), is skipped and the
next one taken, a few times at most. Prints one JSON line.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import count_path as cp  # noqa: E402

VGA_TEXT = "*(char(*)[4000])0xb8000"   # 80x25 cells of 2 bytes
CONSOLE_RING = "console.ring"          # board/pc/wire_console.c's console
SETTER = "deferred_call_set"
LOOP = "loop_run"  # the loop, with the dispatch and the sleep inlined (kernel/loop.c)
SETTER_CALLER = "feed_editor"          # capsules/console.c: a line is done
SETTING_CALLBACK = "console_uart_service"
DEFERRED_CLIENT = "console_deferred"
ALARM_CLIENT = "alarm_fired"           # capsules/shell.c
ALARM_MS = 200
KEY = "a"
TRIES = 5
CAP = 20000

ENDPOINTS = {
    "keystroke_instructions": (
        "from top_half_keyboard (key pressed at the prompt, idle CPU) to the later of "
        "screen_echo (first write into the VGA text buffer 0xb8000-0xb8f9f) and serial_echo "
        "(the first of console_ring: a byte written into console.ring, and uart_thr: an `out` "
        "to COM1's THR, port 0x3f8)"),
    "deferred_call_instructions": (
        f"Enter on serial: {SETTER} inlined in {SETTER_CALLER}, its own instructions from "
        f"first to last, plus the loop's own instructions ({LOOP}) from the return of the "
        f"setting loop client {SETTING_CALLBACK} to the first instruction of the client "
        f"{DEFERRED_CLIENT} (a client the loop runs in between is not counted)"),
    "timer_wake_latency": (
        f"`alarm {ALARM_MS}` on serial, CPU idle in hlt: from top_half_timer to the first "
        f"instruction of the alarm's client {ALARM_CLIENT}"),
    "top_half": "from top_half_<source> until the interrupted code runs again (after iretq)",
}


class Paths:
    def __init__(self, session):
        self.s = session
        self.sym = session.symbols

    def walk(self, stop, **kw):
        kw.setdefault("cap", CAP)
        return cp.walk(self.s.target, stop, disasm=self.s.disasm, describe=self.sym.describe, **kw)

    def idle_start(self, symbol, trigger, path):
        """Stop at `symbol` (an interrupt's first instruction) with the CPU
        having been idle; path(return_address) counts from there and
        returns its result, or raises PathHalts if the interrupt was not
        the one the trigger caused. Returns (result, skipped starts)."""
        address = self.sym.resolve(symbol)
        skipped = []
        for attempt in range(TRIES):
            self.s.stop_at(address, trigger if attempt == 0 else None)
            idle, rip = self.s.interrupted_idle()
            if not idle:
                skipped.append(f"interrupted {self.sym.describe(rip)}, not an idle CPU")
                continue
            try:
                return path(rip), skipped
            except cp.PathHalts as e:
                skipped.append(str(e))
        raise cp.CountError(f"{symbol}: no usable start in {TRIES} tries: {skipped}")

    # --- keystroke ---------------------------------------------------------

    def keystroke(self):
        t = self.s.target
        t.watch("screen_echo", VGA_TEXT)
        try:
            t.watch("console_ring", CONSOLE_RING)
        except self.s.gdb.error as e:
            ring_error = str(e)  # the THR alone then marks the serial echo
        else:
            ring_error = None

        def path(rip):
            # Fresh conditions for each try: they keep when they held.
            serial = [cp.PortWritten("uart_thr", cp.COM1_THR)]
            if ring_error is None:
                serial.insert(0, cp.Written("console_ring", "console_ring"))
            stop = cp.LaterOf("keystroke", [
                cp.Written("screen_echo", "screen_echo"),
                cp.FirstOf("serial_echo", serial)])
            w = self.walk(stop, marks=[cp.Reach("top_half_return", [rip])])
            return w

        try:
            w, skipped = self.idle_start("top_half_keyboard", lambda: self.s.press(KEY), path)
        finally:
            t.clear_watches()
        return {
            "instructions": w.steps, "events": w.times, "skipped": skipped,
            "profile": cp.profile(w.trail[:w.steps], self.sym),
            "event_instructions": {k: self.sym.describe(v) for k, v in w.instructions.items()
                                   if v is not None},
            "event_addresses": {k: v for k, v in w.instructions.items() if v is not None},
            "top_half": w.marks["top_half_return"],
            "ring_watch_error": ring_error, "definition": ENDPOINTS["keystroke_instructions"],
        }

    # --- deferred call -----------------------------------------------------

    def setter_sites(self):
        """(first addresses of the setter, out_of_line): the function's
        entry, or the first address of each copy inlined in its caller
        (the caller may inline it on several paths; the walk takes the one
        the Enter reaches)."""
        g = self.s.gdb
        setter = self.sym.by_name.get(SETTER)
        if setter and setter[0].size and setter[0].kind in "tT":
            return [setter[0].address], True
        sites = cp.inline_sites(g, SETTER, SETTER_CALLER)
        if not sites:
            raise cp.CountError(f"{SETTER} is not inlined in {SETTER_CALLER}")
        return sites, False

    def inline_copy(self, start):
        """(addresses of the setter's own instructions, the extent to
        leave) of the inlined copy that starts at `start`."""
        g = self.s.gdb
        lo, hi = cp.inlined_extent(g, start)
        extent = self.s.disasm.range_addresses(lo, hi)
        own = {a for a in extent if cp.block_function(g, a) == SETTER}
        return own, extent

    def callback_return(self):
        """The address in the loop that the setting loop client returns to."""
        g = self.s.gdb
        frame = g.newest_frame()
        while frame is not None:
            if frame.name() == SETTING_CALLBACK and frame.type() == g.NORMAL_FRAME:
                caller = frame.older()
                if caller is None:
                    break
                return caller.pc()
            frame = frame.older()
        raise cp.CountError(f"{SETTING_CALLBACK} is not on the stack at {SETTER}: the "
                            "deferred call was set by something else")

    def deferred(self):
        sites, out_of_line = self.setter_sites()
        client = self.sym.resolve(DEFERRED_CLIENT)

        def path(rip):
            # The way to the setter is not counted (an Enter on a full
            # screen scrolls it first, tens of thousands of steps): run to
            # it on hardware breakpoints instead of stepping.
            bps = [self.s.target.hbreak(a) for a in sites]
            try:
                self.s.gdb.execute("continue", to_string=True)
            finally:
                for bp in bps:
                    bp.delete()
            if self.s.target.pc() not in sites:
                raise cp.CountError(f"stopped at {self.sym.describe(self.s.target.pc())}, "
                                    f"not at {SETTER}")
            own = extent = None
            if not out_of_line:
                own, extent = self.inline_copy(self.s.target.register("rip"))
            back = self.callback_return()
            if out_of_line:
                ret = self.s.target.read_u64(self.s.target.register("rsp"))
                setter = self.walk(cp.Reach("setter_return", [ret]))
                setter_count = setter.steps
            else:
                setter = self.walk(cp.Left("setter_left", extent),
                                   count_if=lambda a: a in own)
                setter_count = setter.counted
            rest = self.walk(cp.Reach("callback_return", [back]))
            # The loop's own instructions from the return to the client:
            # another client the loop runs in between (a COM1 service for
            # the echo's transmit-empty, taken first as the lower bit) is
            # that source's work, not the deferred call's; the steps with
            # it are kept in the detail.
            loop = self.walk(cp.Reach("client", [client]),
                             count_if=lambda a: self.sym.describe(a).split("+")[0] == LOOP)
            return {"top_half": None,
                    "profile": cp.profile(
                        ([a for a in setter.trail if a in own] if own else setter.trail)
                        + loop.trail, self.sym),
                    "setter": setter_count,
                    "setter_steps_with_interleaved_caller": setter.steps,
                    "rest_of_callback_not_counted": rest.steps,
                    "return_to_client": loop.counted,
                    "return_to_client_with_other_clients": loop.steps,
                    "callback_returns_to": self.sym.describe(back)}

        r, skipped = self.idle_start("top_half_com1", lambda: self.s.vm.serial_write(b"\r"),
                                     path)
        r.update(instructions=r["setter"] + r["return_to_client"], skipped=skipped,
                 setter_inlined=not out_of_line,
                 definition=ENDPOINTS["deferred_call_instructions"])
        return r

    # --- timer wake --------------------------------------------------------

    def timer(self):
        client = self.sym.resolve(ALARM_CLIENT)

        def path(rip):
            return self.walk(cp.Reach("alarm_client", [client]),
                             marks=[cp.Reach("top_half_return", [rip])])

        w, skipped = self.idle_start(
            "top_half_timer", lambda: self.s.vm.serial_write(f"alarm {ALARM_MS}\r".encode()),
            path)
        return {"instructions": w.steps, "top_half": w.marks["top_half_return"],
                "profile": cp.profile(w.trail, self.sym),
                "skipped": skipped, "definition": ENDPOINTS["timer_wake_latency"]}


def main():
    if len(sys.argv) != 3:
        print("usage: bench_paths.py ISO ELF (inside gdb)", file=sys.stderr)
        return 2
    iso, elf = sys.argv[1:]
    with cp.Session(iso, elf) as s:
        p = Paths(s)
        keystroke = p.keystroke()
        s.settle()
        deferred = p.deferred()
        s.settle()
        timer = p.timer()
        qemu = s.kq.qemu_version()
        sstep = s.sstep
    top = {"keyboard": keystroke.pop("top_half"), "com1": deferred.pop("top_half"),
           "timer": timer.pop("top_half")}
    print(json.dumps({"keystroke_instructions": keystroke,
                      "deferred_call_instructions": deferred,
                      "timer_wake_latency": timer,
                      "top_half": top, "top_half_definition": ENDPOINTS["top_half"],
                      "qemu": qemu, "icount": cp.ICOUNT, "qemu_sstep": f"{sstep:#x}"}))
    return 0


if __name__ == "__main__":
    cp.gdb_script_main(main)
