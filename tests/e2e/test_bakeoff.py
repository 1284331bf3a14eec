"""The bake-off's three interrupt designs (boot option design=, see
board/pc/design.h and docs/bakeoff.md) each run a working system: the
shell answers on the serial line and from the keyboard, and alarms fire.
This checks behaviour only; `make bench` measures them (tools/bakeoff.py).

Each design must really be the one running, not knock's under another
name: the device vectors' IDT gates are read from guest memory and must
point at the generated top halves (knock) or at the slow stubs that call
C handlers (the others).

One more boot checks the measuring side that `make bench` relies on:
with the `bakeoff` option the guest exports a table of figures, and
tools/bakeoff.py reads it from guest memory and finds what was done.
"""
import random
import re
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import LAB_ELF as ELF, _require
from knock_qemu import STEP_TIMEOUT, TIMEOUT_SCALE

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "board" / "pc" / "interrupts.h"
# A row: enum, name, vector, bit, ISA IRQ, CPU (board/pc/interrupts.h).
ROW = re.compile(r'X\(\s*(\w+)\s*,\s*"(\w+)"\s*,\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(\d+)\s*,'
                 r'\s*(-?\d+)\s*,\s*(-?\d+)\s*\)')
IDT_REGISTER = re.compile(r"^IDT=\s*([0-9a-fA-F]+)\s+([0-9a-fA-F]+)", re.M)
DESIGNS = ("knock", "inisr", "isrqueue")


def load_bakeoff():
    """tools/bakeoff.py, imported from where it lives."""
    if str(REPO / "tools") not in sys.path:
        sys.path.insert(0, str(REPO / "tools"))
    import bakeoff  # pylint: disable=import-outside-toplevel
    return bakeoff


def symbols():
    out = subprocess.run(["nm", str(_require(ELF))], capture_output=True, text=True,
                         check=True).stdout
    return {m.group(2): int(m.group(1), 16)
            for m in re.finditer(r"^([0-9a-f]+) \w (\S+)$", out, re.M)}


def device_bits():
    """Each device's pending bit, from the same table."""
    return {name: int(bit) for _, name, _, bit, _, _ in ROW.findall(TABLE.read_text())}


def device_vectors():
    """The devices whose drivers the design places (board_device_client):
    the other rows (a self-IPI for storm tests) keep their top halves."""
    rows = {name: int(vector, 0) for _, name, vector, _, _, _ in ROW.findall(TABLE.read_text())}
    return {name: rows[name] for name in ("timer", "keyboard", "com1")}


def idt_targets(vm, vectors):
    """{vector: handler address} from the IDT in guest memory."""
    m = IDT_REGISTER.search(vm.qmp.hmp("info registers"))
    assert m, "no IDT= in `info registers`"
    base = int(m.group(1), 16)
    path = Path(vm._dir) / "idt.bin"
    vm.qmp.command("pmemsave", {"val": base, "size": 256 * 16, "filename": str(path)})
    idt = path.read_bytes()
    targets = {}
    for v in vectors:
        lo, _, _, _, mid, hi, _ = struct.unpack_from("<HHBBHII", idt, 16 * v)
        targets[v] = lo | (mid << 16) | (hi << 32)
    return targets


@pytest.mark.parametrize("design", DESIGNS)
def test_design_runs_a_working_system(boot, design):
    vm = boot(lab=True, cmdline=f"design={design}")
    vm.wait_shell()
    if design != "knock":
        vm.wait_for(rf"^design: {design}: device interrupts run C handlers")

    # The design in force: which stub each device vector enters.
    syms = symbols()
    vectors = device_vectors()
    targets = idt_targets(vm, vectors.values())
    for name, vector in vectors.items():
        want = f"top_half_{name}" if design == "knock" else f"isr_stub_{vector}"
        assert targets[vector] == syms[want], \
            f"{design}: vector {vector:#x} ({name}) enters {targets[vector]:#x}, not {want}"

    # Serial in and out, the keyboard, the timer: each device's path.
    assert vm.shell("echo over the serial line") == "over the serial line\n"
    assert vm.shell("echo typed on the keyboard", keyboard=True) == "typed on the keyboard\n"
    vm.shell("alarm 30")
    vm.wait_for(r"^(?:knock> +)?alarm 1 fired \d+\.\d{3} ms after it was set \(asked 30 ms")
    assert vm.shell("echo still answering") == "still answering\n"
    assert vm.wait_cpu_halted(), "the CPU halted with interrupts off"


