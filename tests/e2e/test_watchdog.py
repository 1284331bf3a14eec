"""The stall watchdog and the storm detector (kernel/watchdog.h) on the real
image: a capsule callback that runs 3 s is reported by name with a
backtrace and the system goes on (or panics with watchdog=panic); a
synthetic interrupt storm is reported with its name and rate while the
shell and the alarms keep working; and the watchdog's tick leaves an idle
CPU alone.

The long callback is the busy capsule's (`busy 3000`: one callback that
spins on the clock, capsules/busy.h); the storm is the storm capsule's
(`storm <ms>`: a self-IPI re-raised on every service, capsules/storm.h).
"""
import re

from knock_qemu import BOOT_TIMEOUT
from test_faults import HEX, SYMBOL, backtrace, one

LIMIT_MS = 1000  # WATCHDOG_DEFAULT_LIMIT_MS
STORM_LIMIT = 20000  # WATCHDOG_DEFAULT_STORM_PER_S
TICK_MS = 55  # the PIT's period: the watchdog sees a stall up to two ticks late
BURN_MS = 3000

STALL = (r"^{kind}watchdog: capsule 'busy' \(bit (\d+), deferred call 'busy'\) has run for "
         r"(\d+) ms on cpu 0 \(limit (\d+) ms\)$")


WATCHDOG_ANSWER = re.compile(r"^watchdog: stalls (.*); storms (.*)\n"
                             r"ticks (\d+) \(passed on to other cpus (\d+)\); reported: stalls "
                             r"(\d+), storms (\d+); reports lost (\d+)\n$")


def watchdog_counts(vm):
    """The shell's `watchdog`: {stalls_set, storms_set, ticks, pokes,
    stalls, storms, lost} (the first two as words, the rest numbers)."""
    answer = vm.shell("watchdog")
    m = WATCHDOG_ANSWER.match(answer)
    assert m, answer
    keys = ["stalls_set", "storms_set", "ticks", "pokes", "stalls", "storms", "lost"]
    return dict(zip(keys, list(m.groups()[:2]) + [int(g) for g in m.groups()[2:]]))


def check_stall_report(report, lab_kernel_functions, limit_ms):
    """The report's lines: how long (between the limit and two ticks
    more, with room for a loaded host), the pending bits, where the tick
    interrupted it, and a backtrace through the busy capsule's callback to
    the loop. Returns the busy bit."""
    bit, ms, limit = (int(x) for x in re.match(r".*?(\d+),.*? (\d+) ms .*?(\d+) ms\)$",
                                               report.splitlines()[0]).groups())
    assert limit == limit_ms
    assert limit_ms <= ms < limit_ms + 2 * TICK_MS + 400, report
    one(r"^watchdog:   pending 0x[0-9a-f]{16} \(.*\)$", report, "pending")
    pc, name, off = one(rf"^watchdog:   interrupted at {HEX} <{SYMBOL}\+0x([0-9a-f]+)>$", report,
                        "interrupted at")
    start, size = lab_kernel_functions[name]
    assert int(pc, 16) == start + int(off, 16) and int(off, 16) < size
    frames = backtrace(report)
    names = [m.group(3) for m in frames]
    assert int(frames[0].group(2), 16) == int(pc, 16)
    assert "burn" in names, f"the busy callback is not in the backtrace: {names}"
    assert "loop_run" in names[names.index("burn"):] and "board_main" in names, names
    return bit


def test_a_long_callback_is_reported_once_and_the_system_goes_on(boot, lab_kernel_functions,
                                                                   version):
    vm = boot(lab=True)
    vm.wait_shell()
    assert vm.shell(f"busy {BURN_MS}") == f"busy: 1 callback of {BURN_MS} ms, 0 ms apart\n"
    pos = len(vm.log)
    start = vm.wait_for(STALL.format(kind="warning: "), LIMIT_MS / 1000 + 5, pos=pos)
    end = vm.wait_for(r"^watchdog: reported once; the callback keeps running \(watchdog=panic "
                      r"would stop here\)$", pos=start.end())
    report = vm.log[start.start():end.end()]
    bit = check_stall_report(report, lab_kernel_functions, LIMIT_MS)

    # It returns: the loop says for how long the ticks saw it run, and
    # everything works again.
    over = vm.wait_for(rf"watchdog: capsule 'busy' \(bit {bit}\) returned on cpu 0 after running "
                       r"at least (\d+) ms$", BURN_MS / 1000 + 5, pos=end.end())
    assert BURN_MS - 3 * TICK_MS - 400 <= int(over.group(1)) <= BURN_MS, over.group(0)
    vm.wait_shell(pos=over.end())
    assert vm.shell("version") == f"knock {version}\n"
    assert len(re.findall(r"^warning: watchdog:", vm.log, re.M)) == 1, "reported more than once"
    # The shell's count agrees, and the tick ran all through the burn (the
    # CPU was never idle, so it was never masked): about one per period.
    counts = watchdog_counts(vm)
    assert counts["stalls_set"] == f"over {LIMIT_MS} ms warn", counts
    assert (counts["stalls"], counts["storms"], counts["lost"]) == (1, 0, 0), counts
    assert counts["ticks"] >= 0.8 * BURN_MS / TICK_MS, counts
    assert "PANIC" not in vm.log


