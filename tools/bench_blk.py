#!/usr/bin/python3
"""The virtio-blk figures `make bench` counts on the shipped image, from
outside, like tools/bench_paths.py (run inside gdb by tools/bench.py):

  gdb -batch -nx -ex "python import sys; sys.argv = ['bench_blk.py', ISO, ELF]" \\
      -x tools/bench_blk.py

One boot of the ISO (default options) under -icount shift=0,sleep=off with
a 1 MiB raw disk on a virtio-blk-pci device (and nothing else: the disk's
queue claims the MSI pool's first row), gdb attached to QEMU's stub;
then `blk crc 0 8` typed on the serial line, one read request of 4 KiB,
single-stepped by tools/count_path.py:

  blk_read_instructions_per_4k  the request's guest instructions in the
      driver and its interrupt: the driver's read (the block HIL's read(),
      blk_read in capsules/virtio_blk.c) from its first instruction until
      it returns to its caller (the request is in the queue and the device
      notified); the queue's MSI-X top half; and the bit's loop client,
      virtio_blk_service, from its first instruction to the first
      instruction of the client's done() (capsules/blk_commands.c). Not
      counted: the caller's own work (parsing, the CRC, printing), the
      device's time (not guest instructions at all), and the loop's way
      from the interrupted code to the client (its dispatch, 15
      instructions, docs/interrupts.md; a wake-up from hlt when the CPU
      slept): while gdb steps the submit, QEMU's block layer finishes the
      read, so the completion interrupts the caller, not an idle CPU, and
      what the loop does after it is the caller's business.
  msix_top_half_instructions  on the way, the MSI-X top half from its first
      instruction until the interrupted code runs again (after its iretq).

Prints one JSON line.
"""
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import count_path as cp  # noqa: E402

COMMAND = b"blk crc 0 8\r"
DISK_BYTES = 1 << 20
SERVICE = "virtio_blk_service"  # the queue bit's loop client (MSI-X)
CAP = 20000
CLAIM = r"^msi: virtio-blk claims vector (0x[0-9a-f]+), pending bit (\d+) \((msix\d+)\)$"

ENDPOINTS = {
    "blk_read_instructions_per_4k": (
        "`blk crc 0 8` on serial, one 4 KiB read: the driver's read() (blk_read) from its "
        "first instruction to its return to the caller, plus the queue's MSI-X top half to "
        "its iretq, plus the bit's loop client virtio_blk_service from its first instruction "
        "to the first instruction of the client's done() (blk_commands.c); not counted: the "
        "caller's own work, the loop's dispatch of the bit and any wake-up from hlt"),
    "msix_top_half_instructions": (
        "from top_half_<pool row> (the disk's queue) until the interrupted code runs again"),
}


def eval_address(gdb, expression):
    return int(gdb.parse_and_eval(f"(unsigned long)({expression})"))


def measure(s, row):
    t, sym = s.target, s.symbols
    read = eval_address(s.gdb, "blk_cmds.blk->read")
    done = eval_address(s.gdb, "blk_cmds.client.done")
    service = sym.resolve(SERVICE)
    top_half = sym.resolve(f"top_half_{row}")
    s.stop_at(read, lambda: s.vm.serial_write(COMMAND))
    back = t.read_u64(t.register("rsp"))
    submit = cp.walk(t, cp.Reach("returned", [back]), cap=CAP, disasm=s.disasm,
                     describe=sym.describe)
    s.stop_at(top_half)
    idle, rip = s.interrupted_idle()
    knock = cp.walk(t, cp.Reach("top_half_return", [rip]), cap=CAP, disasm=s.disasm,
                    describe=sym.describe)
    # The caller's own work and the loop's way to the bit's client run on
    # a hardware breakpoint, not counted.
    s.stop_at(service)
    complete = cp.walk(t, cp.Reach("client", [done]), cap=CAP, disasm=s.disasm,
                       describe=sym.describe)
    s.settle()  # the command prints its CRC and the prompt
    return {
        "instructions": submit.steps + knock.steps + complete.steps,
        "submit": submit.steps, "top_half": knock.steps, "service_to_client": complete.steps,
        "completion_found_cpu_idle": idle,
        "profile": cp.profile(submit.trail + knock.trail + complete.trail, sym),
        "definition": ENDPOINTS["blk_read_instructions_per_4k"],
    }


def main():
    if len(sys.argv) != 3:
        print("usage: bench_blk.py ISO ELF (inside gdb)", file=sys.stderr)
        return 2
    iso, elf = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="knock-bench-blk-") as d:
        disk = os.path.join(d, "disk.img")
        with open(disk, "wb") as f:
            f.write(os.urandom(DISK_BYTES))
        drive = ["-drive", f"file={disk},format=raw,if=none,id=d0",
                 "-device", "virtio-blk-pci,drive=d0"]
        with cp.Session(iso, elf, extra_args=drive) as s:
            m = re.search(CLAIM, s.vm.log, re.M)
            if not m:
                raise cp.CountError(f"virtio-blk claimed no MSI vector:\n{s.vm.describe()}")
            row = m.group(3)
            blk = measure(s, row)
            qemu = s.kq.qemu_version()
    top = blk.pop("top_half")
    print(json.dumps({"blk_read_instructions_per_4k": blk,
                      "msix_top_half_instructions": {
                          "instructions": top, "row": row, "vector": m.group(1),
                          "definition": ENDPOINTS["msix_top_half_instructions"]},
                      "qemu": qemu, "icount": cp.ICOUNT}))
    return 0


if __name__ == "__main__":
    cp.gdb_script_main(main)
