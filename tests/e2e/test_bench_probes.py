"""The interrupt latency probes end to end (kernel/probe.h, boot option
stubs=stamped, the shell's `bench` command), as `make bench` uses them.

With the stamped top halves, each key typed through QMP whose echo the
console queues is one keystroke sample, and an alarm firing is one timer
sample; the counts are exact, so a probe that also counted key releases,
serial input, or an echo twice would fail here. With the plain stubs
nothing is stamped and `bench` says so. The latencies themselves are
figures (make bench), not checked here beyond being plausible.
"""
import re

PROBE = r"bench: {} min=(\d+) median=(\d+) max=(\d+) samples=(\d+)$"


def type_line(vm, text):
    """Type `text` (lower-case letters, digits, spaces) and Enter through QMP
    send-key; QEMU plays the keys in order, one press and one release each."""
    for ch in text + "\n":
        key = {" ": "spc", "\n": "ret"}.get(ch, ch)
        vm.qmp.command("send-key", {"keys": [{"type": "qcode", "data": key}]})


def test_stamped_stubs_measure_each_echoed_key_and_each_alarm(boot, banner):
    vm = boot(cmdline="stubs=stamped")
    vm.wait_for(r"^irq: timestamped top halves \(stubs=stamped\)")
    vm.wait_for(banner)
    assert vm.wait_cpu_halted(), "the loop should be asleep with interrupts on"
    type_line(vm, "alarm 5")  # 7 keys and Enter, each echoed at the prompt
    fired = vm.wait_for(r"alarm 1 fired ")
    pos = len(vm.log)
    type_line(vm, "bench")  # 5 keys and Enter
    keys = vm.wait_for(PROBE.format("keystroke_instructions"), pos=max(pos, fired.end()))
    timer = vm.wait_for(PROBE.format("timer_wake_latency"), pos=keys.end())
    vm.wait_for(r"bench: idle_wakeups_per_s not measured: the boot option bench runs it$",
                pos=timer.end())

    low, median, high, samples = map(int, keys.groups())
    assert samples == 8 + 6, f"one sample per echoed key:\n{vm.log}"
    assert 0 < low <= median <= high < 10_000_000, keys.group(0)
    low, median, high, samples = map(int, timer.groups())
    assert samples == 1, f"one sample for the one alarm:\n{vm.log}"
    assert 0 < low <= median <= high < 10_000_000, timer.group(0)


def test_plain_stubs_stamp_nothing(boot, banner):
    vm = boot()
    vm.wait_for(banner)
    assert "timestamped top halves" not in vm.log
    assert vm.wait_cpu_halted()
    type_line(vm, "bench")
    for name in ("keystroke_instructions", "timer_wake_latency"):
        vm.wait_for(rf"bench: {name} not measured: no sample \(boot with stubs=stamped\)$")
    assert not re.search(r"bench: \w+ min=", vm.log)
