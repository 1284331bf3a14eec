"""Several CPUs (docs/smp.md): every CPU the machine has comes online and
runs its own loop; the CPUs share counters under the ticket lock exactly;
every CPU knocks on every other and gets an answer; a command runs on
another CPU through `on`; the keyboard and the serial line still work with
8 CPUs; a CPU that never answers its start-up IPIs is reported and skipped.

The boots use `-accel tcg,thread=single`: QEMU runs all vCPUs on one host
thread in turns, and a `pause` (the ticket lock's spin) hands the turn on.
With one host thread per vCPU (thread=multi) and fewer host cores than
vCPUs, a ticket lock's next holder is often a descheduled thread and
`smptest` slows down by orders of magnitude (docs/smp.md).
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

SINGLE = "tcg,thread=single"
# Long enough for 8 vCPUs taking turns on a slow host; a pass returns early.
SMPTEST_TIMEOUT = 120
SMPTEST_N = 100000

CPU_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$",
                     re.M)


def symbol(name):
    """Address of a kernel symbol (any kind), from `nm` of the lab ELF (the
    test that asks boots the lab image)."""
    elf = os.environ.get("KNOCK_LAB_ELF",
                         Path(__file__).resolve().parents[2] / "build" / "knock-lab.elf")
    out = subprocess.run(["nm", str(elf)], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^([0-9a-f]+) \w {re.escape(name)}$", out, re.M)
    assert m, f"no symbol {name} in {elf}"
    return int(m.group(1), 16)


def start(boot, machine, smp, **options):
    """Boot with every CPU online and the shell answering (lab=True: the
    lab image, for the fault command)."""
    vm = boot(machine=machine, smp=smp, accel=SINGLE, **options)
    vm.wait_for(rf"^smp: {smp} of {smp} cpus online$", timeout=60)
    vm.wait_shell(timeout=30)
    return vm


def cpu_rows(answer):
    """{cpu id: (apic id, state, rounds, sleeps, wakeups, ipis in, ipis out,
    skipped)} from `cpus`."""
    return {int(m[0]): (int(m[1]), m[2]) + tuple(map(int, m[3:]))
            for m in CPU_ROW.findall(answer)}


def check_all_online(vm, n):
    answer = vm.shell("cpus")
    rows = cpu_rows(answer)
    assert sorted(rows) == list(range(n)), answer
    assert all(r[1] == "online" for r in rows.values()), answer
    assert len({r[0] for r in rows.values()}) == n, f"APIC ids not distinct:\n{answer}"
    assert f"{n} cpu{'s' if n > 1 else ''}, {n} online; this is cpu 0\n" in answer, answer
    return rows


def check_smptest(vm, n):
    answer = vm.shell(f"smptest {SMPTEST_N}", timeout=SMPTEST_TIMEOUT)
    total = n * SMPTEST_N
    assert answer == (f"smptest: {n} cpus x {SMPTEST_N}: ticketlock counter {total}, "
                      f"lock xadd counter {total}, expected {total}: ok "
                      + re.search(r"\(\d+ ms\)\n$", answer).group(0)), answer


def check_ping(vm, n):
    """Every CPU knocks on every other; each knock must be answered."""
    answer = vm.shell("ping", timeout=30)
    pairs = n * (n - 1)
    assert answer.startswith(f"ping: {pairs} of {pairs} knocks answered among {n} cpus"), answer
    for i in range(n):
        assert f"  cpu {i} knocked on {n - 1}, answered by {n - 1}," in answer, answer
    assert "no answer" not in answer, answer


def check_keyboard_and_serial(vm, n):
    """Device interrupts stay on CPU 0: its loop answers the keyboard and
    the serial line while the other CPUs work too."""
    assert vm.shell("echo typed", keyboard=True) == "typed\n"
    assert vm.shell("echo sent") == "sent\n"
    check_smptest(vm, n)
    assert vm.shell("echo typed again", keyboard=True) == "typed again\n"
    assert vm.shell("echo sent again") == "sent again\n"
    irqs = vm.shell("irqs")
    assert re.search(r"^keyboard\s+[1-9]", irqs, re.M), irqs
    assert re.search(r"^com1\s+[1-9]", irqs, re.M), irqs


@pytest.mark.parametrize("machine,smp", [("q35", 1), ("q35", 2), ("q35", 4), ("q35", 8),
                                         ("pc", 2), ("pc", 8)])
def test_every_cpu_online_counting_and_knocking(boot, banner, machine, smp):
    vm = start(boot, machine, smp)
    vm.wait_for(banner)
    before = check_all_online(vm, smp)
    check_smptest(vm, smp)
    check_ping(vm, smp)
    after = check_all_online(vm, smp)
    for cpu in range(1, smp):
        # Each other CPU ran its own loop for the work (rounds), slept
        # between (sleeps) and was woken by IPIs (ipis in).
        assert after[cpu][2] > before[cpu][2], (before, after)
        assert after[cpu][5] > before[cpu][5], (before, after)
    if smp > 1:
        last = smp - 1
        assert f"this is cpu {last}\n" in vm.shell(f"on {last} cpus")
        assert vm.shell(f"on {last} echo from \"the last\" cpu") == "from the last cpu\n"
    if smp == 8:
        check_keyboard_and_serial(vm, smp)


def test_silent_and_disabled_cpus_are_skipped(boot):
    """QEMU lists the CPUs it could hot-plug (maxcpus) as disabled in the
    MADT; smp_phantom adds an APIC id no CPU has, which never answers."""
    vm = boot(machine="q35", smp="2,maxcpus=3", accel=SINGLE, cmdline="smp_phantom=9")
    vm.wait_for(r"^smp: 1 cpu the MADT lists as disabled: skipped$", timeout=60)
    vm.wait_for(r"^warning: smp: cpu 2 \(APIC id 9\) did not answer INIT-SIPI-SIPI within "
                r"\d+ ms; going on without it$")
    vm.wait_for(r"^smp: 2 of 3 cpus online$")
    vm.wait_shell(timeout=30)
    rows = cpu_rows(vm.shell("cpus"))
    assert rows[2][:2] == (9, "failed") and rows[1][1] == "online", rows
    check_smptest(vm, 2)
    check_ping(vm, 2)
    assert vm.shell("on 2 echo x") == "on: cpu 2 is not online (see 'cpus')\n"


def test_a_stack_overflow_on_another_cpu_hits_its_guard_page(boot):
    """Each CPU's kernel stack has an unmapped page below it, and its own
    double-fault stack (IST) in its own TSS: an overflow on CPU 3 is
    reported as a double fault on CPU 3, with CR2 in CPU 3's guard page
    (chips/x86_64/smp.c: ap_stacks[id - 1], guard page first, 16 KiB of
    stack above it)."""
    guard = symbol("ap_stacks") + (3 - 1) * (4096 + 16384)
    vm = start(boot, "q35", 4, lab=True)
    vm.serial_write("on 3 fault stack\r")
    report = vm.wait_for(r"^PANIC: CPU exception #DF \(double fault\) on cpu 3\n(?:.*\n)*?"
                         r"system halted.*$").group(0)
    cr2 = int(re.search(r"cr2\s+0x([0-9a-f]+)", report).group(1), 16)
    assert guard <= cr2 < guard + 4096, f"cr2 {cr2:#x}, guard page {guard:#x}\n{report}"
    assert "smp_ap_entry" in report and "ap_main" in report, report
