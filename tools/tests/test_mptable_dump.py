"""Tests of tools/mptable_dump.py's floating-pointer search (no QEMU)."""
import importlib.util
import pathlib

TOOL = pathlib.Path(__file__).resolve().parents[1] / "mptable_dump.py"
spec = importlib.util.spec_from_file_location("mptable_dump", TOOL)
mptable_dump = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mptable_dump)

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "mptable"


def test_finds_seabios_floating_pointer_in_the_committed_f_segment():
    fseg = (FIXTURES / "pc-smp1-fseg.bin").read_bytes()
    assert mptable_dump.find_floating(fseg) == (0x5bb0, 0xf5bc0)


def test_skips_a_bad_checksum_and_a_misaligned_copy():
    fseg = bytearray((FIXTURES / "pc-smp1-fseg.bin").read_bytes())
    good = bytes(fseg[0x5bb0:0x5bc0])
    fseg[0x5bb0 + 10] ^= 1
    assert mptable_dump.find_floating(bytes(fseg)) is None
    fseg[0x100 + 8:0x100 + 24] = good  # not on a 16-byte boundary
    assert mptable_dump.find_floating(bytes(fseg)) is None
    fseg[0x200:0x210] = good
    assert mptable_dump.find_floating(bytes(fseg)) == (0x200, 0xf5bc0)


def test_manifest_matches_the_files():
    for smp in (1, 2):
        lines = (FIXTURES / f"pc-smp{smp}.txt").read_text().splitlines()
        rows = [l.split() for l in lines if not l.startswith("#")]
        assert {r[0] for r in rows} >= {"fseg", "ebda", "config"}
        for what, addr, length, name in rows:
            assert (FIXTURES / name).stat().st_size == int(length), name
