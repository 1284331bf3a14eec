"""The block device from a process (capsules/block_driver.c, driver 0x3,
docs/processes.md): the app `blkread` reads a disk the test wrote with
known bytes, through the system calls, 4 KiB at a time, and prints the
CRC-32 of what it read; the host computes zlib.crc32 over the same bytes.
The shell's `blk` still works beside the driver (the driver passes the
shell's buffers on). Without a disk, the driver does not exist: NODEVICE.
"""
import random
import re
import zlib

from test_processes import driver_counters

SECTOR = 512
SECTORS = 301  # not a multiple of the app's 8-sector reads: the last read is 5


def drive(path, readonly=False):
    ro = ",readonly=on" if readonly else ""
    return ["-drive", f"file={path},format=raw,if=none,id=d0{ro}",
            "-device", "virtio-blk-pci,drive=d0"]


def make_image(path):
    rnd = random.Random(16)
    data = bytes(rnd.getrandbits(8) for _ in range(SECTORS * SECTOR))
    path.write_bytes(data)
    return data


def test_blkread_reads_the_disk(boot, tmp_path):
    img = tmp_path / "disk.img"
    data = make_image(img)
    vm = boot(testapps=True, cmdline="apps=blkread", extra_args=drive(img, readonly=True))
    first = " ".join(f"{b:02x}" for b in data[:8])
    m = vm.wait_for(r"blkread: (\d+) sectors of (\d+), crc32 0x([0-9a-f]{8}), first bytes "
                    r"([0-9a-f ]+)$", timeout=60)
    assert m.group(1) == str(SECTORS) and m.group(2) == str(SECTORS), m.group(0)
    assert int(m.group(3), 16) == zlib.crc32(data), m.group(0)
    assert m.group(4) == first, m.group(0)
    vm.wait_for(r"process blkread: exited with 0")
    # The shell's blk is still the device's client through the driver.
    vm.wait_shell()
    # The app's reads, of 8 sectors and a last of 5; the shell's reads,
    # below, go to the device, not through the driver.
    assert driver_counters(vm, "block") == {"reads": (SECTORS + 7) // 8, "sectors": SECTORS,
                                            "errors": 0, "reads dropped": 0}
    answer = vm.shell(f"blk crc 0 {SECTORS}", timeout=60)
    assert answer == f"crc32 0x{zlib.crc32(data):08x} over {SECTORS} sectors from LBA 0\n", \
        answer
    # Again, with the shell's CRC typed while the app reads: the two
    # clients' requests share the device, each gets its own sectors (the
    # app's line and the shell's answer may come in either order).
    pos = len(vm.log)
    assert vm.shell("restart blkread") == "restarted blkread\n"
    vm.serial_write(f"blk crc 0 {SECTORS}\r")
    m = vm.wait_for(r"blkread: (\d+) sectors of \d+, crc32 0x([0-9a-f]{8})", timeout=60, pos=pos,
                    whole_lines=False)
    assert m.group(1) == str(SECTORS) and int(m.group(2), 16) == zlib.crc32(data), m.group(0)
    vm.wait_for(rf"crc32 0x{zlib.crc32(data):08x} over {SECTORS} sectors from LBA 0", timeout=60,
                pos=pos, whole_lines=False)
    vm.wait_for(r"process blkread: exited with 0", pos=pos)
    assert "faulted" not in vm.log and "PANIC" not in vm.log


def test_blkread_without_a_disk(boot):
    vm = boot(testapps=True, cmdline="apps=blkread")
    vm.wait_for(r"^virtio-blk: no device$")
    vm.wait_for(r"blkread: no disk \(error 11\)$")  # NODEVICE
    vm.wait_for(r"process blkread: exited with 1")
    vm.wait_shell()
    assert vm.shell("version").startswith("knock ")


