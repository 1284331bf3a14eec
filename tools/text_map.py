#!/usr/bin/env python3
"""Where the kernel's code goes: the .text bytes of each object file, read
from the link map GNU ld writes beside the ELF (`-Map`, build/knock.map).

    tools/text_map.py build/knock.map            # by directory, then by file
    tools/text_map.py build/knock.map --top 20   # the 20 largest files

Only input sections that survived --gc-sections appear in a map's memory
map, so the sums are what the image carries. What is left of .text after
them is alignment: each function's padding (`*fill*`) and the page the
section is rounded up to (boot/linker.ld). `make bench` reports the
directories beside `kernel_text_bytes` (tools/bench.py).
"""
import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# An input section on one line: " .text.name  0xADDR  0xSIZE file.o", or
# its name alone on one line and the rest on the next (a long name).
ADDR_SIZE_FILE = re.compile(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)\s*$")
NAME_ADDR_SIZE_FILE = re.compile(r"^ (\.text\S*)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)\s*$")
NAME_ALONE = re.compile(r"^ (\.text\S*)\s*$")
OUTPUT_SECTION = re.compile(r"^(\.\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)")


class MapError(Exception):
    pass


def text_by_object(map_text):
    """({object file: .text bytes}, size of the .text output section)."""
    if "Linker script and memory map" not in map_text:
        raise MapError("no 'Linker script and memory map' part: not a GNU ld map")
    memory_map = map_text.split("Linker script and memory map", 1)[1]
    sizes = Counter()
    section_size = None
    in_text = False
    pending_name = False
    for line in memory_map.splitlines():
        out = OUTPUT_SECTION.match(line)
        if out or (line and not line[0].isspace()):
            in_text = bool(out) and out.group(1) == ".text"
            if in_text:
                section_size = int(out.group(2), 16)
            pending_name = False
            continue
        if not in_text:
            continue
        if NAME_ALONE.match(line):
            pending_name = True
            continue
        m = NAME_ADDR_SIZE_FILE.match(line)
        if m:
            sizes[m.group(3)] += int(m.group(2), 16)
        elif pending_name and (m := ADDR_SIZE_FILE.match(line)):
            sizes[m.group(2)] += int(m.group(1), 16)
        pending_name = False
    if section_size is None:
        raise MapError("no .text output section in the map")
    return dict(sizes), section_size


def source_of(obj):
    """build/k/capsules/console.o -> capsules/console; generated files
    (build/k/top_halves.o) keep their build path's last part."""
    path = Path(obj)
    parts = path.with_suffix("").parts
    if "k" in parts:
        parts = parts[parts.index("k") + 1:]
    return "/".join(parts)


def directory_of(source):
    """The tree's part a file belongs to: kernel, capsules, chips/x86_64,
    board/pc, boot, each lab wing on its own (kernel/lab, ...), or
    'generated' for files the build writes (the top halves, the font)."""
    parts = source.split("/")
    if len(parts) == 1:
        return "generated"
    depth = 2 if parts[0] in ("chips", "board") else 1
    if len(parts) > depth + 1 and parts[depth] == "lab":
        depth += 1
    return "/".join(parts[:depth])


def by_directory(sizes):
    totals = Counter()
    for obj, size in sizes.items():
        totals[directory_of(source_of(obj))] += size
    return dict(totals.most_common())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("map", help="the link map (build/knock.map)")
    parser.add_argument("--top", type=int, default=0, help="only the N largest files")
    args = parser.parse_args(argv)
    try:
        sizes, section = text_by_object(Path(args.map).read_text())
    except (OSError, MapError) as e:
        print(f"text_map: {args.map}: {e}", file=sys.stderr)
        return 1
    code = sum(sizes.values())
    print(f".text {section} bytes: {code} of code in {len(sizes)} files, "
          f"{section - code} of alignment")
    for directory, size in by_directory(sizes).items():
        print(f"  {directory:20} {size:7}")
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    if args.top:
        ranked = ranked[:args.top]
    for obj, size in ranked:
        print(f"    {source_of(obj):40} {size:7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
