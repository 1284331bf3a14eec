"""Tests of tools/bakeoff.py's host side (no QEMU): reading the guest's
figure table from a memory image, the latency percentiles, the checks of
the shell's echo, and the generated report's verdicts."""
import importlib.util
import pathlib
import random
import struct

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[1] / "bakeoff.py"
spec = importlib.util.spec_from_file_location("bakeoff", TOOL)
bakeoff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bakeoff)

SUB_BITS, TOP_BITS = 3, 36
BUCKETS = (1 << SUB_BITS) * (TOP_BITS - SUB_BITS + 1)


def bucket(value):
    """kernel/latency_hist.c's latency_hist_bucket()."""
    sub = 1 << SUB_BITS
    if value < sub:
        return value
    msb = value.bit_length() - 1
    if msb >= TOP_BITS:
        return BUCKETS - 1
    shift = msb - SUB_BITS
    return sub + shift * sub + ((value >> shift) & (sub - 1))


def hist(values):
    counts = [0] * BUCKETS
    for v in values:
        counts[bucket(v)] += 1
    return {"count": len(values), "sum": sum(values), "min": min(values), "max": max(values),
            "buckets": counts, "sub_bits": SUB_BITS}


@pytest.mark.parametrize("per_mille", [1, 500, 900, 990, 1000])
def test_percentile_is_within_an_eighth_above_the_true_value(per_mille):
    rng = random.Random(per_mille)
    values = sorted(rng.choice([rng.randint(0, 50), rng.randint(100, 10**5),
                                rng.randint(10**6, 2 * 10**7)]) for _ in range(1001))
    true = values[max(1, -(-len(values) * per_mille // 1000)) - 1]
    got = bakeoff.percentile(hist(values), per_mille)
    assert true <= got <= max(true * 9 // 8, true + 1)
    assert bakeoff.percentile(hist(values), 1000) == values[-1]


def test_bucket_top_is_the_largest_value_of_its_bucket():
    for v in [0, 7, 8, 9, 15, 16, 17, 1000, 123456, 2**35 + 5]:
        top = bakeoff.bucket_top(bucket(v), SUB_BITS, BUCKETS)
        assert bucket(top) == bucket(v) and bucket(top + 1) == bucket(v) + 1


class Image:
    """A fake [1 MiB, 8 MiB) memory image laid out as the kernel's."""

    def __init__(self):
        self.mem = bakeoff.Memory.__new__(bakeoff.Memory)
        self.mem.data = bytearray(bakeoff.KERNEL_SPAN)
        self.free = bakeoff.KERNEL_BASE + 0x1000

    def put(self, data, align=8):
        self.free = -(-self.free // align) * align
        addr = self.free
        off = addr - bakeoff.KERNEL_BASE
        self.mem.data[off:off + len(data)] = data
        self.free += len(data)
        return addr


def make_table(figures, magic=bakeoff.EXPORT_MAGIC):
    """figures: [(name, kind, payload bytes, at_start)] -> (memory, table address)."""
    img = Image()
    entries = b""
    for name, kind, payload, at_start in figures:
        name_at = img.put(name.encode() + b"\0", 1)
        value_at = img.put(payload)
        entries += struct.pack("<QQIIQ", name_at, value_at, kind, 0, at_start)
    table = img.put(entries)
    export = img.put(magic + struct.pack("<QQQQ", len(figures), table, BUCKETS, SUB_BITS))
    return img.mem, export


def test_the_figure_table_is_read_as_the_kernel_lays_it_out():
    h = hist([5, 900, 900, 70000])
    payload = struct.pack("<QQQQ", h["count"], h["sum"], (~h["min"]) & (2**64 - 1), h["max"])
    payload += struct.pack(f"<{BUCKETS}I", *h["buckets"])
    mem, addr = make_table([
        ("keyboard.bytes_delivered", bakeoff.KIND_U64, struct.pack("<Q", 1234), 1000),
        ("alarms.fired", bakeoff.KIND_U32, struct.pack("<I", 200) + b"\xff" * 4, 0),
        ("latency.keyboard", bakeoff.KIND_HIST, payload, 0),
    ])
    values, at_start = bakeoff.read_figures(mem, addr, None)
    assert values["keyboard.bytes_delivered"] == 1234
    assert at_start["keyboard.bytes_delivered"] == 1000
    assert values["alarms.fired"] == 200  # four bytes only
    lat = values["latency.keyboard"]
    assert (lat["count"], lat["min"], lat["max"]) == (4, 5, 70000)
    assert bakeoff.percentile(lat, 500) == bakeoff.percentile(h, 500)


def test_a_table_not_filled_is_refused():
    mem, addr = make_table([], magic=b"\0" * 16)
    with pytest.raises(bakeoff.Unmeasured):
        bakeoff.read_figures(mem, addr, None)


def test_echoed_lines_survive_log_lines_and_redraws_and_miss_what_was_lost():
    lines = ["echo abc de", "echo fgh", "echo ij", "echo lost one"]
    log = "\n".join([
        "knock> echo abc de",
        "abc de",
        "knock> echo fg          bakeoff: alarms: 200 set",  # cut by a log line...
        "knock> echo fgh",                                  # ...and redrawn
        "bakeoff: sink: 5 bytes",                           # a log line before the answer
        "fgh",
        "knock> echo ij",
        "i",                                                # a key lost
        "knock> echo lost on",
        "lost on",
        "knock> "])
    assert bakeoff.echoed_lines(log, lines) == 2


def test_typed_lines_make_exactly_the_keys_asked_for():
    lines = bakeoff.typed_lines(random.Random(1), 300)
    assert sum(len(line) + 1 for line in lines) == 300
    assert all(line.startswith("echo ") for line in lines)
    assert set("".join(lines)) <= set(bakeoff.ALPHABET + " echo")


def result(design, lost=0, longest=100, key_bytes=600):
    lat = {"samples": 10, "p50": 100, "p99": 1000, "max": 2000}
    return {
        "design": design, "what": "", "events_lost": lost,
        "hardware_lost": {"total": 3, "serial": 1, "timer": 1, "keyboard": 1,
                          "serial_worst_unread_us": 2000.0},
        "keys": {"typed": 300, "bytes_sent": 600, "bytes_delivered": key_bytes,
                 "key_events": key_bytes, "lines_typed": 10, "lines_echoed_intact": 10,
                 "dropped_in_queue": 0, "throttles": 0},
        "serial": {"sent": 1000, "sink_done": True, "counted": 1000 - lost + (600 - key_bytes),
                   "crc_match": lost == 0, "lost": lost - (600 - key_bytes),
                   "dropped_in_queue": 0, "throttles": 0, "uart_overruns": 0},
        "alarms": {"set": 200, "fired": 200, "lost": 0, "timer_ticks_dropped_in_queue": 0},
        "irq_off": {"longest": longest, "longest_loop": longest, "longest_handler": 11,
                    "top_half_plain": 3},
        "latency": {s: dict(lat) for s in bakeoff.SOURCES},
        "work": {"events_serviced": 1000, "useful_instructions": 2 * 10**8, "burns": 10,
                 "useful_per_burn": 2 * 10**7, "useful_share": 0.99,
                 "overhead_instructions": 10**6, "overhead_per_event": 1000.0},
        "handler_stub": {"entry": 37, "exit": 66},
        "notes": [],
    }


def test_the_report_says_when_knock_holds_its_promises():
    results = {"knock": result("knock", longest=23), "inisr": result("inisr", longest=10**7),
               "isrqueue": result("isrqueue", lost=500, longest=5000)}
    text = bakeoff.markdown(results, "7.2", "0.1.0")
    assert text.startswith("<!-- GENERATED by `make bench`")
    assert "- knock lost nothing: **yes**" in text
    assert "shortest interrupts-off window: **yes** (23 instructions against 5,000)" in text
    assert "knock lost events in this run" not in text


def test_the_report_explains_when_knock_does_not():
    results = {"knock": result("knock", lost=4, longest=6000, key_bytes=596),
               "isrqueue": result("isrqueue", longest=5000)}
    text = bakeoff.markdown(results, "7.2", "0.1.0")
    assert "- knock lost nothing: **no**" in text
    assert "**knock lost events in this run**" in text
    assert "QEMU's PS/2 queue" in text  # the keys went missing in the emulator
    assert "shortest interrupts-off window: **no**" in text
    assert "was not the shortest" in text


# --- the work arithmetic (work_figures) -------------------------------------

def figures(**kw):
    """Guest figures as read_figures() returns them, for work_figures()."""
    v = {"load.started": 1_000_000, "load.finished": 0, "load.burns": 0,
         "load.burn_units": 0, "load.unit_cycles": 0, "idle.at_finish": 0,
         # what the old arithmetic read, kept to show it is not used
         "idle.last_sleep": 0, "idle.total": 0, "load.burn_cycles": 0,
         "load.burn_irq_cycles": 0}
    v.update(kw)
    return v


def test_work_is_units_times_unit_length_and_overhead_is_the_rest():
    # A window of 100 M instructions, 30 M of them asleep, 60,000 units of
    # 1,000 instructions: 60 M useful, 10 M overhead for 5,000 events.
    v = figures(**{"load.finished": 101_000_000, "idle.at_finish": 30_000_000,
                   "load.burns": 3, "load.burn_units": 60_000, "load.unit_cycles": 1_000,
                   "load.burn_cycles": 62_500_000})
    w = bakeoff.work_figures(v, 5_000)
    assert w["useful_per_burn"] == 20_000_000 and w["useful_share"] == 0.96
    assert w["window"] == 100_000_000 and w["busy"] == 70_000_000
    assert w["useful_instructions"] == 60_000_000
    assert w["overhead_instructions"] == 10_000_000
    assert w["overhead_per_event"] == 2_000.0


def test_the_case_that_went_negative_no_longer_can():
    """ISR-queue's run: the guest was stopped long after the load, so the
    idle meter and the burn counters had run on past the last sleep the old
    window ended at: last_sleep - started - idle - burns + burn_irq was
    -85,605,342. The new window is [started, finished] with the idle meter
    read at the finish."""
    v = figures(**{"idle.last_sleep": 41_000_000, "idle.total": 96_605_342,
                   "load.burn_cycles": 30_000_000, "load.burn_irq_cycles": 1_000_000,
                   "load.finished": 61_000_000, "idle.at_finish": 25_000_000,
                   "load.burns": 2, "load.burn_units": 20_000, "load.unit_cycles": 1_400})
    old = (v["idle.last_sleep"] - v["load.started"] - v["idle.total"]
           - v["load.burn_cycles"] + v["load.burn_irq_cycles"])
    assert old == -85_605_342
    w = bakeoff.work_figures(v, 1_000)
    assert w["busy"] == 35_000_000
    assert w["useful_instructions"] == 28_000_000
    assert w["overhead_instructions"] == 7_000_000 >= 0


def test_a_load_that_never_finished_has_work_but_no_window():
    v = figures(**{"load.burns": 3, "load.burn_units": 900, "load.unit_cycles": 100})
    w = bakeoff.work_figures(v, 10)
    assert w["useful_instructions"] == 90_000
    assert w["window"] is None and w["overhead_per_event"] is None


@pytest.mark.parametrize("kw", [
    {"load.finished": 11_000_000, "idle.at_finish": 11_000_000},   # asleep longer than the window
    {"load.finished": 500_000},                                    # finished before it started
    {"load.finished": 11_000_000, "load.burn_units": 10_001,       # more work than busy time
     "load.unit_cycles": 1_000},
])
def test_meters_that_disagree_are_refused_not_printed(kw):
    with pytest.raises(bakeoff.Unmeasured):
        bakeoff.work_figures(figures(**kw), 100)


# --- loss as hardware would count it (hardware_losses) ------------------------

def test_samples_above_counts_only_buckets_wholly_above_the_threshold():
    h = hist([10, 500, 999, 1000, 1500, 20_000, 3_000_000])
    assert bakeoff.samples_above(h, 1_000) == 3        # 1500, 20000, 3 M
    assert bakeoff.samples_above(h, 10**7) == 0
    assert bakeoff.samples_above(h, 0) == 7
    # A value in the threshold's own bucket ([1024, 1151]) is not counted:
    # a lower bound.
    assert bakeoff.samples_above(hist([1_050]), 1_040) == 0
    assert bakeoff.samples_above(hist([1_050]), 1_000) == 1


def test_hardware_losses_per_source():
    tsc_hz = 10**9   # under icount: 1 GHz, instructions
    v = {"hw.serial.lost": 230, "hw.serial.full_reads": 12, "hw.serial.worst_held": 20_000_000,
         # timer: two interrupts answered 20 ms late, the rest fast: a 1 kHz
         # tick loses the two
         "latency.timer": hist([800] * 50 + [20_000_000, 19_000_000]),
         # keys at 80/s: 17 bytes last 106 ms; none waited that long
         "latency.keyboard": hist([2_000] * 100 + [20_000_000] * 4)}
    got = bakeoff.hardware_losses(v, tsc_hz, key_rate=80)
    assert got["serial"] == 230 and got["serial_worst_unread_us"] == 20_000.0
    assert got["timer"] == 2
    assert got["keyboard"] == 0
    assert got["total"] == 232
    v["latency.keyboard"] = hist([2_000] * 100 + [200_000_000])  # a key held 200 ms
    assert bakeoff.hardware_losses(v, tsc_hz, key_rate=80)["keyboard"] == 1


def test_bench_figures_give_every_column_its_rows(monkeypatch, tmp_path):
    """What `make bench` prints for each design: lost in the guest, lost on
    hardware, the longest window, latency per source, useful work."""
    results = {d: result(d) for d in bakeoff.DESIGNS}
    monkeypatch.setattr(bakeoff, "run_all", lambda iso, elf: results)
    monkeypatch.setattr(bakeoff, "write_report", lambda *a: None)
    monkeypatch.setattr(bakeoff.kq, "qemu_version", lambda: "7.2")
    monkeypatch.setattr(bakeoff.kq, "makefile_version", lambda: "0.1.0")
    figures, _ = bakeoff.bench_figures("iso", "elf", doc=tmp_path / "b.md", png=tmp_path / "b.png")
    for d in bakeoff.DESIGNS:
        for name in ("events_lost", "hardware_lost", "irq_off_longest", "useful_work",
                     "latency.timer", "latency.keyboard", "latency.com1"):
            assert f"bakeoff.{name}.{d}" in figures, (name, d)
    assert figures["bakeoff.latency.com1.knock"]["value"] == "100 / 1000 / 2000"
    assert figures["bakeoff.hardware_lost.isrqueue"]["value"] == 3
    assert figures["bakeoff.useful_work.inisr"]["value"] == 2 * 10**7


# --- the world load (chips/x86_64/lab/world.h) ---------------------------------

def test_world_keys_make_exactly_the_keys_asked_for_in_echo_lines():
    for n in (0, 7, 40, 300):
        keys = bakeoff.world_keys(n)
        assert len(keys) == n
        assert set(keys) <= set(bakeoff.ALPHABET + " \n")
    lines = bakeoff.world_lines(300)
    assert len(lines) == bakeoff.world_keys(300).count("\n") > 0
    assert all(line.startswith("echo ") and not line.endswith(" ") for line in lines)
    # The same seed, the same text: the first keys of a longer run are
    # the keys of a shorter one, up to the last line's cut.
    assert bakeoff.world_keys(300).startswith(bakeoff.world_keys(40).rsplit("\n", 1)[0])


def test_world_data_is_the_low_byte_of_xorshift32_from_seed_5():
    x, expect = 5, bytearray()
    for _ in range(4):
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        expect.append(x & 0xff)
    assert bakeoff.world_data(4) == bytes(expect)
    assert bakeoff.terminator() not in bakeoff.world_data(64 * 1024)


def test_the_worlds_instructions_are_not_the_designs_busy_time():
    v = figures(**{"load.finished": 101_000_000, "idle.at_finish": 30_000_000,
                   "load.burns": 3, "load.burn_units": 60_000, "load.unit_cycles": 1_000,
                   "world.cycles_at_finish": 4_000_000})
    w = bakeoff.work_figures(v, 5_000)
    assert w["busy"] == 66_000_000 and w["world"] == 4_000_000
    assert w["overhead_instructions"] == 6_000_000 and w["overhead_per_event"] == 1_200.0


def test_useful_work_per_callback_counts_a_burn_the_finish_cut_short():
    # 59 whole 20 ms burns and half of a 60th: per 20 ms, not per burn run.
    tsc_hz, burn = 10**9, 20_000_000
    v = figures(**{"load.burns": 59, "load.burn_units": 59_500, "load.unit_cycles": 20_000,
                   "load.burn_cycles": 59 * burn + burn // 2, "tsc_hz": tsc_hz})
    w = bakeoff.work_figures(v, 10)
    assert w["useful_per_burn"] == 20_000_000


def world_values(sent=1000, counted=1000, sink_crc=None, world_crc=None, keys=10,
                 delivered=20, keyboard_lost=0):
    data = bakeoff.world_data(sent)
    crc = bakeoff.zlib.crc32(data)
    empty = hist([1])
    v = {"world.keys": keys, "world.key_bytes_sent": delivered,
         "world.key_bytes_lost": keyboard_lost, "world.data_sent": sent,
         "world.data_crc": crc if world_crc is None else world_crc,
         "world.late_max": 43_500, "world.steps": 100, "world.cycles": 10_000,
         "world.cycles_at_finish": 10_000, "world.stray_nmis": 0, "world.serial_again": 0,
         "world.started": 5, "world.done": 105, "tsc_hz": 10**9,
         "keyboard.bytes_delivered": delivered, "keyboard.key_events": delivered // 2,
         "load.sink_done": 1, "load.sink_bytes": counted,
         "load.sink_crc": crc if sink_crc is None else sink_crc,
         "alarms.set": 200, "alarms.fired": 200, "alarms.twice": 0, "alarms.out_of_order": 0,
         "alarms.missing": 0, "load.flood_done": 1, "com2.rx_bytes": counted,
         "com2.overrun": 0, "timer.alarms_fired": 200,
         "queue.keyboard.dropped": 0, "queue.keyboard.throttles": 0,
         "queue.com2.dropped": 0, "queue.com2.throttles": 0,
         "queue.keyboard.high_water": 0, "queue.com1.high_water": 0,
         "hw.serial.lost": 0, "hw.serial.full_reads": 0, "hw.serial.worst_held": 0,
         "irqoff.loop.longest": 30, "irqoff.handler.longest": 0, "irqoff.loop.windows": 1,
         "irqoff.handler.windows": 0, "irqoff.handler.total": 0, "irqoff.loop.total": 30,
         "handler.entry_cost": 0, "handler.exit_cost": 0,
         "latency.timer": empty, "latency.keyboard": empty, "latency.com2": empty}
    v.update(figures(**{"load.finished": 0}))
    return v


def world_run(keys=10):
    run = bakeoff.Run.__new__(bakeoff.Run)
    run.design, run.notes, run.world_keys, run.world_bytes = "knock", [], keys, 1000
    return run


def test_world_serial_loss_is_what_the_world_sent_and_the_sink_did_not_count():
    v = world_values(counted=900, sink_crc=1)
    r = world_run().summarize_world(v, {k: 0 for k in v}, True, "")
    assert r["serial"]["lost"] == 100 and not r["serial"]["crc_match"]
    assert r["serial"]["world_crc_match"]
    assert r["hardware_lost"]["serial"] == 100 and r["events_lost"] == 100
    assert r["world"]["kept_pace"] and not r["notes"]


def test_world_counts_are_checked_against_the_seeded_load():
    v = world_values(world_crc=12345)  # the world sent other bytes than the seed makes
    run = world_run()
    r = run.summarize_world(v, {k: 0 for k in v}, True, "")
    assert not r["serial"]["world_crc_match"] and not r["serial"]["crc_match"]
    assert any("other bytes" in n for n in r["notes"])
    v = world_values(keys=9, delivered=18)  # a key the world never pressed
    r = world_run().summarize_world(v, {k: 0 for k in v}, True, "")
    assert any("pressed 9 of 10 keys" in n for n in r["notes"])


def test_the_world_report_says_where_knock_loses():
    results = {d: result(d) for d in bakeoff.DESIGNS}
    for d, r in results.items():
        r.update(load="world", world={"steps": 10, "cycles": 1000, "late_max": 43_500})
        r["latency"] = {s: dict(r["latency"]["com1"]) for s in bakeoff.WORLD_SOURCES}
        r["keys"]["bytes_lost_in_keyboard"] = 0
        r["hardware_lost"]["serial_model"] = 0
    k = results["knock"]
    k["events_lost"] = k["serial"]["lost"] = k["hardware_lost"]["serial"] = 500
    k["hardware_lost"]["serial_model"] = 480
    text = bakeoff.markdown(results, "7.2", "0.1.0")
    assert "- knock lost nothing: **no**" in text
    assert "**knock lost events in this run**: 500 of the world's 1,000 serial bytes" in text
    assert "estimated 480" in text
    assert "| **com2 latency**" in text and "com1 latency" not in text
    assert "They do not repeat exactly" not in text
