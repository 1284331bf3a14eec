"""Floods that must lose nothing (issue 5): 1,000 keys typed while a
capsule runs 20 ms callbacks, a MiB of random bytes on the serial line,
200 alarms at once. Each ends with the `stats` table: nothing dropped,
the counts add up, and they agree with what the test sent.

Where a loss would come from, and how the tests tell:

- Keyboard. QEMU's PS/2 keyboard keeps at most 16 bytes (PS2_QUEUE_SIZE in
  hw/input/ps2.c) and drops further bytes silently; the i8042 hands the
  guest one byte at a time. While a callback runs, the loop reads none, so
  more than 16 bytes typed during the longest callback overflow QEMU, not
  knock. The test types RATE keys/s (2 bytes each: press and release): a
  20 ms callback lets 2 keys queue up. But the guest's clock is the
  host's, and a loaded host can stop QEMU's vCPU for 100 ms and more in
  the middle of a callback (seen on a 2-core machine running other
  builds), so the pacing also keeps at most WINDOW keys typed and not yet
  echoed by the shell: QEMU's queue then never holds more than 2 * WINDOW
  bytes, whatever the host does. The test then compares three counts: the
  bytes it typed, the bytes the i8042 delivered (`stats`: keyboard
  raised), the characters the shell got back. Fewer bytes delivered than
  typed would be QEMU's overflow (the test says so, with the longest
  callback); all bytes delivered but text missing is a loss inside knock.
- Serial. QEMU's serial backend reads the socket only while the UART's
  16-byte receive FIFO has room (serial_can_receive in hw/char/serial.c),
  so a slow guest stalls the sender instead of losing bytes, and the UART
  never reports an overrun (so com1's `dropped`, which counts overruns,
  is not checked: it could not fail). The test checks the bytes by count
  and CRC-32 of the whole MiB. (On hardware a slow reader would overrun:
  docs/bakeoff.md, "Loss as hardware would count it".)
- Timer. Deadlines wait in the alarm mux until served, so none can be lost
  (the timer's `dropped` is the constant 0, so it is not checked); the
  flood checks each of 200 fired once, in deadline order, against the
  delays it computes itself.

The key rate: the test types one key every 1/RATE s (80 keys/s) but never
more than WINDOW keys ahead of the shell's echo, so the rate it really
drives is what the guest keeps up with; it asserts at least MIN_RATE
(50 keys/s) sustained over the whole flood and prints the rate measured.
"""
import os
import random
import re
import time
import zlib

import pytest

from stats_table import Stats

KEYS = 1000
RATE = 80  # keys per second, each 2 PS/2 bytes: about 3 bytes per 20 ms callback
MIN_RATE = 50  # what the issue asks for, at least
WINDOW = 6  # keys typed and not yet echoed, at most: 12 bytes < QEMU's 16
BUSY_MS = 20
PS2_QUEUE = 16  # QEMU's PS2_QUEUE_SIZE
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
QCODE = {" ": "spc", "\n": "ret"}


def stats(vm):
    s = Stats(vm.shell("stats"))
    s.check_consistent()
    return s


def typed_lines(rng, keys):
    """`echo <words>` lines adding up to at least `keys` keys (Enter
    included), only keys that make one press and one release byte."""
    lines, total = [], 0
    while total < keys:
        words = " ".join("".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 7)))
                         for _ in range(rng.randint(3, 6)))
        lines.append(f"echo {words}")
        total += len(lines[-1]) + 1
    return lines


def echoed_keys(text):
    """Keys the line editor has echoed in `text` (the log since typing
    began): each prompt line's characters, and its Enter once it ended."""
    n = 0
    for m in re.finditer(r"^knock> (.*)(\n?)", text, re.M):
        n += len(m.group(1)) + len(m.group(2))
    return n


def key_events(ch):
    q = QCODE.get(ch, ch)
    return [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": q}}}
            for down in (True, False)]


