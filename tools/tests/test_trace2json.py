"""tools/trace2json.py: parsing a dump out of a noisy serial log, rejecting
broken ones, pairing callbacks with what they answered, and the Chrome
Trace Event JSON and picture it writes."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "trace2json.py"
spec = importlib.util.spec_from_file_location("trace2json", TOOL)
t2j = importlib.util.module_from_spec(spec)
sys.modules["trace2json"] = t2j
spec.loader.exec_module(t2j)

HZ = 1_000_000  # a cycle is a microsecond

# A round of the keyboard (bit 1, two bytes drained, the stamped entry 40
# cycles before), during which the console's deferred call (bit 62) is set
# and com1 (bit 2) knocks; the next round answers both; then a halt.
DUMP = """\
knock> trace dump
@trace 1 hz=1000000 cpus=1
@bit 1 irq keyboard keyboard
@bit 2 irq com1 console
@bit 62 defer console console
@cpu 0 events=13 overwritten=5 t0=1000
@0 R 0 7
@0 I 1 40
@0 B 1 0
@3 D 1 2
@7 E 1 0
@0 K 2 1
@0 S 62 1
@5 R 0 8
some log line that landed in the middle
@0 B 2 0
@20 E 2 0
@1 B 62 21
@4 E 62 0
@2 H 0 0
@end
trace: dumped 19 lines
"""


def test_parse_skips_noise_and_rebuilds_times():
    t = t2j.parse(DUMP)
    assert t.hz == HZ and t.version == 1
    assert t.bits[2] == ("irq", "com1", "console")
    assert t.name(2) == "com1 (console)" and t.name(1) == "keyboard"
    (cpu,) = t.cpus
    assert cpu.overwritten == 5 and len(cpu.events) == 13
    assert [e.tsc for e in cpu.events][:5] == [1000, 1000, 1000, 1003, 1010]
    assert cpu.events[-1].code == "H" and cpu.events[-1].tsc == 1042


def test_callbacks_carry_what_they_answered():
    (cpu,) = t2j.parse(DUMP).cpus
    cbs, halts, rounds = t2j.callbacks(cpu)
    assert [(c.bit, c.begin, c.end) for c in cbs] == [(1, 1000, 1010), (2, 1015, 1035),
                                                      (62, 1036, 1040)]
    kbd, com1, con = cbs
    assert kbd.entry == 960 and kbd.device_events == 2 and kbd.round == 7
    assert [e.code for e in com1.causes] == ["K"] and com1.causes[0].arg == 1
    assert [e.code for e in con.causes] == ["S"] and con.waited == 21
    assert [r.arg for r in rounds] == [7, 8]
    assert halts == []  # a halt without its wake is not a slice


def test_chrome_json():
    doc = t2j.to_chrome(t2j.parse(DUMP))
    json.dumps(doc)  # serialisable
    ev = doc["traceEvents"]
    slices = [e for e in ev if e["ph"] == "X"]
    assert [(e["name"], e["ts"], e["dur"]) for e in slices] == [
        ("keyboard", 0.0, 10.0), ("console", 15.0, 20.0), ("console", 36.0, 4.0)]
    assert slices[0]["args"]["device_events"] == 2
    assert slices[0]["args"]["since_interrupt_entry_cycles"] == 50
    assert slices[2]["tid"] == 63 and slices[2]["args"]["waited_in_round_cycles"] == 21
    # An arrow from the keyboard's callback to each callback it caused.
    starts = [e for e in ev if e["ph"] == "s"]
    ends = [e for e in ev if e["ph"] == "f"]
    assert len(starts) == len(ends) == 2
    assert all(s["tid"] == 2 for s in starts)
    assert sorted(f["tid"] for f in ends) == [3, 63]
    assert {e["name"] for e in ev if e["ph"] == "i"} >= {"round", "knock", "set",
                                                          "interrupt entry"}
    names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    assert "bit 2 irq com1 (console)" in names
    assert doc["otherData"]["overwritten"] == {"0": 5}


@pytest.mark.parametrize("broken", [
    DUMP.replace("@end\n", ""),                             # cut short
    DUMP.replace("events=13", "events=14"),                 # an event missing
    DUMP.replace("cpus=1", "cpus=2"),                       # a CPU missing
    DUMP.replace("@trace 1 ", "@trace 2 "),                 # another format
    DUMP.replace("@5 R 0 8", "@5 R 0 x"),                   # garbage
    "no dump here\n",
])
def test_broken_dumps_are_refused(broken):
    with pytest.raises(t2j.TraceError):
        t2j.parse(broken)


def test_last_complete_dump_wins():
    second = DUMP.replace("@bit 1 irq keyboard keyboard", "@bit 1 irq kbd2 keyboard")
    assert t2j.parse(DUMP + second).bits[1][1] == "kbd2"
    # A later dump cut short does not hide an earlier complete one.
    assert t2j.parse(DUMP + "@trace 1 hz=5 cpus=1\n@cpu 0").bits[1][1] == "keyboard"


def test_command_line_writes_json_and_pictures(tmp_path):
    log = tmp_path / "serial.log"
    log.write_text(DUMP)
    out, png, svg = tmp_path / "t.json", tmp_path / "t.png", tmp_path / "t.svg"
    assert t2j.main([str(log), "-o", str(out), "--png", str(png), "--svg", str(svg)]) == 0
    assert json.loads(out.read_text())["traceEvents"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:500]
    log.write_text("nothing\n")
    assert t2j.main([str(log), "-o", str(out)]) == 1
