"""virtio-rng end to end: the PCI scan finds it, the board claims an MSI-X
vector from its pool, the capsule starts the device over the modern PCI
transport, and `rng N` prints N bytes the device wrote, which arrive only
through the queue's MSI-X interrupt (the driver never polls). Two boots
give different bytes; bad arguments and a machine without the device get
one-line answers and the prompt back.
"""
import contextlib
import re
import socket
import time

import pytest

from knock_qemu import PROMPT
from test_processes import driver_counters

HEX_LINE = re.compile(r"^[0-9a-f]+$")


def rng_bytes(vm, n):
    answer = vm.shell(f"rng {n}", timeout=10)
    lines = answer.splitlines()
    assert lines and all(HEX_LINE.match(l) for l in lines), answer
    assert all(len(l) == 64 for l in lines[:-1]), answer  # 32 bytes a line
    data = bytes.fromhex("".join(lines))
    assert len(data) == n, answer
    return data


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_rng_bytes_differ_between_boots(boot, machine):
    seen = []
    for _ in range(2):
        vm = boot(machine=machine, extra_args=["-device", "virtio-rng-pci"])
        vm.wait_shell()
        m = vm.wait_for(r"^msi: virtio-rng claims vector (0x[0-9a-f]+), pending bit (\d+)")
        vm.wait_for(r"^virtio-rng: ..:..\.. on vector " + m.group(1))
        first = rng_bytes(vm, 32)
        assert len(set(first)) > 8, f"32 random bytes with few distinct values: {first.hex()}"
        assert rng_bytes(vm, 256) != rng_bytes(vm, 256)
        # The function now interrupts through MSI-X, as `pci` shows.
        listing = vm.shell("pci", timeout=10)
        assert re.search(r"^..:..\.. 1af4:10(05|44) class 00ff00 [^:]*: irq MSI-X;", listing,
                         re.M), listing
        seen.append(first)
        vm.kill()
    assert seen[0] != seen[1], f"two boots gave the same bytes: {seen[0].hex()}"


def test_rng_bad_arguments_and_no_device(boot):
    vm = boot(machine="q35")
    vm.wait_shell()
    vm.wait_for(r"^virtio-rng: no device$")
    for line in ("rng", "rng 0", "rng 257", "rng x", "rng 1 2"):
        assert vm.shell(line) == "rng: usage: rng <n>, n from 1 to 256\n", line
    assert vm.shell("rng 16") == "no random number source on this machine\n"


def test_rng_with_its_bar_above_4gib_under_uefi(boot):
    """OVMF places virtio's 64-bit BAR above 4 GiB, beyond the boot's
    identity map: the transport maps it (chips/x86_64/paging.c,
    paging_map_mmio) and the device works the same."""
    vm = boot(machine="q35", uefi=True, memory_mib=512, extra_args=["-device", "virtio-rng-pci"])
    vm.wait_shell()
    listing = vm.shell("pci", timeout=10)
    m = re.search(r"^..:..\.. 1af4:1005 [^\n]*\n(?:  bar[^\n]*\n)*?  bar4 mem64 prefetchable "
                  r"0x([0-9a-f]+) ", listing, re.M)
    assert m, listing
    assert int(m.group(1), 16) >= 1 << 32, f"the BAR is below 4 GiB this time:\n{listing}"
    assert "irq MSI-X;" in listing, listing
    assert len(rng_bytes(vm, 64)) == 64


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_rng_with_its_buffers_above_4gib(boot, machine):
    """-m 5G: RAM above 4 GiB is mapped and in the page allocator; with
    dma=above4g the queue and the buffer the device writes come from there,
    and the device reads and writes them as well as below."""
    vm = boot(machine=machine, memory_mib=5120, cmdline="dma=above4g",
              extra_args=["-device", "virtio-rng-pci"])
    vm.wait_shell()
    m = vm.wait_for(r"^virtio-rng: ..:..\.. on vector 0x[0-9a-f]+, pending bit \d+; "
                    r"queue at 0x([0-9a-f]+), buffer at 0x([0-9a-f]+)$")
    queue, buf = int(m.group(1), 16), int(m.group(2), 16)
    assert queue >= 1 << 32 and buf >= 1 << 32, m.group(0)
    assert len(set(rng_bytes(vm, 128))) > 32


