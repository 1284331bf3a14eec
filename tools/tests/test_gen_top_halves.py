"""Tests of tools/gen_top_halves.py: the table checks, the stamp layout read
from kernel/cpu.h, and the order of the stamped stubs (the stamp is stored
before the bit is set, so the loop never sees a bit with an older stamp).
tests/e2e/test_top_halves.py checks the assembled stubs in the real ELF."""
import importlib.util
import pathlib
import subprocess
import sys

import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[1]
REPO = TOOLS.parent
GEN = TOOLS / "gen_top_halves.py"

spec = importlib.util.spec_from_file_location("gen_top_halves", GEN)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

ROWS = [("TIMER", "timer", 0x40, 0, -1, -1), ("KEYBOARD", "keyboard", 0x41, 1, 1, 0)]
LAB_ROWS = [("STORM", "storm", 0x43, 3, -1, -1)]
CPU_H = "#define CPU_PENDING_OFFSET 0\n#define CPU_IRQ_STAMPS 8\n#define CPU_IRQ_STAMP_OFFSET 48\n"


def stub(asm, label):
    """The instruction lines of one stub in the generated source."""
    lines = asm.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{label}:"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        body.append(line.split(";")[0].strip())
    return body


def test_cpu_layout_is_read_from_the_header():
    assert gen.cpu_layout(CPU_H) == (48, 8)
    with pytest.raises(ValueError, match="CPU_IRQ_STAMP_OFFSET"):
        gen.cpu_layout("#define CPU_IRQ_STAMPS 8\n")


def test_the_real_cpu_header_has_the_layout():
    offset, stamps = gen.cpu_layout((REPO / "kernel" / "cpu.h").read_text())
    assert offset % 8 == 0 and stamps > 0


def test_a_bit_without_a_stamp_slot_is_refused():
    rows = ROWS + [("COM9", "com9", 0x49, 8, 4, 0)]
    assert any("no irq_stamp slot" in e for e in gen.check(rows, stamps=8))
    assert gen.check(ROWS, stamps=8) == []


def test_the_cpu_column_is_read_and_checked():
    assert gen.parse('X(COM1, "com1", 0x42, 2, 4, 1)') == [("COM1", "com1", 0x42, 2, 4, 1)]
    assert gen.check(ROWS + [("COM1", "com1", 0x42, 2, 4, 63)], stamps=8) == []
    local = gen.check(ROWS + [("LOCAL", "local", 0x42, 2, -1, 0)], stamps=8)
    assert any("local: a local source" in e for e in local), local
    far = gen.check(ROWS + [("COM1", "com1", 0x42, 2, 4, 64)], stamps=8)
    assert any("com1: CPU 64 outside 0-63" in e for e in far), far
    none = gen.check(ROWS + [("COM1", "com1", 0x42, 2, 4, -1)], stamps=8)
    assert any("com1: CPU -1 outside" in e for e in none), none


