"""One ISO, two firmwares: the same build/knock.iso under OVMF (UEFI) and
SeaBIOS (BIOS), and the framebuffer console UEFI needs.

Under OVMF GRUB hands over the GOP framebuffer (Multiboot2 framebuffer tag
type 1) and the new ACPI RSDP tag; under SeaBIOS GRUB keeps VGA text mode
(tag type 2). Each OVMF boot costs about 3.5 s of firmware, so there are
three: the boot and the shell, the screen, and no framebuffer at all.

The screen test compares pixels, no OCR: it stops the guest, takes QEMU's
screendump (a PPM file) and reads the framebuffer console's own record of
what it shows (struct fb_console, chips/x86_64/fb_console.h: its text grid
and cursor, from guest memory with QMP pmemsave at the address `nm` gives),
draws that text on the host with the same glyphs (tools/psf_to_c.py reads
the same Debian font the build converted) and asks for the same picture,
byte for byte. The grid's last lines must also be the serial log's last
lines: the console believes it shows what it sent.
"""
import importlib.util
import re
import struct
import subprocess
from pathlib import Path

import pytest

import knock_qemu
from knock_qemu import PROMPT, UEFI_BOOT_TIMEOUT, BOOT_TIMEOUT, screen_rows

REPO = knock_qemu.REPO
ELF = REPO / "build" / "knock.elf"

STARTING = r"^knock .* starting on the pc board$"
FB_LINE = (r"^screen: framebuffer console (\d+)x(\d+) text on (\d+)x(\d+) (\d+) bpp "
           r"at 0x([0-9a-f]+) \(red \d+:\d+ green \d+:\d+ blue \d+:\d+\)$")

# struct fb_console's leading fields (chips/x86_64/fb_console.h), all
# 32-bit: magic, cols, rows, col, row, text_stride, fg_rgb, bg_rgb,
# cursor_lines; then the text, text_stride bytes per row.
FB_HEADER = struct.Struct("<9I")
FB_MAGIC = 0x4342464B


