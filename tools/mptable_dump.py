#!/usr/bin/python3
"""Dump QEMU's Intel MultiProcessor Specification tables into unit-test fixtures.

    tools/mptable_dump.py [--iso build/knock.iso] [--out tests/data/mptable]
                          [--smp 1 --smp 2]

Boots the ISO once per CPU count on `-machine pc,acpi=off` (SeaBIOS builds
its MP table whether or not ACPI is on) and, once GRUB has handed over to
knock (SeaBIOS has finished by then), reads physical memory through QMP
`pmemsave`: the BIOS data area word at 0x40e (the EBDA's segment), the
EBDA's first KiB, the last KiB of base memory, the BIOS area
0xf0000-0xfffff, and the configuration table the "_MP_" floating pointer
names, wherever it is (SeaBIOS puts it in the F segment or in high RAM).

For each CPU count N it writes:

    pc-smpN-fseg.bin     the 64 KiB at 0xf0000
    pc-smpN-ebda.bin     the first KiB of the EBDA
    pc-smpN-basemem.bin  the last KiB of base memory (0x9fc00), if that is
                         not where the EBDA is
    pc-smpN-config.bin   the configuration table ("PCMP"), base table plus
                         extended table
    pc-smpN.txt          what each file is and its physical address, so
                         tests/unit/test_mptable.c can put the bytes back

The files are committed; run this again only to refresh them (for another
QEMU or SeaBIOS) and commit the result with the tests that read it.
"""
import argparse
import importlib.util
import os
import struct
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("knock_qemu",
                                               REPO / "tests" / "e2e" / "knock_qemu.py")
knock_qemu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(knock_qemu)

FSEG = 0xf0000
FSEG_BYTES = 0x10000
BASEMEM_LAST_KIB = 0x9fc00
KIB = 1024


def read_phys(k, tmpdir, address, length):
    path = os.path.join(tmpdir, f"mem-{address:x}-{length:x}.bin")
    k.qmp.command("pmemsave", {"val": address, "size": length, "filename": path})
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != length:
        sys.exit(f"mptable_dump: pmemsave of {length} bytes at {address:#x} gave {len(data)}")
    return data


def find_floating(fseg):
    """(offset, config address) of the first "_MP_" in the F segment whose
    checksum is good, or None."""
    for off in range(0, len(fseg) - 15, 16):
        if fseg[off:off + 4] == b"_MP_" and fseg[off + 8] == 1 and not sum(fseg[off:off + 16]) % 256:
            return off, struct.unpack_from("<I", fseg, off + 4)[0]
    return None


def dump(iso, smp, out_dir):
    name = f"pc-smp{smp}"
    with tempfile.TemporaryDirectory(prefix="mptable-dump-") as tmpdir, \
            knock_qemu.Knock(iso, machine="pc,acpi=off", smp=smp) as k:
        # The kernel's first line: SeaBIOS and GRUB are done, the tables
        # are final, and knock itself writes none of that memory.
        k.wait_for(r"knock \S+ starting on the pc board", timeout=knock_qemu.BOOT_TIMEOUT)
        k.qmp.command("stop")
        bda = read_phys(k, tmpdir, 0x400, 0x100)
        ebda = struct.unpack_from("<H", bda, 0x0e)[0] << 4
        fseg = read_phys(k, tmpdir, FSEG, FSEG_BYTES)
        files = [("fseg", FSEG, fseg)]
        if ebda:
            files.append(("ebda", ebda, read_phys(k, tmpdir, ebda, KIB)))
        if ebda != BASEMEM_LAST_KIB:
            files.append(("basemem", BASEMEM_LAST_KIB,
                          read_phys(k, tmpdir, BASEMEM_LAST_KIB, KIB)))
        found = None
        for _, base, data in files:
            hit = find_floating(data)
            if hit:
                found = (base + hit[0], hit[1])
                break
        if not found:
            sys.exit(f"mptable_dump: {name}: no _MP_ floating pointer in the EBDA, "
                     "base memory or the F segment")
        floating, config = found
        if not config:
            sys.exit(f"mptable_dump: {name}: the floating pointer at {floating:#x} names "
                     "no configuration table (a default configuration)")
        header = read_phys(k, tmpdir, config, 44)
        if header[:4] != b"PCMP":
            sys.exit(f"mptable_dump: {name}: no PCMP at {config:#x}")
        base_len, = struct.unpack_from("<H", header, 4)
        ext_len, = struct.unpack_from("<H", header, 40)
        table = read_phys(k, tmpdir, config, base_len + ext_len)
        if sum(table[:base_len]) % 256:
            sys.exit(f"mptable_dump: {name}: the configuration table's checksum is wrong")
        files.append(("config", config, table))
        version = knock_qemu.qemu_version()

    os.makedirs(out_dir, exist_ok=True)
    manifest = [f"# {name}: written by tools/mptable_dump.py from QEMU {version} "
                f"(-machine pc,acpi=off -smp {smp}, SeaBIOS)",
                f"# floating pointer at {floating:#x}",
                "# what physical-address length file"]
    for what, base, data in files:
        fname = f"{name}-{what}.bin"
        with open(os.path.join(out_dir, fname), "wb") as f:
            f.write(data)
        manifest.append(f"{what} {base:#x} {len(data)} {fname}")
        print(f"mptable_dump: {name}: {what} at {base:#x}, {len(data)} bytes -> {fname}")
    with open(os.path.join(out_dir, f"{name}.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iso", default=str(REPO / "build" / "knock.iso"))
    ap.add_argument("--out", default=str(REPO / "tests" / "data" / "mptable"))
    ap.add_argument("--smp", type=int, action="append", help="default: 1 and 2")
    args = ap.parse_args()
    if not os.path.exists(args.iso):
        sys.exit(f"mptable_dump: {args.iso} does not exist; build it with `make iso`")
    for smp in args.smp or [1, 2]:
        dump(args.iso, smp, args.out)


if __name__ == "__main__":
    main()