@contextlib.contextmanager
def silent_egd(tmp_path):
    """A UNIX socket QEMU's rng-egd backend connects to at start; nothing is
    read or sent until the test accepts and answers. Yields the socket and
    QEMU's arguments for a virtio-rng drawing from it."""
    egd = tmp_path / "egd.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(egd))
    server.listen(1)
    try:
        yield server, ["-chardev", f"socket,id=egd,path={egd}",
                       "-object", "rng-egd,id=rng0,chardev=egd",
                       "-device", "virtio-rng-pci,rng=rng0"]
    finally:
        server.close()


def test_a_process_is_not_kept_waiting_by_a_silent_source(boot, tmp_path):
    """The processes' rng driver times a request out as the shell does
    (RNG_DRIVER_TIMEOUT_MS, 5 s): the app's first request gets its upcall
    with BUSY instead of bytes, its second is refused BUSY at once (the
    source still holds the first), and the app exits. Once the socket
    answers, the late bytes are dropped and the shell's `rng` gets fresh
    ones. Without the timeout the app waits in yield for good."""
    with silent_egd(tmp_path) as (server, args):
        vm = boot(testapps=True, cmdline="apps=rng", extra_args=args)
        first = vm.wait_for(r"process rng: loaded")
        started = time.monotonic()
        busy = "rng: the random number source is busy or did not answer"
        m = vm.wait_for(re.escape(busy) + "$", timeout=30, pos=first.end())
        assert time.monotonic() - started >= 4.5  # the guest's 5 s
        vm.wait_for(re.escape(busy) + "$", timeout=5, pos=m.end())
        vm.wait_for(r"process rng: exited with 0", timeout=10, pos=m.end())
        vm.wait_shell()
        # One request out and timed out; the second was refused BUSY at once.
        assert driver_counters(vm, "rng") == {"requests": 1, "bytes": 0, "timeouts": 1,
                                              "answers dropped": 0}
        conn, _ = server.accept()
        conn.sendall(bytes([0x5a]) * 4096)
        # The late answer frees the source: the shell's next request is
        # answered with the socket's bytes (busy until then).
        deadline = time.monotonic() + 10
        while True:
            answer = vm.shell("rng 8", timeout=10)
            if answer != "the random number source is busy\n":
                break
            assert time.monotonic() < deadline, "the late answer never freed the source"
        assert answer == "5a" * 8 + "\n"
        conn.close()
        # The late answer went nowhere: its process's wait had timed out.
        assert driver_counters(vm, "rng")["answers dropped"] == 1


def test_a_source_that_never_answers_times_out_and_its_late_answer_frees_it(boot, version,
                                                                          tmp_path):
    """An entropy source that never answers must not hang the shell. QEMU's
    virtio-rng draws here from an EGD socket that this test holds: it takes
    QEMU's requests and answers none until told to. `rng` then answers after
    its timeout (RNG_COMMANDS_TIMEOUT_MS, 5 s) with the prompt back; the
    request stays with the device, so a second `rng` is refused as busy;
    once the socket answers, the late bytes are dropped and said so, and the
    next `rng` gets the socket's bytes."""
    with silent_egd(tmp_path) as (server, args):
        vm = boot(extra_args=args)
        vm.wait_shell()
        vm.wait_for(r"^virtio-rng: ..:..\.. on vector ")
        started = time.monotonic()
        assert vm.shell("rng 16", timeout=30) == (
            "rng: no answer from the random number source in 5000 ms; "
            "it stays busy until it answers\n")
        assert time.monotonic() - started >= 4.5  # the guest's 5 s, give or take its clock's error
        assert vm.shell("version") == f"knock {version}\n"
        assert vm.shell("rng 16") == "the random number source is busy\n"
        # Now the source answers: a pattern, so its bytes are recognisable.
        conn, _ = server.accept()
        pos = len(vm.log)
        conn.sendall(bytes([0xa5]) * 4096)
        vm.wait_for(r"rng: the source answered late \(16 bytes, dropped\); it is free again",
                    pos=pos, whole_lines=False)
        vm.wait_for(re.escape(PROMPT) + "$", pos=pos, whole_lines=False)
        assert vm.shell("rng 16") == "a5" * 16 + "\n"
        conn.close()
