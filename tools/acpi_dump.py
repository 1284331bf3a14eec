#!/usr/bin/python3
"""Dump QEMU's ACPI tables into unit-test fixtures.

    tools/acpi_dump.py [--iso build/knock.iso] [--out tests/data/acpi]
                       [--machine pc --machine q35]

Boots the ISO once per machine (-smp 2, so the MADT lists two CPUs) with
the kernel option acpi=dump, which makes chips/x86_64/acpi.c print every
table it trusts as lines

    acpidump: <SIG> <length> 0x<physical address> <offset> <hex bytes>

reassembles each table, checks it is complete and its checksum is right,
and writes, for each machine M:

    M-rsdp.bin               the RSDP (20 bytes for ACPI 1.0, else 36)
    M-rsdt.bin / M-xsdt.bin  the root table
    M-madt.bin, M-fadt.bin   the MADT ("APIC") and FADT ("FACP")
    M-<sig>.bin              every other table the root lists (small)
    M-tables.txt             signature, physical address, length and file of
                             each, so tests/unit/test_acpi.c can put every
                             table back at its address and walk from the RSDP

The files are committed; run this again only to refresh them (for another
QEMU version, say) and commit the result with the tests that read it.
"""
import argparse
import os
import re
import subprocess
import sys
import time

LINE = re.compile(r"^acpidump: (\S+) (\d+) 0x([0-9a-f]+) ([0-9a-f]{4,}) ([0-9a-f]*)$")
READY = "ready on the pc board"
FILE_NAMES = {"APIC": "madt", "FACP": "fadt", "RSDP": "rsdp", "RSDT": "rsdt", "XSDT": "xsdt"}


def boot(qemu, iso, machine, timeout):
    """Boot the ISO with acpi=dump; return the serial output's lines."""
    cmd = [qemu, "-machine", machine, "-smp", "2", "-m", "128", "-cdrom", iso,
           "-boot", "d", "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-no-reboot", "-fw_cfg", "name=opt/knock/cmdline,string=acpi=dump"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    os.set_blocking(proc.stdout.fileno(), False)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and READY.encode() not in out:
            if proc.poll() is not None:
                out += proc.stdout.read() or b""
                break
            chunk = proc.stdout.read()
            if chunk:
                out += chunk
            else:
                time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    text = out.decode("utf-8", "replace").replace("\r", "")
    if READY not in text:
        sys.exit(f"acpi_dump: {machine}: no '{READY}' within {timeout} s; serial output:\n{text}")
    return text.splitlines()


def collect(lines, machine):
    """{(sig, address): bytes} from the acpidump lines, each table checked."""
    parts = {}
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        sig, length, addr, offset, data = m.groups()
        key = (sig, int(addr, 16))
        length = int(length)
        entry = parts.setdefault(key, {"length": length, "bytes": {}})
        chunk = bytes.fromhex(data)
        for i, b in enumerate(chunk):
            entry["bytes"][int(offset, 16) + i] = b
    tables = {}
    for (sig, addr), entry in parts.items():
        length = entry["length"]
        missing = [i for i in range(length) if i not in entry["bytes"]]
        if missing:
            sys.exit(f"acpi_dump: {machine}: {sig} at {addr:#x}: {len(missing)} of "
                     f"{length} bytes missing (first at offset {missing[0]})")
        data = bytes(entry["bytes"][i] for i in range(length))
        summed = data[:20] if sig == "RSDP" else data
        if sum(summed) % 256:
            sys.exit(f"acpi_dump: {machine}: {sig} at {addr:#x}: checksum is wrong")
        tables[(sig, addr)] = data
    for needed in ("RSDP", "APIC", "FACP"):
        if not any(sig == needed for sig, _ in tables):
            sys.exit(f"acpi_dump: {machine}: no {needed} in the dump")
    if not any(sig in ("RSDT", "XSDT") for sig, _ in tables):
        sys.exit(f"acpi_dump: {machine}: no RSDT or XSDT in the dump")
    return tables


def write(tables, machine, out_dir, qemu_version):
    os.makedirs(out_dir, exist_ok=True)
    manifest = [f"# {machine}: written by tools/acpi_dump.py from {qemu_version}",
                "# signature physical-address length file"]
    used = set()
    for (sig, addr), data in sorted(tables.items(), key=lambda t: t[0][1]):
        base = FILE_NAMES.get(sig, re.sub(r"[^a-z0-9]", "_", sig.lower()))
        name = f"{machine}-{base}.bin"
        if name in used:  # a second table of one kind (SSDTs): add its address
            name = f"{machine}-{base}-{addr:x}.bin"
        used.add(name)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        manifest.append(f"{sig} {addr:#x} {len(data)} {name}")
        print(f"acpi_dump: {machine}: {sig} at {addr:#x}, {len(data)} bytes -> {name}")
    with open(os.path.join(out_dir, f"{machine}-tables.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iso", default="build/knock.iso")
    ap.add_argument("--out", default="tests/data/acpi")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--machine", action="append", help="default: pc and q35")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()
    if not os.path.exists(args.iso):
        sys.exit(f"acpi_dump: {args.iso} does not exist; build it with `make iso`")
    version = subprocess.run([args.qemu, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    for machine in args.machine or ["pc", "q35"]:
        tables = collect(boot(args.qemu, args.iso, machine, args.timeout), machine)
        write(tables, machine, args.out, version)


if __name__ == "__main__":
    main()