@pytest.mark.parametrize("design", DESIGNS)
def test_bakeoff_figures_can_be_read_from_guest_memory(boot, design):
    """The `bakeoff` option's table, as tools/bakeoff.py reads it, and what
    it must show whatever the timing: every key byte counted once, and a
    long callback (the load runs one every 80 ms) that keeps interrupts off
    in no design. Plain TCG: counts, not timings."""
    bakeoff = load_bakeoff()
    vm = boot(lab=True, cmdline=f"design={design} {bakeoff.OPTIONS}")
    m = vm.wait_for(r"bakeoff: load started: .*sink until '([^']+)'$", timeout=20)
    assert m.group(1).encode() == bakeoff.terminator()
    line = "echo counted keys"
    keys = len(line) + 1
    pos = len(vm.log)
    vm.type_line(line)
    vm.wait_for(r"^counted keys$", pos=pos)
    # The shell answers on Enter's press; its release comes after. And one
    # long callback must have run.
    live = bakeoff.Live(vm, _require(ELF))
    deadline = time.monotonic() + STEP_TIMEOUT * TIMEOUT_SCALE
    while (live.value("keyboard.bytes_delivered") - live.at_start("keyboard.bytes_delivered")
           < 2 * keys or live.value("load.burns") == 0):
        assert time.monotonic() < deadline, "key releases or the long callback never came"
    vm.qmp.command("stop")
    values, at_start = bakeoff.read_figures(bakeoff.Memory(vm),
                                            bakeoff.export_address(_require(ELF)), None)

    def delta(name):
        return values[name] - at_start[name]

    assert values["design"] == DESIGNS.index(design)
    assert values["load.started"] > 0
    assert delta("keyboard.bytes_delivered") == 2 * keys
    assert delta("keyboard.key_events") == 2 * keys
    lat = values["latency.keyboard"]
    assert lat["count"] >= 1
    assert 0 < lat["min"] <= bakeoff.percentile(lat, 500) <= lat["max"]
    assert values["irqoff.loop.windows"] > 0
    burn = values["load.burn_cycles"] // values["load.burns"]
    # No design keeps interrupts off for its long work: in-ISR runs its
    # callbacks with interrupts off, but the burn's computation with them
    # on. (Its other callbacks are short, but under plain TCG a loaded host
    # can stall one for milliseconds: half a burn is the bound that holds.)
    assert values["irqoff.loop.longest"] < (burn // 2 if design == "inisr" else burn // 100)
    assert values["load.burn_units"] > 0 and values["load.unit_cycles"] > 0
    if design == "knock":
        assert values["handler.count"] == 0  # no C handler: top halves only
    else:
        assert values["irqoff.handler.windows"] >= 2 * keys
        assert values["handler.entry_cost"] > 0 and values["handler.exit_cost"] > 0
    if design == "isrqueue":
        assert delta("queue.keyboard.pushed") == 2 * keys
        assert delta("queue.keyboard.dropped") == 0
    # One sample per interrupt, in every design: IRQ1 comes once per byte.
    # in-ISR's handler runs the whole driver, which may find the next byte
    # already there and read it in the same run (its interrupt then comes
    # to an empty controller): a sample more or less per such pair.
    if design == "inisr":
        assert abs(lat["count"] - 2 * keys) <= 2, lat["count"]
    else:
        assert lat["count"] == 2 * keys


def test_knock_counts_agree_with_qemus_own_count_of_interrupts(boot, tmp_path):
    """The counts `make bench` relies on, against a side knock does not
    compute: QEMU's log of every hardware interrupt it delivered (`-d int`:
    "Servicing hardware INT=0x41"). The stamped top halves count their
    entries (irq_entered) and, from `lock bts`'s carry, the entries that
    found their bit already set (irq_found_set); the loop counts its
    services. Then, per device:
      - QEMU's deliveries of the vector == the top half's entries;
      - keyboard: entries == bytes the i8042 delivered since the load
        started (IRQ1 comes once per byte: the controller raises it for
        the next byte only after the last was read), so the driver's
        `raised` is checked too;
      - services == entries - found_set, give or take the board's own
        knocks (a first drain at start-up): each entry that found its bit
        clear made exactly one service."""
    bakeoff = load_bakeoff()
    qemu_log = tmp_path / "int.log"
    vm = boot(lab=True, cmdline=f"design=knock {bakeoff.OPTIONS}",
              extra_args=["-d", "int", "-D", str(qemu_log)])
    vm.wait_for(r"bakeoff: load started: ", timeout=20)
    line = "echo counted twice"
    pos = len(vm.log)
    vm.type_line(line)
    vm.wait_for(r"^counted twice$", pos=pos)
    # The Enter's release comes after the answer: wait for every byte.
    live = bakeoff.Live(vm, _require(ELF))
    deadline = time.monotonic() + STEP_TIMEOUT * TIMEOUT_SCALE
    while live.value("keyboard.bytes_delivered") - live.at_start("keyboard.bytes_delivered") \
            < 2 * (len(line) + 1):
        assert time.monotonic() < deadline, "the key releases never came"
        time.sleep(0.05)
    vm.qmp.command("stop")
    memory = bakeoff.Memory(vm)
    values, at_start = bakeoff.read_figures(memory, bakeoff.export_address(_require(ELF)), None)
    # The stop may land after a top half set its bit and before the loop
    # served it (the timer's, typically): that entry is owed a service,
    # which the boot CPU's pending word (offset 0 of cpu_blocks[0]) shows.
    pending = memory.u64(symbols()["cpu_blocks"])
    text = qemu_log.read_text(errors="replace")
    for name, vector in device_vectors().items():
        delivered = len(re.findall(rf"^Servicing hardware INT=0x{vector:02x}$", text, re.M))
        entered = values[f"irq.entered.{name}"]
        found_set = values[f"irq.found_set.{name}"]
        serviced = values[f"loop.serviced.{name}"]
        owed = pending >> device_bits()[name] & 1
        assert delivered > 0, f"{name}: QEMU delivered no vector {vector:#x}"
        assert entered == delivered, \
            f"{name}: the top half counted {entered} entries, QEMU delivered {delivered}"
        assert 0 <= serviced + owed - (entered - found_set) <= 2, \
            f"{name}: {serviced} services (+{owed} pending) for {entered} entries, " \
            f"{found_set} coalesced"
    # Since the load started (at boot the board drains a byte the i8042
    # held before its line was routed: delivered without an interrupt).
    since = {n: values[n] - at_start[n] for n in ("irq.entered.keyboard",
                                                  "keyboard.bytes_delivered")}
    assert since["irq.entered.keyboard"] == since["keyboard.bytes_delivered"] >= 2 * len(line), \
        since


def test_isrqueue_throttles_a_full_ring_instead_of_dropping(boot):
    """The ISR-queue rival as its advocate builds it: a serial flood during
    the load's 20 ms callbacks fills COM1's ring (the handler reads with
    interrupts on during the callback, the loop drains only after it), so
    the handler must turn the UART's receive interrupts off and the loop
    back on, many times, and every byte must still reach the sink in order:
    nothing pushed into a full ring (dropped == 0), count and CRC-32
    exact."""
    bakeoff = load_bakeoff()
    # Under icount, as in `make bench`: a 20 ms callback is then 20 M
    # instructions, long in host time, so the host's bytes pile up behind
    # it whatever the host's speed (under plain TCG a fast host can finish
    # a callback before the ring fills).
    vm = boot(lab=True, cmdline=f"design=isrqueue {bakeoff.OPTIONS}", icount=bakeoff.ICOUNT)
    m = vm.wait_for(r"bakeoff: load started: .*sink until '([^']+)'$",
                    timeout=bakeoff.LOAD_TIMEOUT)
    data = bytes(random.Random(13).randbytes(32 * 1024))
    term = m.group(1).encode()
    assert term not in data + term[:-1]
    vm.serial_write_bulk(data + term, timeout=60)
    live = bakeoff.Live(vm, _require(ELF))
    deadline = time.monotonic() + STEP_TIMEOUT * TIMEOUT_SCALE
    while not live.value("load.sink_done"):
        assert time.monotonic() < deadline, "the sink never saw its terminator"
        time.sleep(0.05)
    vm.qmp.command("stop")
    values, at_start = bakeoff.read_figures(bakeoff.Memory(vm),
                                            bakeoff.export_address(_require(ELF)), None)
    assert values["load.sink_bytes"] == len(data)
    assert values["load.sink_crc"] == zlib.crc32(data)
    assert values["queue.com1.dropped"] == 0
    assert values["queue.com1.throttles"] > 0, "the ring never filled: no callback overlapped"
    assert values["queue.com1.high_water"] == 256  # full: that is what throttles
