"""Read the shell's `stats` table (capsules/stats.h) back into numbers,
and check what must hold in every one: nothing dropped.

It does not check coalesced against raised - serviced: the stats capsule
computes it with that formula, so the check could not fail. Tests that
need coalescing checked compare it with a count made elsewhere (the
stamped top halves' carry count, QEMU's own interrupt log: see
tests/e2e/test_bakeoff.py and test_floods.py)."""
import re

_ROW = re.compile(r"^\s*(\d+) (.{14}) (irq|defer) +(\d+|-) +(\d+) +(\d+|-) "
                  r"+(\d+(?:\+\?)?|-)  (.*)$")
_LAT = re.compile(r"^\s*(\d+) (\S+) +(\d+)  (\S+) +(\S+) +(\S+) +(\S+)\s*$")
_LOOP = re.compile(r"^loop cpu(\d+): rounds (\d+), sleeps (\d+), wake-ups (\d+)$", re.M)
_LONGEST = re.compile(r"^loop cpu(\d+): longest callback ([\d.]+) us \((\d+) cycles\) "
                      r"by (\S+), bit (\d+); (\d+) timed$", re.M)
_HEADER = re.compile(r"^stats over ([\d.]+) s (since boot|since 'stats reset'); timing (on|off), "
                     r"trace (on|off), top halves (\w+)$", re.M)


def _num(text):
    """A count; None for "-" (not counted); "N+?" is N counted and more the
    source cannot see (dropped_unknown)."""
    return None if text == "-" else int(text.removesuffix("+?"))


class Stats:
    """One `stats` answer: .rows {source: dict}, .latency_cycles and
    .latency_us {bit: (client, count, min, p50, p99, max)}, .loops
    {cpu: dict}, .header dict."""

    def __init__(self, text):
        self.text = text
        m = _HEADER.search(text)
        if not m:
            raise AssertionError(f"no stats header in:\n{text}")
        self.header = {"seconds": float(m.group(1)), "since": m.group(2),
                       "timing": m.group(3) == "on", "trace": m.group(4) == "on",
                       "stubs": m.group(5)}
        self.rows = {}
        self.latency_cycles, self.latency_us = {}, {}
        table = None
        for line in text.splitlines():
            if line.startswith("bit source"):
                table = "counts"
            elif line.startswith("bit client"):
                table = "us" if line.endswith("(microseconds)") else "cycles"
            elif table == "counts" and (m := _ROW.match(line)):
                self.rows[m.group(2).strip()] = {
                    "bit": int(m.group(1)), "kind": m.group(3), "raised": _num(m.group(4)),
                    "serviced": int(m.group(5)), "coalesced": _num(m.group(6)),
                    "dropped": _num(m.group(7)), "unit": m.group(8),
                    "dropped_unknown": m.group(7).endswith("+?")}
            elif table in ("cycles", "us") and (m := _LAT.match(line)):
                conv = int if table == "cycles" else float
                target = self.latency_cycles if table == "cycles" else self.latency_us
                target[int(m.group(1))] = (m.group(2), int(m.group(3))) + \
                    tuple(conv(x) for x in m.group(4, 5, 6, 7))
        self.loops = {int(m.group(1)): {"rounds": int(m.group(2)), "sleeps": int(m.group(3)),
                                        "wakeups": int(m.group(4))}
                      for m in _LOOP.finditer(text)}
        for m in _LONGEST.finditer(text):
            self.loops[int(m.group(1))].update(longest_us=float(m.group(2)),
                                               longest_cycles=int(m.group(3)),
                                               longest_by=m.group(4), timed=int(m.group(6)))
        if not self.rows or not self.loops:
            raise AssertionError(f"stats table not understood:\n{text}")

    # Rows whose `dropped` cannot be anything but 0 here, so a check of it
    # could not fail: the timer's is the constant 0 (board/pc/wire_observe.c:
    # a deadline waits in the mux), and com1's counts UART overruns, which
    # QEMU never produces (it stops taking bytes while the FIFO is full).
    # Tests check those sources' losses by what arrived instead.
    CANNOT_DROP = ("timer", "com1")

    def check_consistent(self):
        """Every row that counts its events and can drop: nothing dropped
        inside knock (a source that cannot see all its losses still shows
        what it counted: "0+?")."""
        for name, r in self.rows.items():
            if r["raised"] is None or name in self.CANNOT_DROP:
                continue
            assert r["dropped"] == 0, f"{name} dropped {r['dropped']}:\n{self.text}"
