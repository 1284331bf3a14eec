"""Processes (docs/processes.md): apps loaded from GRUB modules run in ring
3, talk to the console through system calls, and a hostile one ends in its
own fault report while the shell keeps answering.

They boot build/knock-testapps.iso (the product kernel with every app)
and pick the apps to start with the option apps=NAME:NAME.
"""
import re
import time

import pytest

from conftest import TESTAPPS_ISO
from knock_qemu import TIMEOUT_SCALE, KnockFailure
from test_smp import X2APIC_QEMU, check_one_whole_report, wait_all_stopped
from test_watchdog import TICK_MS, watchdog_counts


def fault_report(vm, name, pos=0):
    """Wait for process `name`'s fault report; return its text up to the policy line."""
    start = vm.wait_for(rf"^process {name} faulted: ", pos=pos).start()
    end = vm.wait_for(r"policy: \w+", pos=start).end()
    return vm.log[start:end]


def driver_counters(vm, name):
    """The shell's `drivers` row for driver `name`: {counter: value}."""
    answer = vm.shell("drivers")
    m = re.search(rf"^0x[0-9a-f]+ +{name} +(.+)$", answer, re.M)
    assert m, answer
    return {k: int(v) for k, v in (pair.rsplit(" ", 1) for pair in m.group(1).split(", "))}


def test_hello(boot):
    vm = boot(testapps=True, cmdline="apps=hello")
    vm.wait_for(r"process hello: loaded")
    line = vm.wait_for(r"hello from ring 3: memory at 0x8000000000, break at 0x80000[0-9a-f]{5}$")
    vm.wait_for(r"process hello: exited with 0")
    vm.wait_shell()
    assert vm.shell("version").startswith("knock ")
    # The console driver counted what the line on serial shows, and its "\n".
    assert driver_counters(vm, "console") == {"bytes written": len(line.group(0)) + 1,
                                              "writes that waited for room": 0}


@pytest.mark.parametrize("app, words", [
    # reads the kernel's text at 1 MiB: supervisor-only pages
    ("readkernel", [r"page fault \(vector 14, error 0x5\)",
                    r"address 0x100000 \(not the process's memory\)"]),
    # recursion without end: into the guard page under the stack
    ("recurse", [r"page fault \(vector 14, error 0x6\)",
                 r"\(stack overflow: the guard page under the stack\)"]),
    # an instruction fetch from the kernel's text (error 0x15: user, fetch)
    ("jumpkernel", [r"page fault \(vector 14, error 0x15\) at rip 0x100000$"]),
    ("undefined", [r"invalid opcode \(vector 6, error 0\) at rip 0x8000000"]),
    ("divzero", [r"divide error \(vector 0, error 0\) at rip 0x8000000"]),
    ("noncanonical", [r"general protection fault \(vector 13, error 0\) at rip 0x800000000000$"]),
    ("breakpoint", [r"breakpoint \(vector 3, error 0\) at rip 0x8000000"]),
    # an x87 instruction: no floating point for processes (CR0.EM)
    ("x87", [r"device not available \(vector 7, error 0\) at rip 0x8000000"]),
])
def test_hostile_app_ends_in_its_own_report(boot, app, words):
    vm = boot(testapps=True, cmdline=f"apps={app}:hello")
    report = fault_report(vm, app)
    for w in words:
        assert re.search(w, report, re.M), report
    # The report has the process's registers and memory layout, then the policy.
    for w in [r"rip [0-9a-f]{16}  rsp 0000008000", r"image +\[0x8000000000-",
              r"guard +\[", r"stack +\[", r"grants +\[", r"policy: stop"]:
        assert re.search(w, report), (w, report)
    # The other app ran, and the kernel answers.
    vm.wait_for(r"process hello: exited with 0")
    vm.wait_shell()
    assert vm.shell("version").startswith("knock ")


def test_bad_buffers_are_error_codes_not_faults(boot):
    vm = boot(testapps=True, cmdline="apps=badallow")
    vm.wait_for(r"badallow: 3 of 3 bad buffers refused")
    vm.wait_for(r"process badallow: exited with 3")
    assert "faulted" not in vm.log and "PANIC" not in vm.log


