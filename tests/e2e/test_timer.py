"""The timer, as the shell shows it: alarms fire on time by the guest's own
clock, periodic alarms keep to their grid exactly, they can be listed and
cancelled, and with no alarm armed the CPU takes no timer interrupt at all
(knock is tickless).
"""
import re
import time

import pytest

from knock_qemu import TIMEOUT_SCALE

# How late an alarm may fire, by the guest's clock. Under TCG the LAPIC
# timer is a QEMU timer on the host, so this is mostly host scheduling;
# an idle host gives well under 1 ms.
LATE_TOLERANCE_MS = 50 * TIMEOUT_SCALE
# How long the idle check watches the timer's counters, host time (the
# guest's uptime confirms the interval).
IDLE_WINDOW_S = 0.5

ONESHOT_FIRED = (r"alarm (\d+) fired (\d+)\.(\d{3}) ms after it was set "
                 r"\(asked (\d+) ms, late (\d+) us\)$")
PERIODIC_FIRED = (r"alarm (\d+) fired #(\d+) \(every (\d+) ms, late (\d+) us, missed (\d+)\) "
                  r"deadline set\+(\d+) ticks, period (\d+) ticks$")
UPTIME_US = re.compile(r"^up \S+ \((\d+) us\)$", re.M)
TSC_MHZ = r"^timer: TSC (\d+\.\d+) MHz"


def timer_row(vm):
    """(raised, serviced, drained) of the timer in `irqs`: one-shots armed
    on the LAPIC, alarm mux services of the timer bit, alarms fired."""
    irqs = vm.shell("irqs")
    m = re.search(r"^timer +(\d+) +(\d+) +(\d+) ", irqs, re.M)
    assert m, f"no timer row in:\n{irqs}"
    return tuple(map(int, m.groups()))


def uptime_us(vm):
    m = UPTIME_US.search(vm.shell("uptime"))
    assert m, "uptime answer not understood"
    return int(m.group(1))


def assert_idle_takes_no_timer_interrupt(vm):
    """With no alarm armed, watch the timer's counters across a real
    interval: a periodic tick (or a stale one-shot) would raise the timer
    bit and the loop would serve it, so `serviced` would grow. The host
    sleep is the interval being measured, not a wait for an event; the
    guest's uptime shows that guest time did pass."""
    assert vm.shell("alarms").startswith("no alarms"), "an alarm is still armed"
    before, up_before = timer_row(vm), uptime_us(vm)
    time.sleep(IDLE_WINDOW_S)
    after, up_after = timer_row(vm), uptime_us(vm)
    assert up_after - up_before >= IDLE_WINDOW_S * 0.8e6, (up_before, up_after)
    assert after == before, f"timer (raised, serviced, drained) went {before} -> {after} " \
                            f"in {(up_after - up_before) / 1000:.0f} ms with no alarm armed"
    # And the LAPIC timer itself is not counting down, nor periodic.
    lapic = vm.qmp.hmp("info lapic")
    lvtt = re.search(r"^LVTT\s.*$", lapic, re.M)
    assert lvtt and "periodic" not in lvtt.group(0), lapic
    if "one-shot" in lvtt.group(0):
        assert re.search(r"current_count = 0\b", lapic), lapic


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_alarm_fires_on_time_then_the_cpu_idles(boot, machine):
    vm = boot(machine=machine)
    vm.wait_shell()
    pos = len(vm.log)
    assert vm.shell("alarm 100") == "alarm 1: fires in 100 ms\n"
    set_line = vm.wait_for(r"^alarm 1: fires in 100 ms$", pos=pos)
    fired = vm.wait_for(ONESHOT_FIRED, timeout=2, pos=set_line.end())
    ident, ms, frac, asked, late_us = map(int, fired.groups())
    guest_us = ms * 1000 + frac

    # By the guest's clock: never early, late within the tolerance, and
    # its two figures agree (fired after = asked + late, to rounding).
    assert (ident, asked) == (1, 100)
    assert 100_000 <= guest_us <= 100_000 + LATE_TOLERANCE_MS * 1000, fired.group(0)
    assert abs(guest_us - (100_000 + late_us)) <= 2, fired.group(0)
    # By the host's clock, loosely: a guest clock running fast (a bad
    # calibration) would fire early in real time.
    host_s = vm.arrival_time(fired.start()) - vm.arrival_time(set_line.start())
    assert host_s >= 0.090, f"fired {host_s * 1000:.1f} ms after it was set, host time"

    raised, serviced, drained = timer_row(vm)
    assert raised >= 1 and serviced >= 1 and drained == 1, (raised, serviced, drained)
    assert_idle_takes_no_timer_interrupt(vm)


def test_periodic_alarm_keeps_its_grid_lists_and_cancels(boot):
    vm = boot(machine="pc")
    vm.wait_shell()
    tsc_mhz = float(vm.wait_for(TSC_MHZ).group(1))
    assert vm.shell("alarm 50 periodic") == "alarm 1: fires every 50 ms\n"

    # No drift: the k-th deadline is exactly k periods after the alarm
    # was set, in guest ticks (a mux that re-armed at "now + period" would
    # add each firing's lateness to all the later deadlines).
    pos, period = 0, None
    for k in range(1, 7):
        m = vm.wait_for(PERIODIC_FIRED, timeout=2, pos=pos)
        ident, fired, every, late_us, missed, deadline, period = map(int, m.groups())
        assert (ident, every, fired) == (1, 50, k), m.group(0)
        assert deadline == (fired + missed) * period, m.group(0)
        assert late_us <= LATE_TOLERANCE_MS * 1000, m.group(0)
        pos = m.end()
    assert abs(period / (tsc_mhz * 1000) - 50) < 0.01, f"period {period} ticks at {tsc_mhz} MHz"

    listing = vm.shell("alarms")
    row = re.search(r"^ +1 +periodic +50 +(\d+) +(\d+)$", listing, re.M)
    assert row, listing
    due_ms, fired = map(int, row.groups())
    assert due_ms <= 50 and fired >= 6, listing

    assert vm.shell("alarms cancel 1") == "alarm 1 cancelled\n"
    cancelled_at = len(vm.log)
    assert vm.shell("alarms cancel 1") == "alarms: no alarm '1' (see 'alarms')\n"
    # The idle check spans ten periods: a cancelled alarm that still fired
    # would show there and here.
    assert_idle_takes_no_timer_interrupt(vm)
    assert "alarm 1 fired" not in vm.log[cancelled_at:]
