"""Tests of tools/psf_to_c.py on small made-up PSF1 and PSF2 fonts."""
import gzip
import importlib.util
import os
import pathlib
import struct
import subprocess

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[1] / "psf_to_c.py"
REPO = TOOL.parents[1]
spec = importlib.util.spec_from_file_location("psf_to_c", TOOL)
psf_to_c = importlib.util.module_from_spec(spec)
spec.loader.exec_module(psf_to_c)

HEIGHT = 4
ASCII = range(0x20, 0x7F)


def glyph(i):
    """A distinct glyph for index i."""
    return bytes([(i + k) & 0xFF for k in range(HEIGHT)])


def psf1(order, extra=()):
    """A 256-glyph PSF1 font with a Unicode table: glyph i is for the code
    points order[i] (a list each); the rest map to nothing."""
    data = bytearray(b"\x36\x04" + bytes([psf_to_c.PSF1_MODEHASTAB, HEIGHT]))
    for i in range(256):
        data += glyph(i)
    for i in range(256):
        for code in (order[i] if i < len(order) else []):
            data += struct.pack("<H", code)
        if i in extra:  # a sequence, which the tool skips
            data += struct.pack("<HHH", psf_to_c.PSF1_STARTSEQ, 0x41, 0x301)
        data += struct.pack("<H", psf_to_c.PSF1_SEPARATOR)
    return bytes(data)


def reversed_ascii_order():
    """ASCII in reverse order from glyph 10 on, U+FFFD at glyph 3."""
    order = [[] for _ in range(256)]
    for n, code in enumerate(reversed(ASCII)):
        order[10 + n].append(code)
    order[3] = [0xFFFD]
    return order


def test_psf1_lookup_goes_through_the_unicode_table():
    order = reversed_ascii_order()
    font = psf_to_c.parse(gzip.compress(psf1(order, extra={12})))
    glyphs, fallback = psf_to_c.ascii_table(font)
    assert len(glyphs) == 95
    assert glyphs[0x7E - 0x20] == glyph(10)  # '~' is glyph 10
    assert glyphs[0] == glyph(10 + 94)  # ' ' is the last one
    assert fallback == glyph(3)


def test_fallback_is_question_mark_without_replacement_char():
    order = reversed_ascii_order()
    order[3] = []
    font = psf_to_c.parse(psf1(order))
    _, fallback = psf_to_c.ascii_table(font)
    assert fallback == glyph(10 + (0x7E - ord("?")))


def test_missing_ascii_glyph_is_an_error():
    order = reversed_ascii_order()
    order[10] = []  # '~' gone
    with pytest.raises(psf_to_c.FontError, match="'~'"):
        psf_to_c.ascii_table(psf_to_c.parse(psf1(order)))


def test_psf2_with_utf8_table():
    count, width = 128, 8
    header = struct.pack("<4sIIIIIII", psf_to_c.PSF2_MAGIC, 0, 32, 1, count, HEIGHT, HEIGHT, width)
    table = bytearray()
    for i in range(count):
        if i >= 0x20:  # glyph i is ASCII i, and glyph 0 is U+FFFD
            table += bytes([i])
        if i == 0:
            table += "\ufffd".encode()
        table += b"\xff"
    data = header + b"".join(glyph(i) for i in range(count)) + bytes(table)
    glyphs, fallback = psf_to_c.ascii_table(psf_to_c.parse(data))
    assert glyphs[ord("A") - 0x20] == glyph(ord("A"))
    assert fallback == glyph(0)


def test_wide_glyphs_and_garbage_are_refused():
    header = struct.pack("<4sIIIIIII", psf_to_c.PSF2_MAGIC, 0, 32, 0, 1, 2 * 16, 16, 9)
    with pytest.raises(psf_to_c.FontError, match="9 pixels wide"):
        psf_to_c.ascii_table(psf_to_c.parse(header + bytes(32)))
    with pytest.raises(psf_to_c.FontError):
        psf_to_c.parse(b"not a font")
    with pytest.raises(psf_to_c.FontError):
        psf_to_c.parse(b"\x36\x04\x02\x10" + bytes(100))  # truncated


def test_generated_c_compiles_and_holds_the_glyphs(tmp_path):
    src = tmp_path / "font.psf"
    src.write_bytes(psf1(reversed_ascii_order()))
    out = tmp_path / "fb_font.c"
    assert psf_to_c.main(["--font", str(src), "-o", str(out)]) == 0
    text = out.read_text()
    assert "Bolkhovityanov" in text and str(src) in text
    test = tmp_path / "check.c"
    test.write_text('#include <stdio.h>\n#include "chips/x86_64/fb_font.h"\n'
                    "int main(void) { const struct fb_font *f = &fb_font_default;\n"
                    "  for (int i = 0; i < f->count * f->height; i++) printf(\"%d \", f->glyphs[i]);\n"
                    "  printf(\"| %d %d %d\\n\", f->height, f->first, f->count); return 0; }\n")
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", str(REPO),
                    str(out), str(test), "-o", str(exe)], check=True)
    printed = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    rows, meta = printed.split("|")
    glyphs, _ = psf_to_c.ascii_table(psf_to_c.load_font(src))
    assert [int(v) for v in rows.split()] == list(b"".join(glyphs))
    assert meta.split() == [str(HEIGHT), str(0x20), "95"]


def test_missing_font_file_says_which_package(tmp_path, capsys):
    assert psf_to_c.main(["--font", str(tmp_path / "nope.psf.gz"), "-o", os.devnull]) == 1
    assert "console-setup-linux" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists(psf_to_c.DEFAULT_FONT), reason="font not installed")
def test_default_font_has_every_ascii_glyph():
    font = psf_to_c.load_font()
    glyphs, fallback = psf_to_c.ascii_table(font)
    assert font.height == 16 and len(fallback) == 16
    assert glyphs[0] == bytes(16)  # space is blank
    assert len(set(glyphs)) == 95  # all different