def test_keyboard_flood_at_50_to_80_keys_per_second_while_callbacks_run_20_ms(boot):
    vm = boot(lab=True, cmdline="stats=timing")
    vm.wait_shell()
    lines = typed_lines(random.Random(2024), KEYS)
    keys = sum(len(line) + 1 for line in lines)
    vm.shell("stats timing on")  # for the longest callback and busy's latency
    vm.shell(f"busy {BUSY_MS} 100000 30")
    vm.shell("stats reset")

    # One key every 1/RATE s (QMP's input-send-event hands QEMU the press
    # and the release at once), and never more than WINDOW ahead of the
    # shell's echo (see the module's docstring).
    pos = vm.log.rfind("knock> ")  # the prompt the first line is typed at
    started = time.monotonic()
    n, held_back = 0, 0
    for line in lines:
        for ch in line + "\n":
            delay = started + n / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            while n - echoed_keys(vm.log[pos:]) >= WINDOW:
                held_back += 1
                vm.wait_for(r"[\s\S]", pos=len(vm.log), whole_lines=False)  # any new byte
            vm.qmp.command("input-send-event", {"events": key_events(ch)})
            n += 1
    typing_s = time.monotonic() - started
    last = re.escape(lines[-1][len("echo "):])
    vm.wait_for(rf"^{last}$", timeout=20)
    vm.shell("busy stop")
    st = stats(vm)

    kbd = st.rows["keyboard"]
    delivered, sent = kbd["raised"], 2 * keys
    longest_ms = st.loops[0]["longest_us"] / 1000
    if delivered < sent:
        pytest.fail(f"QEMU's PS/2 queue ({PS2_QUEUE} bytes) overflowed: typed {sent} bytes, "
                    f"the i8042 delivered {delivered}. The longest callback took "
                    f"{longest_ms:.1f} ms at {keys / typing_s:.0f} keys/s: a loss in the "
                    f"emulator, not in knock (type slower or run shorter callbacks).\n{st.text}")
    assert delivered == sent, st.text
    assert kbd["dropped"] == 0

    # Every line came back, in order, exactly as typed.
    echoed = re.findall(r"^knock> echo (.*)\n(.*)$", vm.log, re.M)
    got = [answer for _, answer in echoed][-len(lines):]
    want = [line[len("echo "):] for line in lines]
    assert [typed for typed, _ in echoed][-len(lines):] == want, \
        "knock lost or reordered keys: the i8042 delivered every byte"
    assert got == want

    # The load was real: 20 ms callbacks ran while the keys came, and
    # services drained several bytes each (coalescing, nothing lost).
    busy = st.rows["busy"]
    assert busy["serviced"] >= typing_s * 1000 / (BUSY_MS + 30) / 2, st.text
    busy_max_us = st.latency_us[busy["bit"]][5]
    assert busy_max_us >= BUSY_MS * 1000 and longest_ms >= BUSY_MS, st.text
    assert kbd["coalesced"] > 0, st.text
    assert keys / typing_s >= MIN_RATE, \
        f"typed only {keys / typing_s:.0f} keys/s: the guest kept the window full"
    print(f"keyboard flood: {keys} keys in {typing_s:.1f} s ({keys / typing_s:.0f}/s, "
          f"held back {held_back} times), "
          f"{kbd['serviced']} services for {delivered} bytes, longest callback "
          f"{longest_ms:.1f} ms by {st.loops[0]['longest_by']}")


def test_serial_flood_one_mib(boot):
    vm = boot(lab=True)
    vm.wait_shell()
    data = random.Random(5).randbytes(1 << 20)
    term = "END-" + os.urandom(8).hex()
    assert term.encode() not in data + term.encode()[:-1]
    vm.shell("stats reset")

    pos = len(vm.log)
    vm.serial_write(f"sink {term}\r")
    vm.wait_for(rf"^sink: reading until '{term}'$", pos=pos)
    seconds = vm.serial_write_bulk(data + term.encode(), timeout=120)
    m = vm.wait_for(r"^sink: (\d+) bytes, crc32 ([0-9a-f]{8}), (\d+) us$", timeout=30, pos=pos)
    assert int(m.group(1)) == len(data)
    assert int(m.group(2), 16) == zlib.crc32(data)
    vm.wait_for(r"^knock> ", pos=m.end(), whole_lines=False)
    assert vm.shell("echo still here") == "still here\n"

    st = stats(vm)
    com1 = st.rows["com1"]
    assert com1["raised"] >= len(data) + len(term), st.text
    assert com1["coalesced"] > len(data) // 2, st.text  # many bytes per service
    assert st.rows["sink"]["raised"] == st.rows["sink"]["serviced"] == 1
    print(f"serial flood: {len(data)} bytes in {seconds:.1f} s "
          f"({len(data) / seconds / 1024:.0f} KiB/s), {com1['serviced']} services, "
          f"guest {int(m.group(3)) / 1e6:.1f} s")


def xorshift32(x):
    x ^= (x << 13) & 0xffffffff
    x ^= x >> 17
    x ^= (x << 5) & 0xffffffff
    return x


@pytest.mark.parametrize("seed", [7])
def test_timer_flood_200_alarms(boot, seed):
    count, max_ms = 200, 500
    vm = boot(lab=True)
    vm.wait_shell()
    vm.shell("stats reset")
    answer = vm.shell(f"alarms flood {count} {max_ms} {seed}", timeout=10)
    m = re.search(r"^alarms flood: (\d+) set in (\d+) us, (\d+) fired, (\d+) twice, "
                  r"(\d+) out of order, (\d+) missing, max late (\d+) us", answer, re.M)
    assert m, answer
    n, set_us, fired, twice, disorder, missing, late_us = map(int, m.groups())
    assert (n, fired, twice, disorder, missing) == (count, count, 0, 0, 0), answer

    # Our own check of the firing order against the documented generator:
    # every alarm once; deadlines never go down; each deadline is its delay
    # after the moment it was set, within the time setting them took.
    x, delays = seed, []
    for _ in range(count):
        x = xorshift32(x)
        delays.append(1 + x % max_ms)
    fired_list = [(int(i), int(d)) for i, d in re.findall(r"(\d+)@(\d+)", answer)]
    assert sorted(i for i, _ in fired_list) == list(range(count)), answer
    deadlines = [d for _, d in fired_list]
    assert deadlines == sorted(deadlines), answer
    for i, d in fired_list:
        assert delays[i] * 1000 <= d <= delays[i] * 1000 + set_us + 1, (i, d, delays[i])

    st = stats(vm)
    timer = st.rows["timer"]
    assert timer["raised"] == count, st.text  # one deadline per alarm, none other
    assert st.rows["alarm_flood"]["raised"] == st.rows["alarm_flood"]["serviced"] == 1
    print(f"timer flood: {count} alarms in {timer['serviced']} timer services, "
          f"set in {set_us} us, max late {late_us} us")
