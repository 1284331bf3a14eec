"""virtio-blk end to end, on pc and q35: the test writes a raw disk image
with known content; `blk` reports its capacity; `blk crc` over a range
gives the CRC Python's zlib.crc32 computes over the same bytes on the host
(capsules/crc32.c is zlib's CRC-32); `blk read` shows a sector's bytes;
`blk write` changes the sector the host then finds in the image once QEMU
has quit. The answers can only come through the queue's interrupt (the
driver never polls). Bad arguments and a machine without a disk get
one-line answers.
"""
import os
import re
import time
import zlib

import pytest

from knock_qemu import PROMPT

SECTOR = 512
SECTORS = 2048  # 1 MiB


def make_image(path):
    """Bytes no formula in knock produces: a seeded stream from os.urandom
    would do as well, but a fixed one makes a failure reproducible."""
    import random
    rnd = random.Random(15)
    data = bytes(rnd.getrandbits(8) for _ in range(SECTORS * SECTOR))
    path.write_bytes(data)
    return data


def drive(path):
    return ["-drive", f"file={path},format=raw,if=none,id=d0",
            "-device", "virtio-blk-pci,drive=d0"]


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_blk_crc_read_and_write(boot, machine, tmp_path):
    img = tmp_path / "disk.img"
    data = make_image(img)
    vm = boot(machine=machine, extra_args=drive(img))
    vm.wait_shell()
    vm.wait_for(r"^virtio-blk: ..:..\.. on vector 0x[0-9a-f]+, pending bit \d+; queue at "
                r"0x[0-9a-f]+$")

    info = vm.shell("blk", timeout=10)
    assert info.startswith(f"virtio-blk: {SECTORS} sectors of 512 bytes (1024 KiB)\n"), info
    assert re.search(r"taken 0x[0-9a-f]+ \([^)]*flush[^)]*version_1\)", info), info

    # The whole disk (256 reads of 4 KiB: more than the queue holds at
    # once), a range that starts and ends inside a 4 KiB piece, one sector.
    for lba, count in ((0, SECTORS), (3, 45), (SECTORS - 1, 1)):
        want = zlib.crc32(data[lba * SECTOR:(lba + count) * SECTOR])
        answer = vm.shell(f"blk crc {lba} {count}", timeout=60)
        assert answer == f"crc32 0x{want:08x} over {count} sectors from LBA {lba}\n", answer
    # The whole disk's 8 reads at a time met the driver's 5 slots: refused
    # for a full queue, the command went on from room().
    counters = re.search(r"^requests: (\d+) reads \((\d+) sectors\), .*; (\d+) refused for a "
                         r"full queue, (\d+) refused, (\d+) device errors$",
                         vm.shell("blk", timeout=10), re.M)
    assert counters, vm.log
    reads, sectors, full, refused, errors = map(int, counters.groups())
    assert reads == 256 + 6 + 1 and sectors == SECTORS + 45 + 1, counters.group(0)
    assert full > 0 and refused == 0 and errors == 0, counters.group(0)

    answer = vm.shell("blk read 7", timeout=10)
    lines = answer.splitlines()
    assert lines[0] == "LBA 7:", answer
    assert bytes.fromhex("".join(l.strip() for l in lines[1:])) == \
        data[7 * SECTOR:8 * SECTOR], answer

    pattern = "knock15"
    sector = (pattern * 100).encode()[:SECTOR]
    answer = vm.shell(f"blk write 100 {pattern}", timeout=10)
    assert answer == f"wrote LBA 100 (crc32 0x{zlib.crc32(sector):08x}), flushed\n", answer
    # Read back through the device, then by the host after QEMU has quit.
    answer = vm.shell("blk crc 100 1", timeout=10)
    assert answer == f"crc32 0x{zlib.crc32(sector):08x} over 1 sectors from LBA 100\n", answer
    vm.qmp.command("quit")
    vm.proc.wait(timeout=30)
    after = img.read_bytes()
    assert after[100 * SECTOR:101 * SECTOR] == sector
    assert after[:100 * SECTOR] == data[:100 * SECTOR]
    assert after[101 * SECTOR:] == data[101 * SECTOR:]