def uptime_latency(vm):
    """Seconds from sending `uptime` to the last byte of its answer."""
    pos = len(vm.log)
    sent = time.monotonic()
    vm.serial_write("uptime\r")
    m = vm.wait_for(r"^up \d+:\d\d:\d\d\.\d{3} \(\d+ us\)$", pos=pos)
    return vm.arrival_time(m.end() - 1) - sent


def test_spinning_app_does_not_stop_the_shell(boot):
    vm = boot(testapps=True, cmdline="apps=spin")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    latencies = sorted(uptime_latency(vm) for _ in range(10))
    median = latencies[len(latencies) // 2]
    print(f"uptime with a spinning process: median {median * 1e3:.1f} ms, "
          f"max {latencies[-1] * 1e3:.1f} ms")
    assert median < 0.050 * TIMEOUT_SCALE, latencies


def test_no_app_chosen_is_knock_as_before(boot):
    vm = boot(testapps=True, cmdline="apps=none")
    vm.wait_shell()
    assert vm.shell("version").startswith("knock ")
    assert "process " not in vm.log


def ps_row(vm, name):
    """ps's row for `name`: {state, syscalls, upcalls, dropped, faults, restarts}."""
    answer = vm.shell("ps")
    m = re.search(rf"^{name} +(\w+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +\d+/\d+ KiB$",
                  answer, re.M)
    assert m, answer
    keys = ["state", "syscalls", "upcalls", "dropped", "faults", "restarts"]
    return dict(zip(keys, [m.group(1)] + [int(g) for g in m.groups()[1:]]))


def test_apps_beyond_the_table_are_named_in_one_warning(boot):
    """Without apps=, the test image offers every app (its module list is
    the build's, build/knock-testapps.apps, beside the ISO): the first
    PROCESSES_MAX (4) run, and the rest are named, in GRUB's order, in one
    warning that says how to choose. Before, each got a line of its own."""
    names = TESTAPPS_ISO.with_suffix(".apps").read_text().split()
    assert len(names) > 4, names
    vm = boot(testapps=True)
    m = vm.wait_for(r"^warning: processes: (\d+) more apps than the table's 4, not loaded "
                    r"\(apps= chooses\): (.*)$", timeout=30)
    assert int(m.group(1)) == len(names) - 4 and m.group(2).split() == names[4:], m.group(0)
    assert "table is full" not in vm.log
    vm.wait_shell(timeout=30)
    rows = re.findall(r"^(\w+) +\w+ +\d+ +\d+ ", vm.shell("ps"), re.M)
    assert rows == names[:4], rows


def test_ps_kill_restart(boot):
    vm = boot(testapps=True, cmdline="apps=readkernel:spin")
    fault_report(vm, "readkernel")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    row = ps_row(vm, "readkernel")
    assert row["state"] == "faulted" and row["faults"] == 1 and row["restarts"] == 0, row
    assert ps_row(vm, "spin")["state"] == "ready"

    assert vm.shell("kill spin") == "killed spin\n"
    assert ps_row(vm, "spin")["state"] == "killed"
    assert vm.shell("kill spin") == "kill: spin is not running (killed)\n"
    assert vm.shell("kill nosuch") == "kill: no process named 'nosuch'\n"

    # restart brings the crashed app back: it runs (and faults) again.
    pos = len(vm.log)
    assert vm.shell("restart readkernel") == "restarted readkernel\n"
    fault_report(vm, "readkernel", pos=pos)
    vm.wait_for(r"readkernel: reading 0x100000", pos=pos)
    row = ps_row(vm, "readkernel")
    assert row["faults"] == 2 and row["restarts"] == 1, row


NOT_SENT = r"console: (\d+) lines? not sent on the serial line \(output full\)"


def test_fault_policy_restart_up_to_n(boot):
    vm = boot(testapps=True, cmdline="apps=recurse procfault=restart:2")
    for n in (1, 2):
        vm.wait_for(rf"policy: restart \({n} of 2\)")
    # Three reports of about 1.3 KB back to back can overfill the console's
    # output ring (4 KB, a quarter kept for echo): a log line that does not
    # fit is shown on the screen, counted, and the serial line is told how
    # many it missed (docs/interrupts.md, "The console's output ring"). So
    # the third report, or the console's note in its place.
    vm.wait_for(rf"policy: restart, but it restarted 2 times: stopped|{NOT_SENT}")
    vm.wait_shell()
    row = ps_row(vm, "recurse")
    assert row["state"] == "faulted" and row["faults"] == 3 and row["restarts"] == 2, row
    reports = len(re.findall(r"^process recurse faulted", vm.log, re.M))
    not_sent = sum(int(n) for n in re.findall(NOT_SENT, vm.log))
    assert reports >= 2 and reports + not_sent == 3, (reports, not_sent)


def wakeups(vm):
    """CPU 0's loop wake-ups so far, from `cpus`."""
    answer = vm.shell("cpus")
    # cpu, apic, state, rounds, sleeps, wakeups, ... (test_smp.py's CPU_ROW)
    m = re.search(r"^\s*0\s+\d+\s+\w+\s+\d+\s+\d+\s+(\d+)\s", answer, re.M)
    assert m, answer
    return int(m.group(1))


def test_waiting_processes_leave_the_system_idle(boot):
    vm = boot(testapps=True, cmdline="apps=waiter:hello")
    vm.wait_for(r"waiter: waiting")
    vm.wait_for(r"process hello: exited with 0")
    vm.wait_shell()
    assert ps_row(vm, "waiter")["state"] == "yielded"
    # The loop sleeps (a loop that kept trying the waiting process would
    # never reach `hlt`), with interrupts on.
    assert vm.wait_cpu_halted()
    # Wake-ups between two `cpus`, at once and then 2 s apart: the shell's
    # own serial traffic is the same both times, so any difference is
    # interrupts the waiting process costs while nothing happens.
    a = wakeups(vm)
    back_to_back = wakeups(vm) - a
    b = wakeups(vm)
    time.sleep(2)
    apart = wakeups(vm) - b
    print(f"wake-ups per `cpus`: back to back {back_to_back}, 2 s apart {apart}")
    assert apart <= back_to_back + 1, (back_to_back, apart)


def preemptions(vm):
    m = re.search(r"^timeslice (\d+) ms, (\d+) preemptions$", vm.shell("ps"), re.M)
    return int(m.group(2)) if m else None


def test_timeslice_preempts_a_spinning_process(boot):
    # Two processes that never yield: only the timeslice shares the CPU.
    vm = boot(testapps=True, cmdline="apps=spin:busy timeslice=10 watchdog=off")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    before, t0 = preemptions(vm), guest_seconds(vm)
    time.sleep(1)  # the interval measured, not a wait for an event
    after, t1 = preemptions(vm), guest_seconds(vm)
    expected = (t1 - t0) * 100  # one per 10 ms of guest time
    print(f"timeslice 10 ms: {after - before} preemptions in {t1 - t0:.2f} s of guest time")
    # Each shell command is a knock that starts a new slice, so fewer than
    # that; but most of the interval nothing else happens.
    assert after - before >= expected / 2, (before, after, t0, t1)


def test_a_process_that_runs_alone_is_not_sliced(boot):
    # Any other knock ends its run anyway: no alarm is armed for it.
    vm = boot(testapps=True, cmdline="apps=spin timeslice=10 watchdog=off")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    before, t0 = preemptions(vm), guest_seconds(vm)
    time.sleep(1)  # the interval measured, not a wait for an event
    after, t1 = preemptions(vm), guest_seconds(vm)
    print(f"spin alone: {after - before} preemptions in {t1 - t0:.2f} s of guest time")
    assert t1 - t0 > 0.1 and after == before == 0, (before, after, t0, t1)


def test_timeslice_off(boot):
    vm = boot(testapps=True, cmdline="apps=spin timeslice=0")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    assert "timeslice off\n" in vm.shell("ps")


def test_blink_on_its_virtual_alarm_and_kill_cancels_it(boot):
    vm = boot(testapps=True, cmdline="apps=blink")
    vm.wait_for(r"^blink 3 \(\d+ us late\)$")
    vm.wait_shell()
    row = ps_row(vm, "blink")
    assert row["upcalls"] >= 6, row  # a write done and an alarm per line
    assert vm.shell("kill blink") == "killed blink\n"
    row = ps_row(vm, "blink")
    assert row["state"] == "killed" and row["upcalls"] >= 6, row
    # Its alarm went with its grant; started again from its file, it
    # blinks from 1 with a fresh alarm in the fresh grant.
    pos = len(vm.log)
    assert vm.shell("restart blink") == "restarted blink\n"
    vm.wait_for(r"^blink 2 \(\d+ us late\)$", pos=pos)
    assert ps_row(vm, "blink")["restarts"] == 1


def test_process_lines_go_above_the_line_being_typed(boot):
    """A process's lines that come while a command is being typed go above
    the input line, as the kernel's log lines do (capsules/console.c,
    console_write_above): the input line is taken off, the process's line
    written, and the prompt and what was typed put back. Before, blink's
    lines ran on from the typed text ("knock> uptblink 4 ...") and the
    prompt was gone. Read from the VGA screen, which draws the serial
    line's CRs as a terminal does."""
    vm = boot(testapps=True, cmdline="apps=blink")
    vm.wait_for(r"^blink 1 \(\d+ us late\)$")
    vm.wait_shell()
    pos = len(vm.log)
    vm.serial_write("upt")
    m = vm.wait_for(r"blink (\d+) \(\d+ us late\)\nknock> upt", pos=pos, whole_lines=False)
    vm.wait_for(rf"blink {int(m.group(1)) + 1} \(\d+ us late\)\nknock> upt", pos=m.end(),
                whole_lines=False)
    rows = [row for row in vm.screen() if row]
    assert rows[-1] == "knock> upt", "\n".join(rows)
    assert re.fullmatch(r"blink \d+ \(\d+ us late\)", rows[-2]), "\n".join(rows)
    assert rows.count("knock> upt") == 1 and not any("uptblink" in row for row in rows), \
        "\n".join(rows)
    # What was typed is still the line being edited.
    pos = len(vm.log)
    vm.serial_write("ime\r")
    vm.wait_for(r"^up \d+:\d\d:\d\d\.\d{3} \(\d+ us\)$", pos=pos)


def test_processes_on_the_boot_cpu_of_an_smp_machine(boot):
    # Processes run on the CPU that loaded them (the boot CPU); the others
    # run their loops as before and answer through the shell's `on`.
    vm = boot(testapps=True, smp=4, cmdline="apps=blink:readkernel")
    fault_report(vm, "readkernel")
    vm.wait_for(r"^blink 2 \(\d+ us late\)$")
    vm.wait_shell(timeout=30)
    assert "4 cpus, 4 online" in vm.shell("cpus")
    assert ps_row(vm, "blink")["state"] in ("yielded", "ready")


def test_upcall_flood_is_counted_not_lost(boot):
    # 100 write-done upcalls asked for without a yield: the queue takes 16,
    # the other 84 are refused and counted.
    vm = boot(testapps=True, cmdline="apps=flood")
    vm.wait_for(r"^flood: 100 writes asked without yielding$")
    vm.wait_for(r"process flood: exited with 0")
    vm.wait_shell()
    row = ps_row(vm, "flood")
    assert row["dropped"] == 100 - 16 and row["state"] == "exited", row


def guest_seconds(vm):
    m = re.match(r"^up \d+:\d\d:\d\d\.\d{3} \((\d+) us\)$", vm.shell("uptime"))
    assert m
    return int(m.group(1)) / 1e6


def test_spinning_process_is_not_a_stalled_loop(boot):
    # No timeslice: only the stall watchdog's own tick interrupts spin. The
    # loop is not stuck in a capsule (each tick ends a run of the process),
    # so the watchdog (1000 ms) must not report a stall.
    vm = boot(testapps=True, cmdline="apps=spin timeslice=0")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    # Nothing may reach the guest meanwhile (a shell command is a knock and
    # a round): the interval is host time, checked afterwards in guest time.
    start, ticks = guest_seconds(vm), watchdog_counts(vm)["ticks"]
    time.sleep(3)
    end, ticks_end = guest_seconds(vm), watchdog_counts(vm)["ticks"]
    assert end > start + 2, "the guest ran less than 2 s"
    # The tick reached its handler: through the user IDT's common gate,
    # while spin runs, and about once per period (the CPU never sleeps).
    assert ticks_end - ticks >= 0.8 * (end - start) * 1000 / TICK_MS, (ticks, ticks_end)
    assert not re.search(r"^warning: watchdog", vm.log, re.M), vm.log[-2000:]
    # The tick has no user top half: the user IDT's common gate found it
    # in service and raised it again, not some other vector.
    assert not re.search(r"has no handler|nothing in service", vm.log), vm.log[-2000:]


def give_input(vm, timeout=10):
    """Type `input` until echo takes it (its prompt), and return where the
    log stood. echo prints that it waits before it asks for the line (its
    read is the next system calls), so an `input` typed at once can come
    first and get "no process is waiting": then the shell's answer is the
    synchronisation, and `input` is typed again."""
    deadline = time.monotonic() + timeout
    while True:
        pos = len(vm.log)
        vm.serial_write("input\r")
        m = vm.wait_for(r"(^echo< |input: no process is waiting for a line$)", pos=pos,
                        whole_lines=False)
        if m.group(1) == "echo< ":
            return pos
        assert time.monotonic() < deadline, "echo never asked for a line"
        vm.wait_shell(pos=pos)


def test_echo_reads_a_line_given_by_input(boot):
    vm = boot(testapps=True, cmdline="apps=echo")
    vm.wait_for(r"echo: waiting for a line")
    vm.wait_shell()
    # `input` hands the console to echo for one line, prompted with its name.
    pos = give_input(vm)
    vm.serial_write("hello from the serial line\r")
    vm.wait_for(r"echo: hello from the serial line$", pos=pos)
    vm.wait_shell(pos=pos)
    assert vm.shell("version").startswith("knock ")
    pos = give_input(vm)
    vm.serial_write("exit\r")
    vm.wait_for(r"process echo: exited with 0", pos=pos)
    vm.wait_shell(pos=pos)
    assert vm.shell("input") == "input: no process is waiting for a line\n"


def test_rng_app_gets_bytes_from_virtio_rng(boot):
    vm = boot(testapps=True, cmdline="apps=rng", extra_args=["-device", "virtio-rng-pci"])
    first = vm.wait_for(r"rng 1: ([0-9a-f]{32})$").group(1)
    second = vm.wait_for(r"rng 2: ([0-9a-f]{32})$").group(1)
    vm.wait_for(r"process rng: exited with 0")
    vm.wait_shell()
    assert first != second, first
    assert len(set(bytes.fromhex(first))) > 4, first
    # The shell's `rng` shares the source with the processes' driver.
    assert re.match(r"^[0-9a-f]{16}$", vm.shell("rng 8", timeout=10)), "rng 8"
    # Two requests of 16 bytes, both answered (the shell's are not the driver's).
    assert driver_counters(vm, "rng") == {"requests": 2, "bytes": 32, "timeouts": 0,
                                          "answers dropped": 0}


def test_rng_app_without_a_source(boot):
    vm = boot(testapps=True, cmdline="apps=rng")
    vm.wait_for(r"rng: no random number source$")
    vm.wait_for(r"process rng: exited with 0")
    vm.wait_shell()
    assert ps_row(vm, "rng")["state"] == "exited"


def test_processes_with_smep_and_smap_on(boot):
    # -cpu max has SMEP and SMAP: knock turns them on, and every path that
    # touches a process's memory (loading, allow, the console's copies,
    # upcall frames, rng's bytes, the fault report) still works, since the
    # kernel never reaches user pages through the user window.
    vm = boot(testapps=True, cpu="max", cmdline="apps=hello:badallow:rng:readkernel",
              extra_args=["-device", "virtio-rng-pci"])
    vm.wait_for(r"user mode: SMEP on, SMAP on")
    vm.wait_for(r"hello from ring 3: memory at 0x8000000000")
    vm.wait_for(r"badallow: 3 of 3 bad buffers refused")
    vm.wait_for(r"rng 2: [0-9a-f]{32}$")
    report = fault_report(vm, "readkernel")
    assert re.search(r"address 0x100000 \(not the process's memory\)", report), report
    vm.wait_shell()
    assert vm.shell("version").startswith("knock ")


def test_default_cpu_says_it_has_no_smap(boot):
    vm = boot(testapps=True, cmdline="apps=hello")
    vm.wait_for(r"user mode: SMEP not on this CPU, SMAP not on this CPU")
    vm.wait_for(r"process hello: exited with 0")


@pytest.mark.skipif(not X2APIC_QEMU, reason="KNOCK_QEMU_X2APIC names no QEMU with TCG x2APIC")
def test_x2apic_interrupts_in_ring_3_reach_their_top_halves(boot):
    """In x2APIC mode no device vector has a user top half (the EOI is a
    WRMSR): every interrupt that lands in ring 3 goes through the user
    IDT's common gate, which finds its vector in service and raises it
    again in kernel mode (docs/processes.md). Two spinning processes keep
    the CPU in ring 3; the timeslice's LAPIC alarm, COM1 and the keyboard
    must still reach their own top halves, and no interrupt may be taken
    for a vector without one."""
    vm = boot(testapps=True, machine="q35", cpu="max", qemu=X2APIC_QEMU,
              cmdline="x2apic=on apps=spin:busy timeslice=10 watchdog=off")
    vm.wait_for(r"^lapic: x2APIC mode \(x2apic=on\)$", timeout=60)
    vm.wait_for(r"spin: spinning")
    vm.wait_shell(timeout=30)
    before, t0 = preemptions(vm), guest_seconds(vm)
    assert vm.shell("echo typed", keyboard=True) == "typed\n"
    assert vm.shell("echo sent") == "sent\n"
    after, t1 = preemptions(vm), guest_seconds(vm)
    print(f"x2APIC, ring 3: {after - before} preemptions in {t1 - t0:.3f} s of guest time")
    assert t1 > t0 and after > before, (before, after, t0, t1)
    assert ps_row(vm, "spin")["state"] in ("ready", "running"), vm.shell("ps")
    assert not re.search(r"has no handler|nothing in service", vm.log), vm.log[-2000:]


def test_an_nmi_in_ring_3_is_the_kernels_not_the_process(boot):
    """An NMI that lands while a process runs is not the process's fault:
    the user IDT passes it to the kernel's own gate (user_entry.asm), which
    treats it as in kernel mode, a panic. Before, `spin` was reported as
    faulted with an NMI and the kernel went on."""
    vm = boot(testapps=True, cmdline="apps=spin timeslice=0")
    vm.wait_for(r"spin: spinning")
    vm.wait_shell()
    # spin's line is on serial before its write call has come back to it
    # (the NMI sent then lands in the kernel about one time in six); once
    # a shell command is answered, spin is back in its loop in ring 3.
    vm.shell("uptime")
    vm.qmp.command("inject-nmi")
    report = check_one_whole_report(vm, r"^PANIC: CPU exception NMI \(non-maskable interrupt\) "
                                        r"on cpu 0")
    # Taken in ring 3: the report's frame is the user IDT's way into the
    # kernel, and its backtrace goes on into the loop that ran the process.
    assert re.search(r"^  rip +0x[0-9a-f]+ <user_trap\.", report, re.M), report
    frames = re.findall(r"^  #\d+ 0x[0-9a-f]+ (\w+)", report, re.M)
    assert frames[0] == "user_trap" and "processes_run_one" in frames, report
    assert frames[-2:] == ["board_main", "long_mode_entry"], report
    assert "faulted" not in vm.log, vm.log[-2000:]
    wait_all_stopped(vm, 1)


def test_a_panic_stops_a_cpu_that_runs_a_process(boot):
    """A panic stops every other CPU with an NMI (kernel/panic.c). Here
    CPU 0 runs `spin` in ring 3 when the NMIs of QMP's inject-nmi come:
    whichever CPU owns the panic, the other stops, and the report is the
    only one, whole. Before, CPU 0's NMI ended `spin` as a fault and CPU 0
    ran on."""
    vm = boot(testapps=True, machine="q35", smp=2, accel="tcg,thread=single",
              cmdline="apps=spin timeslice=0")
    vm.wait_for(r"^smp: 2 of 2 cpus online$", timeout=60)
    vm.wait_for(r"spin: spinning")
    vm.wait_shell(timeout=30)
    vm.shell("uptime")  # as above: spin is in its loop once this is answered
    vm.qmp.command("inject-nmi")
    check_one_whole_report(vm, r"^PANIC: CPU exception NMI \(non-maskable interrupt\) on cpu \d")
    assert "faulted" not in vm.log, vm.log[-2000:]
    wait_all_stopped(vm, 2)
