#!/usr/bin/python3
"""Convert a Linux console font (PSF1 or PSF2, gzipped or not) into the C
table of the framebuffer console (chips/x86_64/fb_font.h).

  tools/psf_to_c.py [--font FILE.psf.gz] -o build/fb_font.c

Only the printable ASCII characters (0x20-0x7e) are kept, looked up through
the font's Unicode table (console fonts are not in ASCII order: Lat15 puts
the line-drawing glyphs first), plus one fallback glyph for every other
byte: the font's U+FFFD, else its '?'. Glyphs must be 8 pixels wide (one
byte per row, leftmost pixel in the top bit), as the console draws them.

The default font is Lat15-VGA16 from Debian's console-setup-linux: the
familiar VGA shapes at 8x16. Its licence (from the package's copyright
files): "All console fonts are public domain by nature"; the BDF it was
made from, u_vga16.bdf, is Copyright (c) 2000, 2001 Dmitry Bolkhovityanov
under an MIT/X11-style permission notice, which the generated file repeats.

The end-to-end tests import this module to render, on the host, the text
the guest's console believes it shows, with the very same glyphs
(load_font(), ascii_table()).
"""
import argparse
import gzip
import struct
import sys
from pathlib import Path

DEFAULT_FONT = "/usr/share/consolefonts/Lat15-VGA16.psf.gz"
FIRST, LAST = 0x20, 0x7E  # printable ASCII
REPLACEMENT = 0xFFFD

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_MODESEQ = 0x04
PSF1_SEPARATOR = 0xFFFF
PSF1_STARTSEQ = 0xFFFE
PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HAS_UNICODE_TABLE = 0x01
PSF2_SEPARATOR = 0xFF
PSF2_STARTSEQ = 0xFE

LICENCE = """\
Font licence. Debian's console-setup copyright file: "All console fonts
are public domain by nature." The source BDF of the VGA fonts,
u_vga16.bdf, carries this notice:

Copyright (c) 2000, 2001 by Dmitry Bolkhovityanov. All Rights Reserved.

Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT."""


class FontError(Exception):
    pass


class Font:
    """width, height, glyphs (list of bytes, rows * bytes_per_row each)
    and unicode ({code point: glyph index}; identity for the first 256
    glyphs when the font has no table)."""

    def __init__(self, width, height, glyphs, unicode):
        self.width, self.height, self.glyphs, self.unicode = width, height, glyphs, unicode

    def glyph_for(self, code):
        return self.glyphs[self.unicode[code]] if code in self.unicode else None


def _psf1(data):
    if len(data) < 4:
        raise FontError("PSF1 header truncated")
    mode, height = data[2], data[3]
    count = 512 if mode & PSF1_MODE512 else 256
    end = 4 + count * height
    if height == 0 or len(data) < end:
        raise FontError(f"PSF1: {count} glyphs of {height} bytes do not fit in {len(data)} bytes")
    glyphs = [data[4 + i * height:4 + (i + 1) * height] for i in range(count)]
    unicode = {}
    if mode & (PSF1_MODEHASTAB | PSF1_MODESEQ):
        pos, index = end, 0
        while index < count and pos + 1 < len(data):
            code, = struct.unpack_from("<H", data, pos)
            pos += 2
            if code == PSF1_SEPARATOR:
                index += 1
            elif code == PSF1_STARTSEQ:  # sequences (combining): skip to the separator
                while pos + 1 < len(data) and struct.unpack_from("<H", data, pos)[0] != PSF1_SEPARATOR:
                    pos += 2
            else:
                unicode.setdefault(code, index)
    else:
        unicode = {i: i for i in range(count)}
    return Font(8, height, glyphs, unicode)


def _psf2(data):
    if len(data) < 32:
        raise FontError("PSF2 header truncated")
    _, _, header, flags, count, size, height, width = struct.unpack_from("<4sIIIIIII", data, 0)
    end = header + count * size
    if size != height * ((width + 7) // 8) or len(data) < end or count == 0:
        raise FontError(f"PSF2: inconsistent header (count {count}, size {size}, {width}x{height})")
    glyphs = [data[header + i * size:header + (i + 1) * size] for i in range(count)]
    unicode = {}
    if flags & PSF2_HAS_UNICODE_TABLE:
        pos, index = end, 0
        while index < count and pos < len(data):
            b = data[pos]
            if b == PSF2_SEPARATOR:
                index += 1
                pos += 1
            elif b == PSF2_STARTSEQ:
                while pos < len(data) and data[pos] != PSF2_SEPARATOR:
                    pos += 1
            else:
                n = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
                try:
                    ch = data[pos:pos + n].decode("utf-8")
                except UnicodeDecodeError as e:
                    raise FontError(f"PSF2: bad UTF-8 in the Unicode table at {pos}") from e
                unicode.setdefault(ord(ch), index)
                pos += n
    else:
        unicode = {i: i for i in range(min(count, 256))}
    return Font(width, height, glyphs, unicode)


def parse(data):
    """A Font from the bytes of a PSF file (gzip is undone first)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == PSF1_MAGIC:
        return _psf1(data)
    if data[:4] == PSF2_MAGIC:
        return _psf2(data)
    raise FontError("not a PSF1 or PSF2 font")


def load_font(path=DEFAULT_FONT):
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise FontError(f"{path} not found: it is in Debian's console-setup-linux "
                        "(`make deps` installs it)") from None
    return parse(data)


def ascii_table(font):
    """(glyphs, fallback): glyphs[c - 0x20] for c in 0x20..0x7e, each a
    bytes of `height` rows, and the glyph for everything else. What the
    kernel draws, so what a test must draw to compare."""
    if font.width != 8:
        raise FontError(f"glyphs are {font.width} pixels wide; the console draws 8")
    glyphs = []
    for code in range(FIRST, LAST + 1):
        g = font.glyph_for(code)
        if g is None:
            raise FontError(f"the font has no glyph for {chr(code)!r} (U+{code:04X})")
        glyphs.append(g)
    fallback = font.glyph_for(REPLACEMENT) or font.glyph_for(ord("?"))
    return glyphs, fallback


def _rows(glyph):
    return ", ".join(f"0x{b:02x}" for b in glyph)


def to_c(font, source):
    glyphs, fallback = ascii_table(font)
    lines = ["/*",
             f" * Generated by tools/psf_to_c.py from {source}: do not edit.",
             " *"]
    lines += [(" * " + line).rstrip() for line in LICENCE.splitlines()]
    lines += [" */",
              '#include "chips/x86_64/fb_font.h"',
              "",
              f"static const uint8_t glyphs[{len(glyphs)} * {font.height}] = {{"]
    for code, g in zip(range(FIRST, LAST + 1), glyphs):
        lines.append(f"\t{_rows(g)}, /* {chr(code)!r} */")
    lines += ["};",
              "",
              f"static const uint8_t fallback[{font.height}] = {{ {_rows(fallback)} }};",
              "",
              "const struct fb_font fb_font_default = {",
              f"\t.height = {font.height},",
              f"\t.first = 0x{FIRST:02x},",
              f"\t.count = {len(glyphs)},",
              "\t.glyphs = glyphs,",
              "\t.fallback = fallback,",
              "};",
              ""]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--font", default=DEFAULT_FONT, help=f"PSF font (default {DEFAULT_FONT})")
    ap.add_argument("-o", "--output", required=True, help="C file to write")
    args = ap.parse_args(argv)
    try:
        text = to_c(load_font(args.font), args.font)
    except FontError as e:
        print(f"psf_to_c: {e}", file=sys.stderr)
        return 1
    Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