def _psf_to_c():
    spec = importlib.util.spec_from_file_location("psf_to_c", REPO / "tools" / "psf_to_c.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def symbol_address(elf, name):
    """The address of a (possibly static) data symbol of the kernel."""
    out = subprocess.run(["nm", "--defined-only", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    found = [int(a, 16) for a, kind, sym in (line.split() for line in out.splitlines()
                                            if len(line.split()) == 3)
             if sym == name and kind in "bBdD"]
    assert len(found) == 1, f"{name} in {elf}: {found}"
    return found[0]


def boot_uefi(boot, **options):
    vm = boot(uefi=True, **options)
    start = vm.wait_for(STARTING, UEFI_BOOT_TIMEOUT)
    return vm, start


# --- the boot and the shell ------------------------------------------------


def test_uefi_boot_acpi_and_shell(boot, banner):
    # loglevel=debug: the boot summary's lines for the tags are debug level.
    vm, start = boot_uefi(boot, cmdline="loglevel=debug")
    # The framebuffer console is the screen, announced right after the
    # first line; the firmware's framebuffer is below 4 GiB.
    fb = vm.wait_for(FB_LINE, pos=start.end())
    assert int(fb.group(6), 16) + int(fb.group(3)) * int(fb.group(4)) * 4 <= 1 << 32
    vm.wait_for(r"^debug: boot: framebuffer 0x[0-9a-f]+ \d+x\d+ (24|32) bpp type 1$",
                pos=start.end())
    # ACPI from the new RSDP tag (ACPI 2.0+: XSDT), and the same MADT path
    # as under BIOS.
    vm.wait_for(r"^debug: boot: ACPI RSDP v2 copy at 0x[0-9a-f]+$", pos=start.end())
    vm.wait_for(r"^acpi: RSDP rev 2 .* from the multiboot2 ACPI 2\.0 tag .*XSDT at ", pos=start.end())
    vm.wait_for(r"^acpi: MADT: lapic 0xfee00000, 1 cpus ", pos=start.end())
    vm.wait_for(r"^acpi: MADT: ioapic id \d+ at 0xfec00000 gsi 0-23$", pos=start.end())
    vm.wait_for(banner, pos=start.end())
    vm.wait_shell(pos=start.end())

    # A command on the serial line, then one typed on the PS/2 keyboard
    # (QMP send-key): both answered on serial.
    assert vm.shell("echo over serial") == "over serial\n"
    assert vm.shell("echo typed keys", keyboard=True) == "typed keys\n"
    assert vm.wait_cpu_halted() is True, "halted with interrupts off"
    assert "PANIC" not in vm.log
    assert "warning" not in vm.log[start.start():]


def test_uefi_without_framebuffer_goes_on_serial_only(boot, banner):
    # No display device: GOP has nothing to drive, GRUB passes no
    # framebuffer tag, and knock says so and keeps the serial console.
    vm, start = boot_uefi(boot, extra_args=["-vga", "none"])
    vm.wait_for(r"^warning: screen: none, serial console only: "
                r"the boot loader gave no framebuffer tag$", pos=start.end())
    vm.wait_for(banner, pos=start.end())
    vm.wait_shell(pos=start.end())
    assert vm.shell("echo still here") == "still here\n"
    assert "PANIC" not in vm.log


# --- the screen --------------------------------------------------------------


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM (P6, maxval 255)."""
    data = Path(path).read_bytes()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    assert m, f"{path} is not a P6 PPM with maxval 255"
    width, height = int(m.group(1)), int(m.group(2))
    pixels = data[m.end():]
    assert len(pixels) == width * height * 3
    return width, height, pixels


def read_console(vm, address, path):
    """struct fb_console's record of the screen: (header dict, rows of text)."""
    vm.qmp.command("pmemsave", {"val": address, "size": FB_HEADER.size, "filename": str(path)})
    fields = FB_HEADER.unpack(Path(path).read_bytes())
    head = dict(zip(("magic", "cols", "rows", "col", "row", "stride", "fg", "bg", "cursor_lines"),
                    fields))
    assert head["magic"] == FB_MAGIC, f"no framebuffer console at {address:#x}: {head}"
    size = head["rows"] * head["stride"]
    vm.qmp.command("pmemsave", {"val": address + FB_HEADER.size, "size": size,
                                "filename": str(path)})
    text = Path(path).read_bytes()
    rows = [text[r * head["stride"]:r * head["stride"] + head["cols"]] for r in range(head["rows"])]
    return head, rows


def render(head, rows, width, height, glyphs, fallback):
    """The picture the console must show: RGB bytes, width x height."""
    fg = head["fg"].to_bytes(3, "big")
    bg = head["bg"].to_bytes(3, "big")
    h = len(fallback)
    image = bytearray(bg * (width * height))
    for r, line in enumerate(rows):
        for c, ch in enumerate(line):
            glyph = glyphs[ch - 0x20] if 0x20 <= ch <= 0x7E else fallback
            cursor = (c, r) == (head["col"], head["row"])
            for y in range(h):
                bits = 0xFF if cursor and y >= h - head["cursor_lines"] else glyph[y]
                if not bits:
                    continue
                at = ((r * h + y) * width + c * 8) * 3
                for x in range(8):
                    if bits & (0x80 >> x):
                        image[at + 3 * x:at + 3 * x + 3] = fg
    return bytes(image)


def differences(got, want, width, glyph_h, limit=8):
    """The first few differing pixels, with the text cell each is in."""
    out = []
    for i in range(0, len(want), 3):
        if got[i:i + 3] != want[i:i + 3]:
            x, y = (i // 3) % width, (i // 3) // width
            out.append(f"({x},{y}) cell ({x // 8},{y // glyph_h}): "
                       f"{got[i:i + 3].hex()} want {want[i:i + 3].hex()}")
            if len(out) == limit:
                break
    return out


def test_uefi_screendump_matches_the_console_text(boot, banner, tmp_path):
    glyphs, fallback = _psf_to_c().ascii_table(_psf_to_c().load_font())
    address = symbol_address(ELF, "fb_console")
    vm, start = boot_uefi(boot)
    fb = vm.wait_for(FB_LINE, pos=start.end())
    vm.wait_for(banner, pos=start.end())
    vm.wait_shell(pos=start.end())
    # `help` is one write of about as many lines as the screen has, which
    # already holds the boot log: the write scrolls dozens of times, and
    # the console draws those scrolls once, at its end (fb_console.c).
    assert vm.shell("help").count("\n") > int(fb.group(2)) // 2
    assert vm.shell("echo on the screen", keyboard=True) == "on the screen\n"
    # The next prompt is out; once the loop sleeps nothing draws any more.
    # Stop the guest anyway so that the picture and the record are of the
    # same moment.
    assert vm.wait_cpu_halted() is True
    vm.qmp.command("stop")
    shot = tmp_path / "screen.ppm"
    vm.qmp.command("screendump", {"filename": str(shot)})
    head, rows = read_console(vm, address, tmp_path / "console.bin")
    vm.qmp.command("cont")

    width, height, got = read_ppm(shot)
    assert (width, height) == (int(fb.group(3)), int(fb.group(4)))
    assert (head["cols"], head["rows"]) == (int(fb.group(1)), int(fb.group(2)))
    assert head["cols"] == width // 8 and head["rows"] == height // len(fallback)

    # What it believes it shows is what the serial line got: its last
    # lines, the screen full after `help`, the prompt on the cursor's row.
    text = [line.decode("latin-1").rstrip() for line in rows]
    assert head["row"] == head["rows"] - 1, head
    assert text[-1] == PROMPT.rstrip() and head["col"] == len(PROMPT), text[-3:]
    serial = screen_rows(vm.log[start.start():], head["cols"])[-len(text):]
    assert text == serial, f"screen {text}\nserial {serial}"
    assert "knock> echo on the screen" in text and "on the screen" in text

    want = render(head, rows, width, height, glyphs, fallback)
    if got != want:
        (tmp_path / "expected.ppm").write_bytes(b"P6\n%d %d\n255\n" % (width, height) + want)
        bad = differences(got, want, width, len(fallback))
        pytest.fail(f"screendump differs from the console's text drawn on the host "
                    f"(pictures in {tmp_path}):\n" + "\n".join(bad), pytrace=False)


# --- BIOS keeps VGA text mode --------------------------------------------------


def test_bios_keeps_vga_text_mode(boot, banner):
    # The header's framebuffer request must not cost BIOS boots their text
    # mode: GRUB passes EGA text (type 2) and knock writes to 0xb8000.
    vm = boot(cmdline="loglevel=debug")
    start = vm.wait_for(STARTING, BOOT_TIMEOUT)
    vm.wait_for(r"^screen: VGA text 80x25 at 0xb8000$", pos=start.end())
    vm.wait_for(r"^debug: boot: framebuffer 0xb8000 80x25 16 bpp type 2$", pos=start.end())
    vm.wait_for(banner, pos=start.end())
    vm.wait_shell(pos=start.end())
    assert vm.shell("echo on vga") == "on vga\n"
    assert vm.wait_cpu_halted() is True
    screen = vm.screen()
    assert "on vga" in screen and "knock> echo on vga" in screen, "\n".join(screen)
