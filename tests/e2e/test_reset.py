"""Resetting the machine: Ctrl-Alt-Del pressed through QMP, and the
shell's `reboot`, reset the guest and knock boots again.

The harness starts QEMU with -no-reboot, which turns a guest reset into
QEMU exiting (a SHUTDOWN event, reason "guest-reset"): right for a triple
fault nobody asked for, but it would hide whether the machine comes back.
These tests add `-action reboot=reset` (it comes later on the command line,
so it wins): a guest reset then gives QMP's RESET event and the machine
really resets and boots knock again, which the serial log shows.

The reset path depends on the machine: q35's FADT has a reset register
(port 0xcf9), pc's (revision 1) has none, so knock pulses the 8042's reset
line there. Either way QEMU reports a guest reset; a triple fault (the
last resort) would look the same to QMP, so the log line knock prints
before resetting is what shows the request was understood.
"""
import re

import pytest

from knock_qemu import BOOT_TIMEOUT

REBOOT_ON_RESET = ["-action", "reboot=reset"]


def wait_guest_reset(vm):
    ev = vm.qmp.wait_event("RESET", timeout=BOOT_TIMEOUT)
    data = ev.get("data", {})
    assert data.get("guest") is True and data.get("reason") == "guest-reset", ev
    assert vm.proc.poll() is None, "QEMU exited instead of resetting the guest"


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_ctrl_alt_del_and_reboot_reset_the_machine(boot, version, machine):
    vm = boot(machine=machine, extra_args=REBOOT_ON_RESET)
    # Not anchored: the new boot's first line follows the old prompt.
    starting = rf"knock {re.escape(version)} starting on the pc board$"
    vm.wait_shell()

    pos = len(vm.log)
    vm.press("ctrl", "alt", "delete")
    m = vm.wait_for(r"keyboard: Ctrl-Alt-Del: resetting the machine$", pos=pos)
    wait_guest_reset(vm)
    m = vm.wait_for(starting, BOOT_TIMEOUT, pos=m.end())
    vm.wait_shell(pos=m.end())

    # `reboot` answers, and no prompt comes before the reset.
    pos = len(vm.log)
    vm.serial_write("reboot\r")
    m = vm.wait_for(r"reboot\nrebooting\n", pos=pos, whole_lines=False)
    wait_guest_reset(vm)
    m = vm.wait_for(starting, BOOT_TIMEOUT, pos=m.end())
    assert not vm.log[pos:m.start()].endswith("knock> "), "a prompt after 'rebooting'"
    vm.wait_shell(pos=m.end())
    assert vm.shell("version") == f"knock {version}\n"
    assert "PANIC" not in vm.log
    assert len(re.findall(starting, vm.log, re.M)) == 3
