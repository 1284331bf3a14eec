"""Tests of tools/text_map.py against real links: two small objects built
and linked as the kernel is (-ffunction-sections, --gc-sections, -Map),
the map's sums checked against the function sizes `nm` reads from the
linked ELF's symbol table, which the map parser never sees."""
import importlib.util
import pathlib
import subprocess

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[1] / "text_map.py"
REPO = TOOL.parents[1]
spec = importlib.util.spec_from_file_location("text_map", TOOL)
text_map = importlib.util.module_from_spec(spec)
spec.loader.exec_module(text_map)

# A name long enough that ld puts the section's name on a line of its own.
LONG = "a_function_whose_name_is_long_enough_to_wrap_the_map_line"

SOURCES = {
    "kernel/alpha.c": f"""
        int alpha_used(int x) {{ return x * 3 + 1; }}
        int alpha_dropped(int x) {{ return x * 5 + alpha_used(x); }}
        int {LONG}(int x) {{ int s = 0; for (int i = 0; i < x; i++) s += i * x; return s; }}
    """,
    "capsules/lab/beta.c": f"""
        int alpha_used(int x);
        int {LONG}(int x);
        void _start(void) {{ volatile int r = alpha_used(2) + {LONG}(3); (void)r; for (;;) {{}} }}
    """,
}


def build(tmp_path):
    objects = []
    for name, text in SOURCES.items():
        src = tmp_path / "src" / name
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text)
        obj = tmp_path / "build" / "k" / pathlib.Path(name).with_suffix(".o")
        obj.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-c", "-O1", "-ffreestanding", "-fno-pic", "-ffunction-sections",
                        "-falign-functions=16", str(src), "-o", str(obj)], check=True)
        objects.append(obj)
    elf, map_path = tmp_path / "out.elf", tmp_path / "out.map"
    subprocess.run(["ld", "-static", "-nostdlib", "--gc-sections", "-e", "_start",
                    f"-Map={map_path}", "-o", str(elf), *map(str, objects)], check=True)
    return elf, map_path, objects


def nm_sizes(elf):
    """{function: size} from the linked ELF's symbol table."""
    out = subprocess.run(["nm", "-S", str(elf)], check=True, capture_output=True, text=True)
    sizes = {}
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in "tT":
            sizes[fields[3]] = int(fields[1], 16)
    return sizes


def test_sums_match_the_symbol_table_and_dropped_code_is_left_out(tmp_path):
    elf, map_path, (alpha, beta) = build(tmp_path)
    sizes, section = text_map.text_by_object(map_path.read_text())
    functions = nm_sizes(elf)
    assert "alpha_dropped" not in functions, "the test needs --gc-sections to drop it"
    assert LONG in functions
    assert f" .text.{LONG}\n" in map_path.read_text(), "the long name did not wrap"
    assert sizes == {str(alpha): functions["alpha_used"] + functions[LONG],
                     str(beta): functions["_start"]}
    assert section >= sum(sizes.values())


def test_directories_keep_lab_wings_apart():
    sizes = {"build/k/kernel/loop.o": 10, "build/k/kernel/lab/probe.o": 1,
             "build/k/chips/x86_64/lapic.o": 20, "build/k/chips/x86_64/lab/world.o": 2,
             "build/k/board/pc/main.o": 30, "build/k/top_halves.o": 3}
    assert text_map.by_directory(sizes) == {
        "board/pc": 30, "chips/x86_64": 20, "kernel": 10, "generated": 3,
        "chips/x86_64/lab": 2, "kernel/lab": 1}


def test_a_file_that_is_not_a_map_is_refused(tmp_path):
    with pytest.raises(text_map.MapError):
        text_map.text_by_object("just some text\n")
    bad = tmp_path / "bad.map"
    bad.write_text("nothing\n")
    assert text_map.main([str(bad)]) == 1


def test_the_kernels_own_map_accounts_for_its_text():
    """The map make writes beside build/knock.elf: its code and the
    alignment make up .text exactly (skipped before a build)."""
    map_path = REPO / "build" / "knock.map"
    if not map_path.exists():
        pytest.skip("build/knock.map not built")
    sizes, section = text_map.text_by_object(map_path.read_text())
    assert 0 < section - sum(sizes.values()) < 4096 + 16 * len(sizes)
    assert "build/k/kernel/loop.o" in sizes
    assert not any("/lab/" in obj for obj in sizes), "lab code in the product image"
