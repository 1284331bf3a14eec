#!/usr/bin/python3
"""Turn a knock trace dump (the shell's `trace dump`) into Chrome Trace
Event JSON, for Perfetto (ui.perfetto.dev) or chrome://tracing, and into a
PNG or SVG timeline drawn with matplotlib.

  tools/trace2json.py serial.log -o trace.json [--png trace.png] [--svg trace.svg]

The input is any text holding a dump: the serial log of a session, say.
Lines not starting with '@' are ignored, so log lines interleaved with the
dump do no harm; the last complete dump (@trace ... @end) is used. The
format is documented in capsules/trace_dump.h and docs/observing.md.

In the JSON, each CPU is a process. Its first track, "loop", shows the
rounds (instants) and the halts (slices); then one track per pending bit
shows that bit's callbacks (slices named after the capsule), the knocks
and deferred-call sets aimed at it (instants), and an arrow (a flow) from
the callback that set or saw the bit to the callback that answered it.
Several arrows converging on one callback are coalescing: several events,
one service.
"""
import argparse
import json
import re
import sys
from dataclasses import dataclass, field

KINDS = {
    "R": "round",
    "B": "begin",
    "E": "end",
    "S": "set",
    "K": "knock",
    "I": "interrupt entry",
    "D": "device events",
    "H": "halt",
    "W": "wake",
}

_HEADER = re.compile(r"^@trace (\d+) hz=(\d+) cpus=(\d+)$")
_BIT = re.compile(r"^@bit (\d+) (irq|defer) (\S+) (\S+)$")
_CPU = re.compile(r"^@cpu (\d+) events=(\d+) overwritten=(\d+) t0=(\d+)$")
_EVENT = re.compile(r"^@(\d+) ([A-Z]) (\d+) (\d+)$")


class TraceError(ValueError):
    """The input holds no complete, well-formed dump."""


@dataclass
class Event:
    tsc: int
    code: str
    bit: int
    arg: int


@dataclass
class CpuTrace:
    cpu: int
    overwritten: int
    expected: int  # events its @cpu line announced
    events: list = field(default_factory=list)


@dataclass
class Trace:
    version: int
    hz: int
    bits: dict  # bit -> (kind, source, client)
    cpus: list  # of CpuTrace

    def name(self, bit):
        kind, source, client = self.bits.get(bit, ("?", f"bit{bit}", "?"))
        return source if source == client else f"{source} ({client})"


def parse(text):
    """The last complete dump in `text`, as a Trace."""
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n")]
    starts = [i for i, ln in enumerate(lines) if _HEADER.match(ln)]
    for start in reversed(starts):
        try:
            return _parse_from(lines, start)
        except TraceError:
            continue
    raise TraceError("no complete trace dump (@trace ... @end) in the input")


def _parse_from(lines, start):
    m = _HEADER.match(lines[start])
    version, hz, ncpus = map(int, m.groups())
    if version != 1:
        raise TraceError(f"trace format version {version}, this tool reads 1")
    if hz <= 0:
        raise TraceError(f"clock rate hz={hz}: cycles cannot become time")
    bits, cpus = {}, []
    current, tsc = None, 0
    for ln in lines[start + 1:]:
        if not ln.startswith("@"):
            continue
        if ln == "@end":
            if len(cpus) != ncpus:
                raise TraceError(f"header says {ncpus} CPUs, the dump has {len(cpus)}")
            for c in cpus:
                if len(c.events) != c.expected:
                    raise TraceError(f"cpu {c.cpu}: {len(c.events)} events, "
                                     f"its header says {c.expected}")
            return Trace(version, hz, bits, cpus)
        if (m := _EVENT.match(ln)):
            if current is None:
                raise TraceError(f"event before any @cpu line: {ln}")
            dt, code, bit, arg = m.groups()
            tsc += int(dt)
            current.events.append(Event(tsc, code, int(bit), int(arg)))
        elif (m := _BIT.match(ln)):
            bits[int(m.group(1))] = (m.group(2), m.group(3), m.group(4))
        elif (m := _CPU.match(ln)):
            cpu, n, over, t0 = map(int, m.groups())
            current = CpuTrace(cpu, over, n)
            cpus.append(current)
            tsc = t0
        elif _HEADER.match(ln):
            raise TraceError("a new dump began before this one ended")
        else:
            raise TraceError(f"not a trace line: {ln}")
    raise TraceError("the dump has no @end")


