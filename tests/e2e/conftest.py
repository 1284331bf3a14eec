"""Fixtures for the end-to-end tests: boot the real ISO in real QEMU.

`boot(**options)` starts one QEMU (see knock_qemu.Knock for the options:
machine, memory_mib, cmdline, cpu, ...) and kills it when the test ends,
whatever happened. When a test fails, the serial log of every QEMU it
started is attached to the report (waits that time out put it in their
message already).

The ISO and ELF are build/knock.iso and build/knock.elf unless KNOCK_ISO /
KNOCK_ELF say otherwise; `make e2e` builds them first.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import knock_qemu  # noqa: E402

ISO = Path(os.environ.get("KNOCK_ISO", knock_qemu.REPO / "build" / "knock.iso"))
ELF = Path(os.environ.get("KNOCK_ELF", knock_qemu.REPO / "build" / "knock.elf"))


def _require(path):
    if not path.is_file():
        pytest.fail(f"{path} is missing: build it first (`make e2e` builds the ISO)",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def iso():
    return _require(ISO)


@pytest.fixture(scope="session")
def version():
    return knock_qemu.makefile_version()


@pytest.fixture(scope="session")
def banner(version):
    """Regex of the ready banner."""
    return knock_qemu.banner_pattern(version)


@pytest.fixture(scope="session")
def kernel_functions():
    """{name: (start, size)} of the kernel's sized functions, from `nm`, to
    check that a printed "<name+0xoff>" really is where the address is."""
    out = subprocess.run(["nm", "-S", "--defined-only", str(_require(ELF))],
                         capture_output=True, text=True, check=True).stdout
    functions = {}
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) ([0-9a-f]+) [tT] (\S+)$", line)
        if m:
            functions[m.group(3)] = (int(m.group(1), 16), int(m.group(2), 16))
    return functions


@pytest.fixture
def boot(request, iso):
    vms = []
    request.node.knock_vms = vms

    def start(**options):
        vm = knock_qemu.Knock(iso, name=request.node.name, **options)
        vms.append(vm)
        return vm.start()

    yield start
    for vm in vms:
        vm.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    if call.excinfo and call.excinfo.errisinstance(knock_qemu.KnockFailure):
        return  # the message already has the log
    for i, vm in enumerate(getattr(item, "knock_vms", [])):
        report.sections.append((f"QEMU {i} ({vm.machine}, -m {vm.memory_mib}, "
                                f"options {vm.cmdline!r})", vm.describe()))