def test_a_row_without_the_cpu_column_fails_the_build(tmp_path):
    old = tmp_path / "old.h"
    old.write_text('#define BOARD_INTERRUPTS(X) \\\n\tX(TIMER, "timer", 0x40, 0, -1, -1) \\\n'
                   '\tX(COM1, "com1", 0x42, 2, 4)\n')
    r = subprocess.run([sys.executable, str(GEN), str(old), "-o", str(tmp_path / "o.asm")],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert 'not a row of six columns' in r.stderr and 'X(COM1, "com1", 0x42, 2, 4)' in r.stderr


def test_plain_stub_is_three_instructions():
    asm = gen.emit(ROWS, "test", stamp_offset=48)
    assert stub(asm, "top_half_keyboard") == [
        "lock bts qword [gs:CPU_PENDING_OFFSET], 1",
        "mov dword [abs LAPIC_EOI_HIGH], 0",
        "iretq"]


def test_x2apic_stub_knocks_first_then_writes_the_eoi_msr():
    asm = gen.emit(ROWS, "test", stamp_offset=48)
    assert "MSR_X2APIC_EOI equ 0x80b" in asm
    assert stub(asm, "x2apic_top_half_keyboard") == [
        "lock bts qword [gs:CPU_PENDING_OFFSET], 1",
        "push rax", "push rcx", "push rdx",
        "mov ecx, MSR_X2APIC_EOI", "xor eax, eax", "xor edx, edx", "wrmsr",
        "pop rdx", "pop rcx", "pop rax",
        "iretq"]
    assert asm.index("dq 0x41, x2apic_top_half_keyboard") > asm.index("x2apic_top_half_table:")
    assert "x2apic_top_half_count:\n\tdq 2" in asm
    lab = gen.emit_lab(ROWS, LAB_ROWS, "test", stamp_offset=48)
    assert stub(lab, "x2apic_top_half_storm")
    assert "x2apic_top_half_timer:" not in lab
    assert lab.index("dq 0x43, x2apic_top_half_storm") > lab.index("lab_x2apic_top_half_table:")


def test_user_stub_swaps_gs_then_knocks_and_leaves_for_the_loop():
    asm = gen.emit(ROWS, "test", stamp_offset=48)
    assert stub(asm, "user_top_half_keyboard") == [
        "swapgs",
        "lock bts qword [gs:CPU_PENDING_OFFSET], 1",
        "mov dword [abs LAPIC_EOI_HIGH], 0",
        "jmp user_knocked"]
    assert asm.index("dq 0x41, user_top_half_keyboard") > asm.index("user_top_half_table:")
    assert "user_top_half_count:\n\tdq 2" in asm
    assert "user_top_half_" not in gen.emit_lab(ROWS, LAB_ROWS, "test", stamp_offset=48)


def test_the_product_file_has_no_stamped_stubs():
    asm = gen.emit(ROWS, "test", stamp_offset=48)
    assert "stamped" not in asm and "storm" not in asm


def test_stamped_stub_stores_the_stamp_before_it_knocks():
    asm = gen.emit_lab(ROWS, LAB_ROWS, "test", stamp_offset=48)
    assert "CPU_IRQ_STAMP_OFFSET equ 48" in asm
    body = stub(asm, "top_half_stamped_keyboard")
    assert body[:2] == ["push rax", "push rdx"]
    store = body.index("mov [gs:CPU_IRQ_STAMP_OFFSET + 8], rax")
    knock = body.index("lock bts qword [gs:CPU_PENDING_OFFSET], 1")
    assert body.index("rdtsc") < store < knock
    assert body.index("inc qword [gs:CPU_IRQ_ENTERED_OFFSET + 8]") < knock
    assert body[-4:] == ["pop rdx", "pop rax", "mov dword [abs LAPIC_EOI_HIGH], 0", "iretq"]
    assert not any(line.startswith(("call", "jmp", "j")) for line in body)


def test_stamped_stub_counts_coalescing_from_the_carry_of_its_knock():
    """Between `lock bts` and the first instruction that writes the flags,
    the carry is the old bit: only when it was clear (cmovnc) does the
    first stamp move to irq_first_prev and the new one take its place, and
    the carry itself is added to irq_found_set."""
    counters = {"CPU_IRQ_ENTERED_OFFSET": 100, "CPU_IRQ_FOUND_SET_OFFSET": 200,
                "CPU_IRQ_FIRST_OFFSET": 300, "CPU_IRQ_FIRST_PREV_OFFSET": 400}
    asm = gen.emit_lab(ROWS, LAB_ROWS, "test", stamp_offset=48, counters=counters)
    for name, offset in counters.items():
        assert f"{name} equ {offset}" in asm
    body = stub(asm, "top_half_stamped_keyboard")
    knock = body.index("lock bts qword [gs:CPU_PENDING_OFFSET], 1")
    after = body[knock + 1:]
    assert after[:9] == ["mov rdx, [gs:CPU_IRQ_FIRST_PREV_OFFSET + 8]",
                         "cmovnc rdx, [gs:CPU_IRQ_FIRST_OFFSET + 8]",
                         "mov [gs:CPU_IRQ_FIRST_PREV_OFFSET + 8], rdx",
                         "mov rdx, [gs:CPU_IRQ_FIRST_OFFSET + 8]", "cmovnc rdx, rax",
                         "mov [gs:CPU_IRQ_FIRST_OFFSET + 8], rdx", "setc al",
                         "movzx eax, al", "add [gs:CPU_IRQ_FOUND_SET_OFFSET + 8], rax"]


def test_the_counter_offsets_are_read_from_the_cpu_header():
    got = gen.cpu_counters((REPO / "kernel" / "cpu.h").read_text())
    assert set(got) == set(gen.COUNTERS) and all(v % 8 == 0 for v in got.values())
    with pytest.raises(ValueError):
        gen.cpu_counters("#define CPU_IRQ_ENTERED_OFFSET 8\n")


def test_the_tables_list_every_row_in_order():
    asm = gen.emit(ROWS, "test", stamp_offset=48)
    plain = asm.index("top_half_table:")
    assert asm.index("dq 0x40, top_half_timer") > plain
    assert asm.index("dq 0x41, top_half_keyboard") > asm.index("dq 0x40, top_half_timer")
    assert "top_half_count:\n\tdq 2" in asm
    lab = gen.emit_lab(ROWS, LAB_ROWS, "test", stamp_offset=48)
    assert stub(lab, "top_half_storm") and "top_half_timer:" not in lab
    assert lab.index("dq 0x43, top_half_storm") > lab.index("lab_top_half_table:")
    stamped = lab.index("top_half_stamped_table:")
    assert lab.index("dq 0x40, top_half_stamped_timer") > stamped
    assert lab.index("dq 0x41, top_half_stamped_keyboard") > \
        lab.index("dq 0x40, top_half_stamped_timer")
    assert lab.index("dq 0x43, top_half_stamped_storm") > \
        lab.index("dq 0x41, top_half_stamped_keyboard")
    assert "top_half_stamped_count:\n\tdq 3" in lab


def test_command_line_assembles_with_nasm(tmp_path):
    out = tmp_path / "top_halves.asm"
    subprocess.run([sys.executable, str(GEN), str(REPO / "board" / "pc" / "interrupts.h"),
                    "--cpu-header", str(REPO / "kernel" / "cpu.h"), "-o", str(out)],
                   check=True)
    subprocess.run(["nasm", "-f", "elf64", str(out), "-o", str(tmp_path / "t.o")], check=True)


def test_lab_command_line_assembles_and_refuses_a_clash(tmp_path):
    out = tmp_path / "lab.asm"
    subprocess.run([sys.executable, str(GEN), str(REPO / "board" / "pc" / "interrupts.h"),
                    "--lab", str(REPO / "board" / "pc" / "lab" / "interrupts.h"),
                    "--cpu-header", str(REPO / "kernel" / "cpu.h"), "-o", str(out)], check=True)
    subprocess.run(["nasm", "-f", "elf64", str(out), "-o", str(tmp_path / "t.o")], check=True)
    clash = tmp_path / "clash.h"
    clash.write_text('X(OOPS, "oops", 0x41, 9, -1, -1)\n')
    r = subprocess.run([sys.executable, str(GEN), str(REPO / "board" / "pc" / "interrupts.h"),
                        "--lab", str(clash), "-o", str(tmp_path / "o.asm")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "vector 65 already used by keyboard" in r.stderr, r.stderr


def test_a_header_without_the_layout_fails_the_build(tmp_path):
    header = tmp_path / "cpu.h"
    header.write_text("struct cpu;\n")
    r = subprocess.run([sys.executable, str(GEN), str(REPO / "board" / "pc" / "interrupts.h"),
                        "--cpu-header", str(header), "-o", str(tmp_path / "o.asm")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "CPU_IRQ_STAMP_OFFSET" in r.stderr


def test_level_rows_mask_their_ioapic_entry_before_the_eoi():
    text = ('#define BOARD_INTX_LINES(L) \\\n\tL(INTX11, "intx11", 0x5b, 10, 11)\n')
    rows, level = gen.parse_level(text)
    assert rows == [("INTX11", "intx11", 0x5b, 10, -1, -1)] and level == {"intx11": 11}
    asm = gen.emit(ROWS + rows, "test", stamp_offset=48, level=level)
    stub = asm.split("top_half_intx11:")[1].split("align 16")[0].strip().splitlines()[1:]
    assert [l.split(";")[0].strip() for l in stub] == [
        "lock bts qword [gs:CPU_PENDING_OFFSET], 10",
        "mov dword [abs IOAPIC_REGSEL_HIGH], 0x26",
        "or dword [abs IOAPIC_WIN_HIGH], 0x10000",
        "mov dword [abs LAPIC_EOI_HIGH], 0",
        "iretq"]
    # The other rows are untouched: three instructions.
    timer = asm.split("top_half_timer:")[1].split("align 16")[0].strip().splitlines()[1:]
    assert len(timer) == 3
    lab = gen.emit_lab(ROWS + rows, LAB_ROWS, "test", stamp_offset=48, level=level)
    stamped = lab.split("top_half_stamped_intx11:")[1].split("align 16")[0]
    assert "IOAPIC_REGSEL_HIGH], 0x26" in stamped
    assert stamped.index("IOAPIC_WIN_HIGH") < stamped.index("LAPIC_EOI_HIGH")


def test_a_level_row_beyond_the_first_ioapic_or_with_a_column_missing_is_refused(tmp_path):
    assert gen.check_level({"intx30": 30}) == [
        "intx30: GSI 30 beyond the first IOAPIC's 24 entries"]
    bad = tmp_path / "bad.h"
    bad.write_text('#define BOARD_INTERRUPTS(X) \\\n\tX(TIMER, "timer", 0x40, 0, -1, -1)\n'
                   '#define BOARD_INTX_LINES(L) \\\n\tL(INTX11, "intx11", 0x5b, 10)\n')
    r = subprocess.run([sys.executable, str(GEN), str(bad), "-o", str(tmp_path / "o.asm")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and 'L(INTX11, "intx11", 0x5b, 10)' in r.stderr, r.stderr