def test_reader_beside_a_hammer_and_kills_with_reads_out(boot, tmp_path):
    """blkloop reads without end, so it always has a read queued or out:
    blkread still finishes (reads are served oldest first, the hammer
    cannot take every turn), and killing blkloop while it reads, again
    and again, hurts nothing: no fault, no panic, and the next reads (the
    app's and the shell's) still get the host's bytes. (Whether a kill
    lands with the read out is the host's timing; blkfault below makes
    sure of that case.)"""
    img = tmp_path / "disk.img"
    data = make_image(img)
    want = zlib.crc32(data)
    vm = boot(testapps=True, cmdline="apps=blkloop:blkread", extra_args=drive(img))
    starts = "blkloop: reading, LBA 0 starts " + " ".join(f"{b:02x}" for b in data[:4])
    vm.wait_for(re.escape(starts), whole_lines=False)
    m = vm.wait_for(r"blkread: \d+ sectors of \d+, crc32 0x([0-9a-f]{8})", timeout=60)
    assert int(m.group(1), 16) == want, m.group(0)
    vm.wait_shell()
    for _ in range(5):
        pos = len(vm.log)
        assert vm.shell("kill blkloop") == "killed blkloop\n"
        assert vm.shell("restart blkloop") == "restarted blkloop\n"
        vm.wait_for(re.escape(starts), pos=pos, whole_lines=False)
    pos = len(vm.log)
    assert vm.shell("restart blkread") == "restarted blkread\n"
    m = vm.wait_for(r"blkread: \d+ sectors of \d+, crc32 0x([0-9a-f]{8})", timeout=60, pos=pos,
                    whole_lines=False)
    assert int(m.group(1), 16) == want, m.group(0)
    vm.wait_for(r"process blkread: exited with 0", pos=pos)
    assert vm.shell("kill blkloop") == "killed blkloop\n"
    answer = vm.shell(f"blk crc 0 {SECTORS}", timeout=60)
    assert f"crc32 0x{want:08x} over {SECTORS} sectors from LBA 0\n" in answer, answer
    # blkloop checks every read against its first ("read N differs"/"failed").
    assert not re.search(r"blkloop: read \d+ ", vm.log), vm.log
    assert "faulted" not in vm.log and "PANIC" not in vm.log, vm.log


def test_process_dying_with_its_read_out(boot, tmp_path):
    """blkfault asks for a read of LBA 8 and faults at once, so it dies
    with the read out; procfault=restart:9 starts it again in the same
    slot, whose first read, of LBA 0, into the same buffer, must give LBA
    0's bytes every time, never the dead run's LBA 8. QEMU throttles the
    disk to 10 requests a second, so every read takes about 100 ms and the
    one a run dies with is still out when its process is gone: it comes
    back to nobody and is logged as dropped. The kernel goes on: no panic,
    and the shell's `blk crc` still gets the host's CRC."""
    img = tmp_path / "disk.img"
    data = make_image(img)
    disk = drive(img)
    disk[1] += ",throttling.iops-total=10"
    vm = boot(testapps=True, cmdline="apps=blkfault procfault=restart:9", extra_args=disk)
    vm.wait_for(r"policy: restart, but it restarted 9 times: stopped", timeout=60)
    lines = re.findall(r"blkfault: LBA 0 starts ([0-9a-f ]+) \(error (\d+)\)", vm.log)
    want = " ".join(f"{b:02x}" for b in data[:4])
    assert lines == [(want, "0")] * 10, lines
    assert "refused" not in vm.log
    # Each run's LBA 8 comes back to nobody (the last one maybe only now).
    # The first run's may not: QEMU's throttle lets the first requests of
    # a quiet disk through at once, and then the read can finish before
    # the fault. Every later run's is throttled.
    dropped, pos = [], 0
    for _ in range(9):
        m = vm.wait_for(r"block: read of LBA (\d+) came back for a process that is gone: dropped",
                        timeout=30, pos=pos, whole_lines=False)
        dropped.append(m.group(1))
        pos = m.end()
    assert dropped == ["8"] * 9, dropped
    assert len(re.findall(r"came back for a process that is gone", vm.log)) in (9, 10)
    vm.wait_shell()
    m = re.search(r"^blkfault +(\w+) +\d+ +\d+ +\d+ +(\d+) +(\d+) ", vm.shell("ps"), re.M)
    assert m and m.groups() == ("faulted", "10", "9"), vm.log
    # (The last run's read may come back during these: its line may sit in
    # an answer.)
    answer = vm.shell(f"blk crc 0 {SECTORS}", timeout=60)
    assert f"crc32 0x{zlib.crc32(data):08x} over {SECTORS} sectors from LBA 0\n" in answer, answer
    assert "PANIC" not in vm.log and "not sent" not in vm.log