@dataclass
class Callback:
    bit: int
    begin: int
    end: int
    waited: int  # cycles from the round's start to the begin
    round: int
    causes: list = field(default_factory=list)  # Events (S/K) answered by this callback
    entry: int = None  # the interrupt's entry time (timestamped top halves)
    device_events: int = None  # bytes, deadlines... the driver handled (D)


def callbacks(cpu):
    """Pair B/E events into Callbacks, and attach to each the knocks and
    sets aimed at its bit since that bit's previous callback began (the
    ones this service answered). Also returns the halts (begin, end) and
    the round starts."""
    out, halts, rounds = [], [], []
    open_cb, round_no, halt_at, entry = None, 0, None, None
    waiting = {}  # bit -> [Event] since its last begin
    for e in cpu.events:
        if e.code == "R":
            round_no = e.arg
            rounds.append(e)
        elif e.code == "I":
            entry = e.tsc - e.arg  # recorded at the begin: arg cycles after the entry
        elif e.code == "B":
            open_cb = Callback(e.bit, e.tsc, e.tsc, e.arg, round_no, waiting.pop(e.bit, []))
            open_cb.entry, entry = entry, None
        elif e.code == "D":
            if open_cb and open_cb.bit == e.bit:
                open_cb.device_events = (open_cb.device_events or 0) + e.arg
        elif e.code == "E":
            if open_cb and open_cb.bit == e.bit:
                open_cb.end = e.tsc
                out.append(open_cb)
            open_cb = None  # an E without its B began before the trace did
        elif e.code in "SK":
            waiting.setdefault(e.bit, []).append(e)
        elif e.code == "H":
            halt_at = e.tsc
        elif e.code == "W" and halt_at is not None:
            halts.append((halt_at, e.tsc))
            halt_at = None
    return out, halts, rounds


def to_chrome(trace):
    """Chrome Trace Event JSON (a dict with traceEvents), times in us."""
    t_first = min((c.events[0].tsc for c in trace.cpus if c.events), default=0)

    def us(tsc):
        return (tsc - t_first) * 1e6 / trace.hz

    events = []
    flow_id = 0
    for c in trace.cpus:
        pid = c.cpu
        events.append({"ph": "M", "pid": pid, "name": "process_name",
                       "args": {"name": f"cpu{c.cpu} loop"}})
        events.append({"ph": "M", "pid": pid, "tid": 0, "name": "thread_name",
                       "args": {"name": "loop (rounds, halts)"}})
        for bit in sorted(trace.bits):
            kind, source, client = trace.bits[bit]
            events.append({"ph": "M", "pid": pid, "tid": 1 + bit, "name": "thread_name",
                           "args": {"name": f"bit {bit} {kind} {trace.name(bit)}"}})
            events.append({"ph": "M", "pid": pid, "tid": 1 + bit, "name": "thread_sort_index",
                           "args": {"sort_index": 1 + bit}})
        cbs, halts, rounds = callbacks(c)
        for r in rounds:
            events.append({"ph": "i", "s": "t", "pid": pid, "tid": 0, "ts": us(r.tsc),
                           "name": "round", "args": {"round": r.arg}})
        for begin, end in halts:
            events.append({"ph": "X", "pid": pid, "tid": 0, "ts": us(begin),
                           "dur": us(end) - us(begin), "name": "halt"})
        # Where each callback began and who set bits during it, for flows.
        by_end = {}
        for cb in cbs:
            by_end[(cb.end, cb.bit)] = cb
        for cb in cbs:
            kind, source, client = trace.bits.get(cb.bit, ("?", "?", "?"))
            args = {"bit": cb.bit, "round": cb.round, "cycles": cb.end - cb.begin,
                    "waited_in_round_cycles": cb.waited}
            if cb.device_events is not None:
                args["device_events"] = cb.device_events
            if cb.entry is not None:
                args["since_interrupt_entry_cycles"] = cb.end - cb.entry
                events.append({"ph": "i", "s": "t", "pid": pid, "tid": 1 + cb.bit,
                               "ts": us(cb.entry), "name": "interrupt entry"})
            events.append({"ph": "X", "pid": pid, "tid": 1 + cb.bit, "ts": us(cb.begin),
                           "dur": us(cb.end) - us(cb.begin), "name": client, "args": args})
            for cause in cb.causes:
                what = KINDS[cause.code]
                events.append({"ph": "i", "s": "t", "pid": pid, "tid": 1 + cb.bit,
                               "ts": us(cause.tsc), "name": what, "args": {"by_bit": cause.arg}})
                setter = by_end.get((cause.tsc, cause.arg))
                if setter is None:
                    continue
                flow_id += 1
                events.append({"ph": "s", "id": flow_id, "pid": pid, "tid": 1 + setter.bit,
                               "ts": us(setter.end) - 0.001, "name": what, "cat": "cause"})
                events.append({"ph": "f", "bp": "e", "id": flow_id, "pid": pid,
                               "tid": 1 + cb.bit, "ts": us(cb.begin), "name": what,
                               "cat": "cause"})
    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"source": "knock trace dump", "version": trace.version,
                      "cycles_per_second": trace.hz,
                      "overwritten": {str(c.cpu): c.overwritten for c in trace.cpus}},
    }