def test_watchdog_panic_stops_the_system_with_the_report(boot, lab_kernel_functions):
    vm = boot(lab=True, cmdline="watchdog=panic")
    vm.wait_shell()
    vm.shell(f"busy {BURN_MS}")
    start = vm.wait_for(STALL.format(kind="PANIC: "), LIMIT_MS / 1000 + 5)
    end = vm.wait_for(r"^system halted \(interrupts off\)$", pos=start.end())
    check_stall_report(vm.log[start.start():end.end()].rsplit("\n", 2)[0] + "\nend", lab_kernel_functions,
                       LIMIT_MS)
    # Stopped for good, inside the callback: halted with interrupts off.
    assert vm.wait_cpu_halted() is False
    assert "warning: watchdog" not in vm.log


def test_a_storm_is_reported_and_everyone_else_is_still_served(boot, version):
    vm = boot(lab=True)
    vm.wait_shell()
    assert vm.shell("alarm 500") == "alarm 1: fires in 500 ms\n"
    assert vm.shell("storm 2000").startswith("storm: an interrupt that re-raises itself")
    pos = len(vm.log)
    # Logged from the loop while the prompt is up: the console writes it
    # above the prompt, after blanking the prompt's line (no ^ then).
    report = vm.wait_for(r"warning: storm: interrupt source 'storm' \(bit (\d+)\) serviced (\d+) "
                         r"times/s for (\d+) ms with cpu 0 never idle \(limit (\d+)/s\); the other "
                         r"sources still run once per round$", pos=pos)
    assert int(report.group(2)) >= int(report.group(4)) == STORM_LIMIT
    assert int(report.group(3)) >= 250  # one whole window
    # During the storm: the shell answers (serial interrupts, the shell's
    # deferred call) and the alarm fires (the timer's interrupt).
    assert vm.shell("version") == f"knock {version}\n"
    fired = vm.wait_for(r"alarm 1 fired ([\d.]+) ms after it was set", pos=pos)
    assert 500 <= float(fired.group(1)) < 1500
    over = vm.wait_for(r"storm: over: (\d+) interrupts in (\d+) ms \((\d+)/s\)$", 5, pos=pos)
    assert over.start() > max(report.end(), fired.end()), "answered only after the storm"
    assert int(over.group(2)) >= 2000 and int(over.group(3)) >= STORM_LIMIT
    calm = vm.wait_for(rf"storm: interrupt source 'storm' \(bit {report.group(1)}\) calmed down "
                       r"after about (\d+) ms \(peak (\d+)/s\)$", 5, pos=pos)
    assert 1500 <= int(calm.group(1)) <= 2500, calm.group(0)
    assert int(calm.group(2)) >= int(report.group(2))
    vm.wait_shell(pos=over.end())
    assert vm.shell("version") == f"knock {version}\n"
    assert len(re.findall(r"warning: storm:", vm.log)) == 1
    assert "watchdog:" not in vm.log.replace("watchdog: PIT tick", "")
    counts = watchdog_counts(vm)
    assert counts["storms_set"] == f"over {STORM_LIMIT}/s", counts
    assert (counts["stalls"], counts["storms"], counts["lost"]) == (0, 1, 0), counts


def test_the_tick_leaves_an_idle_cpu_alone(boot):
    # The boot option `bench` makes the guest count its own wake-ups over
    # an idle second that one alarm ends (capsules/bench_irq.c). The
    # watchdog's tick runs at 18 Hz while the CPU is busy: if it were not
    # masked during the sleeps, it would add about 18 wake-ups here.
    vm = boot(lab=True, cmdline="bench")
    vm.wait_for(r"^watchdog: PIT tick every \d+ us while busy, masked while idle; stalls over "
                r"1000 ms warn; storms over 20000/s$", BOOT_TIMEOUT)
    idle = vm.wait_for(r"bench: idle_wakeups_per_s rate=(\d+\.\d+) wakeups=(\d+) own=(\d+) "
                       r"interval_us=(\d+)", BOOT_TIMEOUT)
    assert int(idle.group(2)) == int(idle.group(3)) == 1, idle.group(0)
    assert int(idle.group(4)) >= 1000000


