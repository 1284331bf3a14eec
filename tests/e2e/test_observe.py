"""The stats table and the trace in the real kernel (issue 5): `stats`,
`stats reset`, `stats timing`, `trace on|off|dump` read back with
tools/trace2json.py, and the timestamped top halves (stubs=stamped) seen
in both."""
import importlib.util
import re
import sys
from pathlib import Path

from stats_table import Stats

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("trace2json", REPO / "tools" / "trace2json.py")
t2j = importlib.util.module_from_spec(_spec)
sys.modules["trace2json"] = t2j
_spec.loader.exec_module(t2j)


def test_stats_table(boot):
    vm = boot(lab=True)
    vm.wait_shell()
    st = Stats(vm.shell("stats"))
    st.check_consistent()
    # Latency timing costs every callback: off until asked for.
    assert st.header["since"] == "since boot" and not st.header["timing"]
    assert "latency: timing is off" in st.text and "longest callback" not in st.text
    assert vm.shell("stats timing on") == "stats: timing on\n"
    assert st.header["stubs"] == "plain" and not st.header["trace"]
    # One row per declared bit: the three devices and the deferred calls.
    assert {"timer", "keyboard", "com1", "shell", "console", "busy", "sink"} <= set(st.rows)
    assert st.rows["com1"]["kind"] == "irq" and st.rows["shell"]["kind"] == "defer"
    assert st.rows["com1"]["raised"] > 0  # the lines typed so far came in on it
    assert st.loops[0]["rounds"] > 0

    # A 20 ms callback: the longest, by busy, measured at >= 20 ms, and
    # the busy bit's latency (one sample) agrees in both units.
    vm.shell("busy 20")
    # The burn runs from the loop right after the answer, before the loop
    # can take the next line (its bit is set first), so it is done now.
    answer = vm.shell("busy")
    assert re.match(r"busy: idle; 1 burns done, longest (\d+) us", answer), answer
    st = Stats(vm.shell("stats"))
    busy_bit = st.rows["busy"]["bit"]
    client, count, lo, p50, p99, hi = st.latency_cycles[busy_bit]
    assert client == "busy" and count == 1 and lo == p50 == p99 == hi
    assert st.latency_us[busy_bit][5] >= 20000
    # The longest callback is at least the burn (on a loaded host a shell
    # callback may take longer still under TCG, so not necessarily busy's).
    assert st.loops[0]["longest_us"] >= 20000
    assert st.rows["busy"]["raised"] == st.rows["busy"]["serviced"] == 1

    # reset: counts restart (the shell's own line since is all there is).
    assert vm.shell("stats reset") == "stats: reset; counting from now\n"
    st = Stats(vm.shell("stats"))
    st.check_consistent()
    assert st.header["since"] == "since 'stats reset'"
    assert st.rows["busy"]["serviced"] == 0
    assert "longest_by" not in st.loops[0] or st.loops[0]["longest_by"] != "busy"

    assert vm.shell("stats timing off") == "stats: timing off\n"
    text = vm.shell("stats")
    assert "latency: timing is off" in text and "longest callback" not in text
    assert vm.shell("stats frob").startswith("stats: usage:")


def test_trace_dump_reads_back(boot):
    vm = boot(lab=True)
    vm.wait_shell()
    assert vm.shell("trace") == "trace: off\n"
    assert vm.shell("trace on") == "trace: on (rings emptied)\n"
    vm.shell("busy 5")
    vm.shell("echo traced")
    vm.shell("alarm 10")
    vm.wait_for(r"alarm 1 fired", timeout=5)
    pos = len(vm.log)
    vm.serial_write("trace dump\r")
    m = vm.wait_for(r"^trace: dumped (\d+) lines$", timeout=30, pos=pos)
    trace = t2j.parse(vm.log[pos:m.end()])
    assert int(m.group(1)) == sum(len(c.events) for c in trace.cpus) + len(trace.bits) + 3

    names = {source for _, source, _ in trace.bits.values()}
    assert {"timer", "keyboard", "com1", "shell", "busy"} <= names
    (cpu,) = trace.cpus
    codes = {e.code for e in cpu.events}
    assert {"R", "B", "E", "S", "K", "D", "H", "W"} <= codes, codes
    times = [e.tsc for e in cpu.events]
    assert times == sorted(times)
    cbs, halts, rounds = t2j.callbacks(cpu)
    by_client = {}
    for cb in cbs:
        by_client.setdefault(trace.bits[cb.bit][2], []).append(cb)
    # The busy callback is there and lasted 5 ms at the dump's clock rate.
    (burn,) = by_client["busy"]
    assert (burn.end - burn.begin) / trace.hz >= 0.005
    # The alarm's service handled one deadline; the console's services
    # handled bytes (D events), and the timer knocked while the loop slept.
    assert any(cb.device_events == 1 for cb in by_client["alarm_mux"])
    assert any((cb.device_events or 0) > 1 for cb in by_client["console"])
    assert halts and rounds

    assert vm.shell("trace off") == "trace: off\n"
    doc = t2j.to_chrome(trace)
    assert any(e["ph"] == "X" and e["name"] == "busy" for e in doc["traceEvents"])


def test_timestamped_top_halves(boot):
    vm = boot(lab=True, cmdline="stubs=stamped stats=timing")
    vm.wait_shell()
    st = Stats(vm.shell("stats"))
    assert st.header["stubs"] == "timestamped"
    assert st.header["timing"], "stats=timing turns the timing on from boot"
    vm.shell("trace on")
    vm.shell("echo stamped")
    pos = len(vm.log)
    vm.serial_write("trace dump\r")
    m = vm.wait_for(r"^trace: dumped (\d+) lines$", timeout=30, pos=pos)
    (cpu,) = t2j.parse(vm.log[pos:m.end()]).cpus
    cbs, _, _ = t2j.callbacks(cpu)
    com1 = [cb for cb in cbs if cb.bit == st.rows["com1"]["bit"] and cb.entry is not None]
    assert com1, "no interrupt entry recorded for com1"
    assert all(cb.entry <= cb.begin for cb in com1)
