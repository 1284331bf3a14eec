"""Fixtures for the end-to-end tests: boot the real ISO in real QEMU.

`boot(**options)` starts one QEMU (see knock_qemu.Knock for the options:
machine, memory_mib, cmdline, cpu, ...) and kills it when the test ends,
whatever happened. When a test fails, the serial log of every QEMU it
started is attached to the report (waits that time out put it in their
message already).

The ISO and ELF are build/knock.iso and build/knock.elf unless KNOCK_ISO /
KNOCK_ELF say otherwise; `make e2e` builds them first. Tests that need the
lab wing (busy, sink, storm, fault=, the bake-off: docs/lab.md) boot the
lab image instead, `boot(lab=True, ...)`: build/knock-lab.iso and its ELF
(KNOCK_LAB_ISO / KNOCK_LAB_ELF); every other test boots the product.
The process tests boot `boot(testapps=True, ...)`: the product kernel with
every app (build/knock-testapps.iso, KNOCK_TESTAPPS_ISO).
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
LAB_ISO = Path(os.environ.get("KNOCK_LAB_ISO", knock_qemu.REPO / "build" / "knock-lab.iso"))
LAB_ELF = Path(os.environ.get("KNOCK_LAB_ELF", knock_qemu.REPO / "build" / "knock-lab.elf"))
# The product kernel with every app of apps/ (make testapps-iso): the
# process tests pick which to start with the option apps=.
TESTAPPS_ISO = Path(os.environ.get("KNOCK_TESTAPPS_ISO",
                                   knock_qemu.REPO / "build" / "knock-testapps.iso"))


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


class _Functions(dict):
    """{name: (start, size)}. Looking up a name that two static functions
    share (one per file) fails, naming it: the check would be ambiguous."""

    def __init__(self):
        super().__init__()
        self.shared = set()

    def __getitem__(self, name):
        assert name not in self.shared, \
            f"two functions are named {name}: rename one so that reports are unambiguous"
        return super().__getitem__(name)


def _functions(elf):
    out = subprocess.run(["nm", "-S", "--defined-only", str(_require(elf))],
                         capture_output=True, text=True, check=True).stdout
    functions = _Functions()
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) ([0-9a-f]+) [tT] (\S+)$", line)
        if m:
            name, start = m.group(3), int(m.group(1), 16)
            if name in functions and dict.__getitem__(functions, name)[0] != start:
                functions.shared.add(name)
            functions[name] = (start, int(m.group(2), 16))
    return functions


@pytest.fixture(scope="session")
def kernel_functions():
    """{name: (start, size)} of the kernel's sized functions, from `nm`, to
    check that a printed "<name+0xoff>" really is where the address is."""
    return _functions(ELF)


@pytest.fixture(scope="session")
def lab_kernel_functions():
    """The same for the lab image."""
    return _functions(LAB_ELF)


@pytest.fixture
def boot(request, iso):
    vms = []
    request.node.knock_vms = vms

    def start(lab=False, testapps=False, **options):
        image = _require(LAB_ISO) if lab else _require(TESTAPPS_ISO) if testapps else iso
        vm = knock_qemu.Knock(image, name=request.node.name, **options)
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
