"""Tests of tools/acpi_dump.py's reassembly of "acpidump:" lines (no QEMU)."""
import importlib.util
import pathlib

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[1] / "acpi_dump.py"
spec = importlib.util.spec_from_file_location("acpi_dump", TOOL)
acpi_dump = importlib.util.module_from_spec(spec)
spec.loader.exec_module(acpi_dump)

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "acpi"


def lines_for(sig, addr, data, per_line=32):
    """What chips/x86_64/acpi.c prints for one table under acpi=dump."""
    return [f"acpidump: {sig} {len(data)} {addr:#x} {off:04x} {data[off:off + per_line].hex()}"
            for off in range(0, len(data), per_line)]


def machine_lines():
    madt = (FIXTURES / "pc-madt.bin").read_bytes()
    fadt = (FIXTURES / "pc-fadt.bin").read_bytes()
    rsdp = (FIXTURES / "pc-rsdp.bin").read_bytes()
    rsdt = (FIXTURES / "pc-rsdt.bin").read_bytes()
    return (["noise", "acpi: RSDP rev 0"] + lines_for("RSDP", 0x16d018, rsdp)
            + lines_for("RSDT", 0x7fe1b33, rsdt) + lines_for("FACP", 0x7fe19df, fadt)
            + lines_for("APIC", 0x7fe1a53, madt)), madt


def test_reassembles_tables_and_writes_manifest(tmp_path):
    lines, madt = machine_lines()
    tables = acpi_dump.collect(lines, "pc")
    assert tables[("APIC", 0x7fe1a53)] == madt
    acpi_dump.write(tables, "pc", str(tmp_path), "QEMU test")
    assert (tmp_path / "pc-madt.bin").read_bytes() == madt
    manifest = (tmp_path / "pc-tables.txt").read_text().splitlines()
    assert "APIC 0x7fe1a53 128 pc-madt.bin" in manifest
    assert "RSDT 0x7fe1b33 52 pc-rsdt.bin" in manifest


def test_missing_line_is_refused():
    lines, _ = machine_lines()
    lines = [l for l in lines if not l.startswith("acpidump: APIC 128 0x7fe1a53 0020")]
    with pytest.raises(SystemExit, match="APIC at 0x7fe1a53: 32 of 128 bytes missing"):
        acpi_dump.collect(lines, "pc")


def test_bad_checksum_is_refused():
    lines, madt = machine_lines()
    bad = bytearray(madt)
    bad[60] ^= 1
    lines = [l for l in lines if " APIC " not in l] + lines_for("APIC", 0x7fe1a53, bytes(bad))
    with pytest.raises(SystemExit, match="checksum is wrong"):
        acpi_dump.collect(lines, "pc")