def test_blk_bad_arguments(boot, tmp_path):
    img = tmp_path / "disk.img"
    make_image(img)
    vm = boot(machine="q35", extra_args=drive(img))
    vm.wait_shell()
    usage = ("blk: usage: blk | blk read <lba> | blk crc <lba> <count> | "
             "blk write <lba> <pattern>\n")
    for line in ("blk frobnicate", "blk read", "blk crc 1", "blk write 1"):
        assert vm.shell(line) == usage, line
    assert vm.shell(f"blk read {SECTORS}") == \
        f"blk: LBA '{SECTORS}' is not a sector of this disk (0 to {SECTORS - 1})\n"
    assert vm.shell("blk read x") == \
        f"blk: LBA 'x' is not a sector of this disk (0 to {SECTORS - 1})\n"
    assert vm.shell(f"blk crc {SECTORS - 2} 3") == \
        f"blk: COUNT must be 1 to 2 sectors from LBA {SECTORS - 2}\n"
    assert vm.shell("blk crc 0 0") == f"blk: COUNT must be 1 to {SECTORS} sectors from LBA 0\n"
    # Still answering.
    assert vm.shell("blk crc 0 1", timeout=10).startswith("crc32 0x")


def test_blk_no_device(boot):
    vm = boot(machine="pc")
    vm.wait_shell()
    vm.wait_for(r"^virtio-blk: no device$")
    assert vm.shell("blk") == ("no block device on this machine (QEMU: -drive "
                               "file=IMG,format=raw,if=virtio)\n")


def test_blk_read_only(boot, tmp_path):
    img = tmp_path / "disk.img"
    make_image(img)
    vm = boot(machine="pc", extra_args=["-drive", f"file={img},format=raw,if=none,id=d0,"
                                        "readonly=on", "-device", "virtio-blk-pci,drive=d0"])
    vm.wait_shell()
    vm.wait_for(r"^virtio-blk: ready, 2048 sectors \(1024 KiB\), read-only, ")
    assert vm.shell("blk write 0 x") == "blk: the disk is read-only\n"
    assert vm.shell("blk crc 0 8", timeout=10).startswith("crc32 0x")


def test_blk_with_its_queue_above_4gib(boot, tmp_path):
    """-m 5G with dma=above4g: the queue and the request headers come from
    above 4 GiB, where the device reads and writes them as well."""
    img = tmp_path / "disk.img"
    data = make_image(img)
    vm = boot(machine="q35", memory_mib=5120, cmdline="dma=above4g", extra_args=drive(img))
    vm.wait_shell()
    m = vm.wait_for(r"^virtio-blk: ..:..\.. on vector 0x[0-9a-f]+, pending bit \d+; queue at "
                    r"0x([0-9a-f]+)$")
    assert int(m.group(1), 16) >= 1 << 32, m.group(0)
    answer = vm.shell(f"blk crc 0 {SECTORS}", timeout=60)
    assert answer == f"crc32 0x{zlib.crc32(data):08x} over {SECTORS} sectors from LBA 0\n"


def test_a_device_that_stops_answering_times_the_command_out(boot, tmp_path):
    """A disk that never answers must not hang the shell. QEMU's blkdebug
    driver, between the raw format and the image, suspends every read that
    reaches its breakpoint (HMP `qemu-io`, `break read_aio`) until it is
    resumed. `blk read` then answers after BLK_COMMANDS_TIMEOUT_MS (5 s)
    without an answer from the device, the prompt comes back, and blk is
    refused while the read is still the driver's; resumed, the device's
    late answer frees blk (a line says so) and the next read shows the
    sector."""
    img = tmp_path / "disk.img"
    data = make_image(img)
    vm = boot(extra_args=["-drive", f"if=none,id=d0,driver=raw,file.driver=blkdebug,"
                                    f"file.image.driver=file,file.image.filename={img}",
                          "-device", "virtio-blk-pci,drive=d0"])
    vm.wait_shell()
    vm.wait_for(r"^virtio-blk: ..:..\.. on vector ")
    vm.qmp.hmp('qemu-io d0 "break read_aio hold"')
    started = time.monotonic()
    assert vm.shell("blk read 1", timeout=30) == (
        "blk: no answer from the device in 5000 ms; the command is abandoned, and blk is "
        "busy until the device gives its requests back\n")
    assert time.monotonic() - started >= 4.5  # the guest's 5 s, give or take its clock's error
    assert vm.shell("blk read 2") == \
        "blk: the device still holds the abandoned command's requests\n"
    assert vm.shell("blk", timeout=10).startswith(f"virtio-blk: {SECTORS} sectors")
    pos = len(vm.log)
    vm.qmp.hmp('qemu-io d0 "remove_break hold"')
    vm.qmp.hmp('qemu-io d0 "resume hold"')
    vm.wait_for(r"blk: the device answered the abandoned command at last; blk is free again",
                pos=pos, whole_lines=False)
    vm.wait_for(re.escape(PROMPT) + "$", pos=pos, whole_lines=False)
    answer = vm.shell("blk read 2", timeout=10)
    shown = bytes.fromhex("".join(answer.splitlines()[1:]))
    assert shown == data[2 * SECTOR:3 * SECTOR], answer
