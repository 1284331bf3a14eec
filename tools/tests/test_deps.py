"""Tests of tools/deps.sh against fake dpkg-query, apt-get and sudo.

The fakes keep a list of "installed" packages in a file: dpkg-query reports
from it and apt-get install adds to it, and every apt-get call is logged, so
the tests see exactly what deps.sh would have run."""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

DEPS = pathlib.Path(__file__).resolve().parents[1] / "deps.sh"

FAKE_DPKG_QUERY = """#!/bin/sh
# dpkg-query -W -f=FORMAT PKG...: known packages only, like the real one.
shift 2
status=0
for p in "$@"; do
	if grep -qx "$p" "$FAKE_DIR/installed"; then
		echo "$p install ok installed"
	elif grep -qx "$p" "$FAKE_DIR/removed"; then
		echo "$p deinstall ok config-files"
	else
		echo "dpkg-query: no packages found matching $p" >&2
		status=1
	fi
done
exit $status
"""

FAKE_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_DIR/log"
if [ "$1" = install ] && [ -z "$FAKE_APT_BREAKS" ]; then
	for p in "$@"; do echo "$p" >> "$FAKE_DIR/installed"; done
fi
"""

FAKE_SUDO = """#!/bin/sh
echo "sudo $*" >> "$FAKE_DIR/log"
shift  # DEBIAN_FRONTEND=noninteractive
exec "$@"
"""


def package_list():
    """The package names deps.sh declares (no display, so no GUI)."""
    text = DEPS.read_text()
    block = text.split('PACKAGES="\n', 1)[1].split('\n"\n', 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


@pytest.fixture
def fake():
    # Not pytest's tmp_path: its parents are private (0700) and one test
    # runs deps.sh as an unprivileged user.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="knock-deps-test-"))
    tmp_path.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in [("dpkg-query", FAKE_DPKG_QUERY), ("apt-get", FAKE_APT_GET)]:
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "installed").write_text("")
    (tmp_path / "removed").write_text("")
    (tmp_path / "log").write_text("")
    # The fakes need grep; deps.sh itself must need nothing but bash.
    (bin_dir / "grep").symlink_to(shutil.which("grep"))
    yield tmp_path
    shutil.rmtree(tmp_path)


def run_deps(fake, installed, extra_env=None):
    (fake / "installed").write_text("".join(p + "\n" for p in installed))
    env = {"PATH": str(fake / "bin"), "FAKE_DIR": str(fake)}
    env.update(extra_env or {})
    proc = subprocess.run(["/bin/bash", str(DEPS)], env=env, capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    log = (fake / "log").read_text().splitlines()
    return proc, log


def test_list_has_the_packages_the_build_needs():
    names = package_list()
    for needed in ["qemu-system-x86", "grub-pc-bin", "grub-common", "xorriso", "mtools",
                   "nasm", "gcc", "make", "binutils", "libcmocka-dev", "python3",
                   "python3-pytest", "gdb", "clang-format", "cppcheck", "clang-tidy", "bear",
                   # one ISO for BIOS and UEFI, booted under OVMF; the framebuffer font
                   "grub-efi-amd64-bin", "ovmf", "console-setup-linux"]:
        assert needed in names
    assert len(names) == len(set(names))


def test_all_installed_is_quiet_and_runs_no_apt(fake):
    proc, log = run_deps(fake, package_list())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert log == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path calls apt-get directly")
def test_installs_only_the_missing_ones_and_says_why(fake):
    have = [p for p in package_list() if p not in ("nasm", "xorriso")]
    proc, log = run_deps(fake, have)
    assert proc.returncode == 0, proc.stderr
    assert "knock: installing missing Debian packages: nasm xorriso" in proc.stdout
    assert "assembles boot/" in proc.stdout  # the reason for nasm
    assert log == ["apt-get update",
                   "apt-get install -y --no-install-recommends nasm xorriso"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path calls apt-get directly")
def test_removed_package_counts_as_missing(fake):
    # dpkg still knows a removed package (its config files stay), with a
    # status other than "install ok installed".
    (fake / "removed").write_text("bear\n")
    have = [p for p in package_list() if p != "bear"]
    proc, log = run_deps(fake, have)
    assert proc.returncode == 0, proc.stderr
    assert log[-1] == "apt-get install -y --no-install-recommends bear"


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path calls apt-get directly")
def test_fails_when_install_did_not_install(fake):
    have = [p for p in package_list() if p != "gdb"]
    proc, log = run_deps(fake, have, {"FAKE_APT_BREAKS": "1"})
    assert proc.returncode == 1
    assert "still missing after apt-get install: gdb" in proc.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path calls apt-get directly")
def test_a_display_adds_the_qemu_window(fake):
    proc, log = run_deps(fake, package_list(), {"DISPLAY": ":0"})
    assert proc.returncode == 0, proc.stderr
    assert log[-1] == "apt-get install -y --no-install-recommends qemu-system-gui"


def as_nobody(fake):
    """Prepare to run deps.sh as an unprivileged user: needs root and setpriv."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to act as another user")
    for name in ["installed", "log"]:
        (fake / name).chmod(0o666)
    # A copy the other user can read even when the checkout is private.
    deps = fake / "deps.sh"
    shutil.copy(DEPS, deps)
    deps.chmod(0o755)
    return setpriv, deps


def test_not_root_without_sudo_prints_the_command(fake):
    setpriv, deps = as_nobody(fake)
    have = [p for p in package_list() if p != "cppcheck"]
    (fake / "installed").write_text("".join(p + "\n" for p in have))
    env = {"PATH": str(fake / "bin"), "FAKE_DIR": str(fake)}
    proc = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                           "/bin/bash", str(deps)], env=env, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert ("'apt-get update && apt-get install -y --no-install-recommends cppcheck'"
            in proc.stderr)
    assert (fake / "log").read_text() == ""


def test_not_root_goes_through_sudo(fake):
    setpriv, deps = as_nobody(fake)
    (fake / "bin" / "sudo").write_text(FAKE_SUDO)
    (fake / "bin" / "sudo").chmod(0o755)
    have = [p for p in package_list() if p != "cppcheck"]
    (fake / "installed").write_text("".join(p + "\n" for p in have))
    env = {"PATH": str(fake / "bin"), "FAKE_DIR": str(fake)}
    proc = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                           "/bin/bash", str(deps)], env=env, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert (fake / "log").read_text().splitlines() == [
        "sudo DEBIAN_FRONTEND=noninteractive apt-get update",
        "apt-get update",
        "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends cppcheck",
        "apt-get install -y --no-install-recommends cppcheck",
    ]