def test_the_tick_leaves_every_idle_cpu_alone(boot):
    """The same on four CPUs: the tick passes on to every awake CPU and
    CPU 0 keeps it on while another CPU is awake (docs/smp.md, "The stall
    watchdog on every CPU"), but with every CPU idle it is masked, and CPU
    0 still counts one wake-up in its idle second. Kept on, it would add
    about 18."""
    vm = boot(lab=True, cmdline="bench", machine="q35", smp=4, accel="tcg,thread=single")
    vm.wait_for(r"^smp: 4 of 4 cpus online$", BOOT_TIMEOUT)
    idle = vm.wait_for(r"bench: idle_wakeups_per_s rate=(\d+\.\d+) wakeups=(\d+) own=(\d+) "
                       r"interval_us=(\d+)", BOOT_TIMEOUT)
    assert int(idle.group(2)) == int(idle.group(3)) == 1, idle.group(0)
    assert int(idle.group(4)) >= 1000000


def test_a_report_during_a_log_line_is_whole_and_not_interleaved(boot, lab_kernel_functions):
    """The log's re-entrancy guard (kernel/log.c): `busy log` burns write
    log lines back to back on CPU 0, so the watchdog's tick lands while one
    is being written; the report it prints is held and handed on right
    after that line, synchronously (the loop, and so the console's queue,
    is stuck in the burn). On the serial line every line is whole: a
    busy line, a report line, or the console's note about lines it had
    no room for; each report's lines come together; the busy lines keep
    their order. Three burns, three reports: the guard held some of them
    (`busy` says how many writes the log held)."""
    vm = boot(lab=True)
    vm.wait_shell()
    burns, burn_ms = 3, 1500
    assert vm.shell(f"busy log {burn_ms} {burns} 200") == \
        f"busy: {burns} callbacks of {burn_ms} ms, 200 ms apart, logging\n"
    pos = len(vm.log)
    end = pos
    for _ in range(burns):
        end = vm.wait_for(r"^watchdog: reported once; the callback keeps running", 30,
                          pos=end).end()
    text = vm.log[pos:end]
    # Typed only once the last burn is over: typed during one, the echo
    # would find the console's output full.
    over = vm.wait_for(r"watchdog: capsule 'busy' \(bit \d+\) returned on cpu 0 after running "
                       r"at least \d+ ms$", 30, pos=end)
    vm.wait_shell(pos=over.end())
    status = vm.shell("busy", timeout=30)
    assert status.startswith(f"busy: idle; {burns} burns done"), status
    held = re.search(r"^busy: (\d+) lines logged; the log held (\d+) writes made during "
                     r"another$", status, re.M)
    assert held and int(held.group(1)) > 0, status
    assert int(held.group(2)) >= 1, "no report landed inside a line: the guard was not tested"
    busy_line = re.compile(r"^busy: line (\d+) of burn (\d+)$")
    report_line = re.compile(r"^(?:warning: watchdog: capsule 'busy' .* on cpu 0 \(limit 1000 ms\)"
                             r"|watchdog:   pending .*|watchdog:   interrupted at .*|backtrace:"
                             r"|  #\d+ 0x[0-9a-f]{16} \S+|  \.\.\. \d+ frames skipped"
                             r"|watchdog: reported once; .*)$")
    other_line = re.compile(r"^(?:|(?:knock> )+"
                            r"|console: \d+ lines? not sent on the serial line \(output full\)"
                            r"|watchdog: capsule 'busy' \(bit \d+\) returned on cpu 0 .*)$")
    last = (0, 0)
    reports, in_report = 0, False
    for line in text.split("\n"):
        # A line logged while the prompt is up comes after the prompt and
        # its blanking ("\r", spaces, "\r": capsules/console.c; the
        # harness drops the "\r"s).
        line = re.sub(r"^(?:(?:knock> )? {7})+", "", line)
        m = busy_line.match(line)
        if m:
            assert not in_report, f"a busy line inside a report: {line!r}\n{text[-3000:]}"
            n = (int(m.group(2)), int(m.group(1)))
            assert n > last, f"busy lines out of order: {last} then {n}"
            last = n
            continue
        if line.startswith("warning: watchdog:"):
            assert not in_report
            in_report, reports = True, reports + 1
        if report_line.match(line):
            assert in_report, f"a report line outside a report: {line!r}"
            if line.startswith("watchdog: reported once"):
                in_report = False
            continue
        assert other_line.match(line), f"a cut or mixed line: {line!r}"
    assert reports == burns and not in_report, text[-3000:]
