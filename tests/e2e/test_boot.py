"""Booting: the banner, the boot summary, options, and refusing a 32-bit CPU."""
import re

import pytest

from knock_qemu import BOOT_TIMEOUT, VGA_ROWS, screen_rows

MEMORY = re.compile(r"^boot: memory (\d+) KiB usable in (\d+) regions "
                    r"\(lower (\d+) KiB, upper (\d+) KiB\)$", re.M)
# The map itself is at debug level (loglevel=debug).
REGION = re.compile(r"^debug: boot:   \[0x([0-9a-f]+)-0x([0-9a-f]+)\) (\w+)$", re.M)
# The line may go on with an explanation in parentheses (which has quotes).
OPTIONS = r"^boot: options '(.*?)'(?: \(.*\))?$"


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_ready_banner_then_idle(boot, banner, version, machine):
    vm = boot(machine=machine)
    start = vm.wait_for(rf"^knock {re.escape(version)} starting on the pc board$", BOOT_TIMEOUT)
    vm.wait_for(r"^acpi: RSDP rev \d+ .* from the multiboot2 ACPI [12]\.0 tag ", pos=start.end())
    vm.wait_for(banner, pos=start.end())
    # The memory map's lines are debug level: not in a default boot log.
    assert not REGION.search(vm.log) and "boot:   [" not in vm.log, vm.log
    # With nothing left to do the loop must sleep in `sti; hlt`: halted
    # with interrupts on (a panic halts with them off).
    assert vm.wait_cpu_halted() is True, "the CPU halted with interrupts off"
    assert "PANIC" not in vm.log


@pytest.mark.parametrize("mib", [64, 128, 512])
def test_boot_summary_memory(boot, mib):
    vm = boot(memory_mib=mib, cmdline="loglevel=debug")
    summary = vm.wait_for(MEMORY, BOOT_TIMEOUT)
    # The memory map is printed between the summary and the options line.
    options = vm.wait_for(OPTIONS, pos=summary.end())
    usable, count, lower, upper = map(int, summary.groups())

    assert mib * 1024 - 2048 <= usable <= mib * 1024
    assert lower == 639, "conventional memory below the EBDA"
    assert lower + upper == usable

    regions = REGION.findall(vm.log, summary.end(), options.start())
    available = [(int(a, 16), int(b, 16)) for a, b, kind in regions if kind == "available"]
    assert len(available) == count, regions
    assert sum(b - a for a, b in available) // 1024 == usable, regions


@pytest.mark.parametrize("options", ["", "loglevel=debug e2e.marker=a,b,c panic=halt"])
def test_options_line_echoes_fw_cfg(boot, banner, options):
    # Without fw_cfg GRUB's own line is empty, so the options are exactly
    # what was passed (commas included: the harness doubles them for QEMU).
    vm = boot(cmdline=options or None)
    m = vm.wait_for(OPTIONS, BOOT_TIMEOUT)
    assert m.group(1) == options
    vm.wait_for(banner)
    assert "warning" not in vm.log


@pytest.mark.parametrize("loglevel", ["info", "error"])
def test_screen_shows_the_log_and_is_blank_below(boot, version, loglevel):
    # The screen is cleared before knock's first line (GRUB's text is
    # gone), then shows what the serial line shows from that line on,
    # scrolled when it is longer than the screen: at loglevel=error (read
    # after the first two lines) only those, the shell's and blanks.
    vm = boot(cmdline=f"loglevel={loglevel}")
    vm.wait_shell()
    start = vm.log.find(f"knock {version} starting")
    want = screen_rows(vm.log[start:])[-VGA_ROWS:]
    want += [""] * (VGA_ROWS - len(want))
    assert vm.screen() == want, "\n".join(vm.screen())


def test_a_long_answer_leaves_the_screen_as_serial_shows_it(boot, version):
    """`help` reaches the screen as one write of more lines than it has:
    the VGA console draws that write's scrolls once, at its end
    (chips/x86_64/vga_text.c). The screen, read from the VGA's own memory,
    must then show the serial transcript's last rows, prompt included."""
    vm = boot()
    vm.wait_shell()
    answer = vm.shell("help")
    assert answer.count("\n") > VGA_ROWS, answer
    start = vm.log.find(f"knock {version} starting")
    want = screen_rows(vm.log[start:])[-VGA_ROWS:]
    assert vm.screen() == want, "\n".join(vm.screen())


def test_cpu_without_long_mode_is_refused(boot):
    vm = boot(cpu="qemu32")
    vm.wait_for(r"^knock: this CPU has no 64-bit long mode", BOOT_TIMEOUT)
    # Halted for good with interrupts off; a triple fault would have reset
    # the machine, and with -no-reboot QEMU would be gone.
    assert vm.wait_cpu_halted() is False
    assert vm.proc.poll() is None
    assert "starting on the pc board" not in vm.log