def draw(trace, path, cpu=0, title=None):
    """A timeline picture (PNG or SVG, by the file name) of one CPU."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = next((x for x in trace.cpus if x.cpu == cpu), None)
    if c is None or not c.events:
        raise TraceError(f"no events for cpu {cpu}")
    cbs, halts, rounds = callbacks(c)
    t_first = c.events[0].tsc

    def ms(tsc):
        return (tsc - t_first) * 1e3 / trace.hz

    used = sorted({cb.bit for cb in cbs} | {e.bit for e in c.events if e.code in "SK"})
    rows = {bit: i + 1 for i, bit in enumerate(used)}  # row 0: the loop
    span = max(ms(c.events[-1].tsc), 1e-3)
    thin = span / 700  # the narrowest bar drawn, so a short callback still shows
    fig, ax = plt.subplots(figsize=(11, 1.4 + 0.45 * (len(rows) + 1)), dpi=110)
    ax.broken_barh([(ms(a), max(ms(b) - ms(a), thin)) for a, b in halts], (-0.35, 0.7),
                   facecolors="#d0d0d0", label="loop halted (sti; hlt)")
    colors = {"irq": "#d95f02", "defer": "#1b9e77"}
    labels = {"irq": "callback of an interrupt bit", "defer": "callback of a deferred call"}
    for cb in cbs:
        kind = trace.bits.get(cb.bit, ("defer",))[0]
        ax.broken_barh([(ms(cb.begin), max(ms(cb.end) - ms(cb.begin), thin))],
                       (rows[cb.bit] - 0.35, 0.7), facecolors=colors.get(kind, "grey"),
                       label=labels.pop(kind, None))
        if cb.device_events and cb.device_events > 1:  # coalesced: one service, n events
            ax.annotate(str(cb.device_events), (ms(cb.begin), rows[cb.bit] - 0.4),
                        fontsize=7, color="#7570b3", ha="left", va="bottom")
    marks = {"K": ("v", "#d95f02", "interrupt knocked (marked when the callback it hit ended)"),
             "S": ("v", "#1b9e77", "deferred call set (marked when its setter ended)"),
             "I": ("|", "black", "interrupt entry (timestamped top halves)")}
    for code, (marker, color, label) in marks.items():
        if code == "I":
            pts = [(ms(cb.entry), rows[cb.bit] + 0.45) for cb in cbs if cb.entry is not None]
        else:
            pts = [(ms(e.tsc), rows[e.bit] + 0.45) for e in c.events
                   if e.code == code and e.bit in rows]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, s=18,
                       color=color, label=label, zorder=3)
    ax.set_yticks([0] + [rows[b] for b in used])
    ax.set_yticklabels(["loop"] + [f"{b} {trace.name(b)}" for b in used], fontsize=8)
    ax.set_ylim(-0.8, len(rows) + 0.9)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"knock trace, cpu{cpu}: {len(cbs)} callbacks in {len(rounds)} rounds, "
                 f"{span:.1f} ms; numbers: device events one service handled", fontsize=9)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=7,
              frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="text holding a trace dump (a serial log); - for stdin")
    ap.add_argument("-o", "--output", help="Chrome Trace Event JSON to write")
    ap.add_argument("--png", help="timeline picture to write (PNG)")
    ap.add_argument("--svg", help="timeline picture to write (SVG)")
    ap.add_argument("--cpu", type=int, default=0, help="CPU to draw (default 0)")
    ap.add_argument("--title", help="title of the picture")
    args = ap.parse_args(argv)
    text = sys.stdin.read() if args.input == "-" else open(args.input, errors="replace").read()
    try:
        trace = parse(text)
        if args.output:
            with open(args.output, "w") as f:
                json.dump(to_chrome(trace), f)
        for path in (args.png, args.svg):
            if path:
                draw(trace, path, args.cpu, args.title)
    except TraceError as e:
        print(f"trace2json: {e}", file=sys.stderr)
        return 1
    n = sum(len(c.events) for c in trace.cpus)
    print(f"trace2json: {n} events on {len(trace.cpus)} CPU(s), {trace.hz} cycles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
