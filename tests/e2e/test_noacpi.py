"""A PC without ACPI (issue 12 item 1): `-machine pc,acpi=off` boots on the
Intel MultiProcessor Specification table SeaBIOS still builds, and with
the kernel option mptable=off on the 8259s alone (board/pc/wire_acpi.c,
docs/interrupts.md).

Each boot must say in one line where its interrupt routing came from,
never panic, answer on the serial line and to a key pressed through QMP
(COM1's IRQ 4 and the keyboard's IRQ 1 both arrive), and start the CPUs
the routing source allows: all of them from the MP table (-smp 2 on QEMU
7.2 is one package of two cores, and SeaBIOS lists only its first; the
second comes from CPUID), only the boot CPU on the 8259s. On the 8259s
the stall watchdog's PIT tick still arrives (through the 8259's IRQ 0)
and still leaves an idle CPU alone.
"""
import re

import pytest

from knock_qemu import BOOT_TIMEOUT

NO_ACPI = "pc,acpi=off"
ROUTING = r"^(?:warning: )?board: interrupt routing from (.*)$"


def one_routing_line(vm):
    lines = re.findall(ROUTING, vm.log, re.M)
    assert len(lines) == 1, f"expected one routing line, got {lines}"
    return lines[0]


def check_answers(vm, version):
    """The shell answers on the serial line and to keys typed through QMP."""
    assert vm.shell("version") == f"knock {version}\n"
    assert vm.shell("version", keyboard=True) == f"knock {version}\n"


@pytest.mark.parametrize("smp", [1, 2])
def test_mp_table_routes_interrupts_and_starts_every_cpu(boot, version, smp):
    vm = boot(machine=NO_ACPI, smp=smp)
    vm.wait_for(r"^warning: acpi: no RSDP", BOOT_TIMEOUT)
    vm.wait_for(r"^mptable: floating pointer in the BIOS ROM 0xf0000-0xfffff at 0x[0-9a-f]+$")
    vm.wait_for(r"^mptable: INT ISA irq 1 -> ioapic \d+ pin 1 ")
    vm.wait_shell()
    assert one_routing_line(vm) == f"the MP table ({smp} cpus, 1 IOAPIC)"
    # The keyboard and COM1 went through the IOAPIC, as the table said.
    vm.wait_for(r"^irq: ISA IRQ 1 -> GSI 1 \(edge, active high\) -> vector 0x41 on APIC 0$")
    vm.wait_for(r"^irq: ISA IRQ 4 -> GSI 4 \(edge, active high\) -> vector 0x42 on APIC 0$")
    # The PIT's IRQ 0 is on pin 2 in QEMU's table, not pin 0.
    vm.wait_for(r"^irq: ISA IRQ 0 -> GSI 2 \(edge, active high\) -> vector 0xf0 on APIC 0$")
    check_answers(vm, version)
    cpus = vm.shell("cpus")
    assert f"{smp} cpu{'s' if smp > 1 else ''}, {smp} online" in cpus, cpus
    for cpu in range(smp):
        assert re.search(rf"^\s+{cpu}\s+{cpu} online", cpus, re.M), cpus
    assert "PANIC" not in vm.log


def test_no_acpi_flag_is_the_same(boot, version):
    """QEMU's older spelling, -no-acpi, on the plain pc machine."""
    vm = boot(machine="pc", smp=2, extra_args=["-no-acpi"])
    vm.wait_shell(BOOT_TIMEOUT)
    assert one_routing_line(vm) == "the MP table (2 cpus, 1 IOAPIC)"
    assert vm.shell("version", keyboard=True) == f"knock {version}\n"
    assert "2 cpus, 2 online" in vm.shell("cpus")


def test_8259s_when_the_mp_table_is_ignored(boot, version):
    """The 8259s, and with them an irqcpu= that cannot be honoured: they
    deliver only to the boot CPU, said once."""
    vm = boot(machine=NO_ACPI, smp=2, cmdline="mptable=off irqcpu=com1:1,keyboard:1")
    vm.wait_for(r"^board: mptable=off: the MP table is not read$", BOOT_TIMEOUT)
    vm.wait_shell()
    ignored = re.findall(r"^irq: the 8259s deliver only to the boot cpu: every source stays on "
                         r"cpu 0 \(the table's cpu column and irqcpu= are ignored\)$", vm.log, re.M)
    assert len(ignored) == 1, vm.log
    assert one_routing_line(vm) == ("the 8259s (1 cpu, no IOAPIC): no usable ACPI MADT or MP "
                                    "table; the other cpus are not started")
    vm.wait_for(r"^irq: ISA IRQ 1 -> 8259 vector 0x21 \(top half of vector 0x41\)$")
    vm.wait_for(r"^irq: ISA IRQ 4 -> 8259 vector 0x24 \(top half of vector 0x42\)$")
    assert "ioapic:" not in vm.log
    check_answers(vm, version)
    cpus = vm.shell("cpus")
    assert "1 cpu, 1 online" in cpus, cpus
    assert "PANIC" not in vm.log


def test_8259s_watchdog_tick_reports_a_stall(boot):
    """The PIT tick through the 8259 (IRQ 0 at vector 0x20): a 3 s
    callback is reported once and the system goes on (the lab image: busy)."""
    vm = boot(lab=True, machine=NO_ACPI, cmdline="mptable=off")
    vm.wait_for(r"^watchdog: PIT tick every \d+ us while busy, masked while idle; stalls over "
                r"1000 ms warn", BOOT_TIMEOUT)
    vm.wait_shell()
    assert vm.shell("busy 3000") == "busy: 1 callback of 3000 ms, 0 ms apart\n"
    pos = len(vm.log)
    stall = vm.wait_for(r"^warning: watchdog: capsule 'busy' \(bit (\d+), deferred call 'busy'\) "
                        r"has run for (\d+) ms on cpu 0 \(limit 1000 ms\)$", 6, pos=pos)
    assert 1000 <= int(stall.group(2)) < 1000 + 2 * 55 + 400, stall.group(0)
    over = vm.wait_for(rf"watchdog: capsule 'busy' \(bit {stall.group(1)}\) returned on cpu 0 "
                       r"after running at least (\d+) ms$", 8, pos=stall.end())
    vm.wait_shell(pos=over.end())
    assert vm.shell("cpus").endswith("1 cpu, 1 online; this is cpu 0\n")


def test_8259s_tick_leaves_an_idle_cpu_alone(boot):
    # As test_watchdog.py's: the guest counts its own wake-ups over an idle
    # second that one alarm ends; unmasked, the 18 Hz tick would add ~18.
    vm = boot(lab=True, machine=NO_ACPI, cmdline="bench mptable=off")
    vm.wait_for(r"^warning: board: interrupt routing from the 8259s", BOOT_TIMEOUT,
                whole_lines=False)
    idle = vm.wait_for(r"bench: idle_wakeups_per_s rate=(\d+\.\d+) wakeups=(\d+) own=(\d+) "
                       r"interval_us=(\d+)", BOOT_TIMEOUT)
    assert int(idle.group(2)) == int(idle.group(3)) == 1, idle.group(0)
