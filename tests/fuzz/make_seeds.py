#!/usr/bin/python3
"""Write the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<name>/).

Seeds are small real inputs: QEMU's ACPI tables (tests/data/acpi, dumped
from QEMU by tools/acpi_dump.py), a Multiboot2 information block laid out
as GRUB 2 leaves it, the scancode set 1 bytes of real key sequences, what
a terminal sends, shell command lines, small static executables (good
and refused) for the process loader, sequences of system calls. The files are committed; run this
again after changing it (it rewrites only the seeds it makes, named
seed-*, and leaves the regress-* inputs kept from crashes alone):

    /usr/bin/python3 tests/fuzz/make_seeds.py
"""

import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
ACPI = os.path.join(ROOT, "tests", "data", "acpi")


def write(harness, name, data):
    folder = os.path.join(CORPUS, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(bytes(data))


def acpi_table(name):
    with open(os.path.join(ACPI, name), "rb") as f:
        return bytearray(f.read())


# --- ACPI -------------------------------------------------------------------


def fix_checksum(table, at, length):
    table[at] = 0
    table[at] = (0x100 - sum(table[:length]) % 0x100) % 0x100


def root_table(signature, template, addresses, entry_size):
    """An RSDT/XSDT with the template's header and these entries."""
    fmt = "<I" if entry_size == 4 else "<Q"
    t = bytearray(template[:36]) + b"".join(struct.pack(fmt, a) for a in addresses)
    t[0:4] = signature
    struct.pack_into("<I", t, 4, len(t))
    fix_checksum(t, 9, len(t))
    return t


def memory_image(rsdp, tables, xsdt_template=None, rsdt_template=None):
    """Physical memory from address 0: the RSDP, then the root tables, then
    the tables, each 16-aligned; the RSDP's addresses point at the roots."""
    rsdp = bytearray(rsdp)
    image = bytearray(len(rsdp))
    placed = []
    for t in tables:
        image += bytes(-len(image) % 16)
        placed.append(len(image))
        image += t
    if rsdt_template is not None:
        image += bytes(-len(image) % 16)
        struct.pack_into("<I", rsdp, 16, len(image))
        image += root_table(b"RSDT", rsdt_template, placed, 4)
    if xsdt_template is not None:
        image += bytes(-len(image) % 16)
        struct.pack_into("<Q", rsdp, 24, len(image))
        image += root_table(b"XSDT", xsdt_template, placed, 8)
    fix_checksum(rsdp, 8, 20)
    if len(rsdp) >= 36:
        fix_checksum(rsdp, 32, 36)
    image[: len(rsdp)] = rsdp
    return image


def madt_over_limits():
    """A MADT with more of every entry than knock keeps (acpi_parse.h's
    PLATFORM_MAX_*), and every entry type it reads."""
    entries = b""
    for i in range(20):
        entries += struct.pack("<BBBBI", 0, 8, i, i, 1)  # local APIC, enabled
    for i in range(10):
        entries += struct.pack("<BBBBII", 1, 12, i, 0, 0xFEC00000 + i * 0x1000, i * 24)
    for i in range(17):
        entries += struct.pack("<BBBBIH", 2, 10, 0, i, i, 0xD)  # override
    for i in range(9):
        entries += struct.pack("<BBHI", 3, 8, 0xD, i)  # NMI source
    for i in range(9):
        entries += struct.pack("<BBBHB", 4, 6, 0xFF, 5, i % 2)  # local APIC NMI
    entries += struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)  # local APIC address
    entries += struct.pack("<BBHIII", 9, 16, 0, 300, 1, 300)  # x2APIC
    entries += struct.pack("<BBHIB3x", 10, 12, 5, 0xFFFFFFFF, 1)  # x2APIC NMI
    madt = bytearray(acpi_table("pc-madt.bin")[:44]) + entries
    struct.pack_into("<I", madt, 4, len(madt))
    fix_checksum(madt, 9, len(madt))
    return madt


def acpi_seeds():
    for name in sorted(os.listdir(ACPI)):
        if name.endswith(".bin"):
            write("acpi_tables", name, acpi_table(name))
    write("acpi_tables", "madt-over-limits.bin", madt_over_limits())
    # A local APIC entry (8 bytes, its last four the flags) that the table
    # ends one byte into: the parser must not read that byte.
    madt = acpi_table("pc-madt.bin")[:44] + struct.pack("<BBBBI", 0, 8, 0, 0, 1)[:7]
    struct.pack_into("<I", madt, 4, len(madt))
    fix_checksum(madt, 9, len(madt))
    write("acpi_tables", "madt-entry-past-end.bin", madt)
    for board, extra in (("pc", []), ("q35", ["q35-mcfg.bin"])):
        tables = [acpi_table(f"{board}-{t}.bin") for t in ("fadt", "madt", "hpet", "waet")]
        tables += [acpi_table(e) for e in extra]
        write("acpi_walk", f"{board}.img",
              memory_image(acpi_table(f"{board}-rsdp.bin"), tables,
                           rsdt_template=acpi_table(f"{board}-rsdt.bin")))
    write("acpi_walk", "madt-over-limits.img",
          memory_image(acpi_table("pc-rsdp.bin"), [acpi_table("q35-fadt.bin"), madt_over_limits()],
                       rsdt_template=acpi_table("pc-rsdt.bin")))
    edge = [acpi_table("edge-fadt.bin"), acpi_table("edge-madt.bin"), acpi_table("pc-hpet.bin")]
    write("acpi_walk", "edge-xsdt.img",
          memory_image(acpi_table("edge-rsdp.bin"), edge,
                       xsdt_template=acpi_table("edge-xsdt.bin"),
                       rsdt_template=acpi_table("pc-rsdt.bin")))


# --- Multiboot2 ---------------------------------------------------------------


def tag(kind, payload):
    t = struct.pack("<II", kind, 8 + len(payload)) + payload
    return t + bytes(-len(t) % 8)


def mmap_tag(regions):
    entries = b"".join(struct.pack("<QQII", base, length, kind, 0)
                       for base, length, kind in regions)
    return tag(6, struct.pack("<II", 24, 0) + entries)


def mbi(tags):
    body = b"".join(tags) + tag(0, b"")
    return struct.pack("<II", 8 + len(body), 0) + body


QEMU_128M = [
    (0x0, 0x9FC00, 1),
    (0x9FC00, 0x400, 2),
    (0xF0000, 0x10000, 2),
    (0x100000, 0x7EE0000, 1),
    (0x7FE0000, 0x20000, 2),
    (0xFFFC0000, 0x40000, 2),
]


def multiboot2_seeds():
    grub = [
        tag(1, b"\0"),
        tag(2, b"GRUB 2.06-13+deb12u1\0"),
        tag(4, struct.pack("<II", 639, 129920)),
        tag(5, struct.pack("<III", 0xE0, 0xFFFFFFFF, 0xFFFFFFFF)),
        mmap_tag(QEMU_128M),
        tag(8, struct.pack("<QIIIBBH", 0xB8000, 160, 80, 25, 16, 2, 0)),
        tag(9, struct.pack("<HHHH", 0, 64, 0, 0) + bytes(64)),
        tag(10, struct.pack("<HHIHHHHHH", 0, 0, 0, 0, 0, 0, 0, 0, 0)),
        tag(14, bytes(acpi_table("pc-rsdp.bin"))),
        tag(21, struct.pack("<I", 0x100000)),
    ]
    write("multiboot2", "grub-pc.mbi", mbi(grub))
    options = [
        tag(1, b"loglevel=debug panic=reboot fault=pf\0"),
        tag(2, b"GRUB 2.06\0"),
        mmap_tag(QEMU_128M + [(0x100000000 + i * 0x1000, 0x1000, 1 + i % 5) for i in range(30)]),
        tag(15, bytes(acpi_table("edge-rsdp.bin"))),
    ]
    write("multiboot2", "options-long-map.mbi", mbi(options))
    # GRUB with module2 lines: the processes' ELF images, one tag each.
    modules = grub[:5] + [tag(3, struct.pack("<II", 0x13a000 + i * 0x2000, 0x13b234 + i * 0x2000)
                              + name + b"\0")
                          for i, name in enumerate([b"hello", b"blink", b"echo"])]
    write("multiboot2", "grub-modules.mbi", mbi(modules))
    # A command line tag whose size runs 8 bytes past the block, with no
    # NUL in the part that is there: the parser must stop at the block.
    write("multiboot2", "tag-overruns.mbi", struct.pack("<IIII", 24, 0, 1, 24) + b"knock=on")


# --- keyboard: scancode set 1 ---------------------------------------------------

LETTERS = {c: code for c, code in zip("qwertyuiop", range(0x10, 0x1A))}
LETTERS.update({c: code for c, code in zip("asdfghjkl", range(0x1E, 0x27))})
LETTERS.update({c: code for c, code in zip("zxcvbnm", range(0x2C, 0x33))})
LETTERS.update({" ": 0x39, "\n": 0x1C})
LETTERS.update({c: code for c, code in zip("1234567890", range(0x02, 0x0C))})


def press(code):
    return bytes([code, code | 0x80])


def typed(text):
    return b"".join(press(LETTERS[c]) for c in text)


def e0(code, release=False):
    return bytes([0xE0, code | (0x80 if release else 0)])


SHIFTED_A = bytes([0x2A]) + press(0x1E) + bytes([0xAA])
ARROWS = e0(0x48) + e0(0x48, True) + e0(0x4B) + e0(0x4B, True) + e0(0x4D) + e0(0x4D, True)
PAUSE = bytes([0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5])
PRINT_SCREEN = bytes([0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA])
CAPS_LOCK_WITH_LEDS = bytes([0x3A, 0xFA, 0xFA, 0xBA])  # press, ack of ed, ack of mask, release
NUM_LOCK_RESEND = bytes([0x45, 0xFE, 0xFA, 0xFA, 0xC5])
KEYPAD = press(0x47) + press(0x4B) + press(0x52) + press(0x53)
CTRL_ALT_DEL = bytes([0x1D, 0x38, 0xE0, 0x53])
CTRL_C = bytes([0x1D]) + press(0x2E) + bytes([0x9D])
ERRORS = bytes([0xE0, 0x00, 0xE1, 0x1D, 0xFF, 0xE0, 0xE0, 0x4B, 0x59, 0xE0, 0x7F])


def keyboard_seeds():
    streams = {
        "help.kbd": typed("help\n"),
        "shift-arrows.kbd": SHIFTED_A + ARROWS + typed("echo hi\n"),
        "pause-printscreen.kbd": PAUSE + PRINT_SCREEN,
        "locks.kbd": CAPS_LOCK_WITH_LEDS + typed("ab") + CAPS_LOCK_WITH_LEDS + NUM_LOCK_RESEND
        + KEYPAD,
        "ctrl.kbd": typed("abc") + CTRL_C + typed("x") + CTRL_ALT_DEL,
        "errors.kbd": ERRORS + typed("ok\n"),
    }
    for name, stream in streams.items():
        write("scancode", name, stream)
        # Options byte: batches of 1, then of 16 bytes (see fuzz_keyboard.c).
        write("keyboard", name, b"\x00" + stream)
        write("keyboard", "batch16-" + name, b"\xf0" + stream)
    write("keyboard", "send-refused-locks.kbd", b"\x03" + CAPS_LOCK_WITH_LEDS + CTRL_ALT_DEL)


# --- the serial line and the shell ------------------------------------------------

ESC = b"\x1b"
TERMINAL = {
    "line.txt": b"help\r",
    "crlf.txt": b"echo one\r\necho two\n",
    "arrows.txt": b"echo abc" + ESC + b"[D" + ESC + b"[D" + b"X" + ESC + b"[C\r",
    "history.txt": b"one\rtwo\r" + ESC + b"[A" + ESC + b"[A" + ESC + b"[B\r",
    "home-end-delete.txt": b"abcdef" + ESC + b"[H" + ESC + b"[3~" + ESC + b"[F" + b"\x7f\x08\r",
    "ss3-modifiers.txt": ESC + b"OA" + ESC + b"OD" + ESC + b"[1;5C" + ESC + b"[7~" + ESC
    + b"[8~\r",
    "control.txt": b"abc\x01X\x05Y\x15Z\x03more\r",
    "malformed.txt": ESC + b"x" + ESC + b"[?25h" + ESC + b"[1;2;3;4;5A" + ESC + b"[99999~"
    + ESC + b"[" + b"1" * 40 + b"A" + ESC + b"[5~" + ESC + b"[1\x18" + b"\x80\xff\r",
    "long-line.txt": b"x" * 140 + b"\rok\r",
    # Leading zeros keep a parameter small: only ANSI_MAX_SEQUENCE ends it.
    "csi-leading-zeros.txt": ESC + b"[" + b"0" * 40 + b"1A" + ESC + b"[" + b"0" * 25 + b"3~\r",
}

SHELL_LINES = [
    b"help",
    b"version",
    b"uptime",
    b'echo "a b"  c\\d "e\\"f"',
    b"alarm 5",
    b"alarm 10 periodic",
    b"alarms",
    b"alarms cancel 2",
    b"alarm 0",
    b"alarm 99999999999999999999",
    b"keys",
    b"irqs",
    b"fault bp",
    b"fault nothing",
    b"heartbeat",
    b"nosuchcommand",
    b'echo "unterminated',
    b"a b c d e f g h i",
]


def shell_seeds():
    for name, data in TERMINAL.items():
        write("ansi", name, data)
    for i, line in enumerate(SHELL_LINES):
        write("shell_parse", f"{i:02d}.txt", line)
    # Options byte (see fuzz_shell.c): a byte per 1 ms step, 16 bytes per
    # step with 7 ms, and the bare board.
    session = b"\r".join(SHELL_LINES) + b"\r"
    write("shell", "session.txt", b"\x10" + session)
    write("shell", "session-fast.txt", b"\x7f" + session)
    write("shell", "session-bare.txt", b"\x90" + session)
    write("shell", "alarms.txt", b"\x70alarm 10 periodic\ralarm 20\ralarms\r" + b" " * 40
          + b"alarms cancel 1\ralarms\r")
    write("shell", "heartbeat.txt", b"\x70heartbeat on 1\r" + b" " * 150
          + b"\rheartbeat\rheartbeat off\rheartbeat on 0\r")
    write("shell", "editing.txt", b"\x10" + b"".join(TERMINAL.values()))
    write("shell", "reboot.txt", b"\x10help\rreboot\r")
    write("shell", "fault.txt", b"\x10fault pf\r")
    write("shell", "typeahead.txt", b"\x0fhelp\rhelp\rhelp\rkeys\r" + b"\x03" + b"version\r")


# --- the line editor, key by key ------------------------------------------------------

CHAR, ENTER, BACKSPACE, DELETE, LEFT, RIGHT, HOME, END, UP, DOWN, KILL, CANCEL = range(12)
REDRAW, TAKE, BEGIN = 12, 13, 14


def chars(text):
    return b"".join(bytes([CHAR, c]) for c in text)


def line_editor_seeds():
    ops = {
        "edit.keys": chars(b"hello") + bytes([LEFT, LEFT, BACKSPACE, DELETE, HOME, RIGHT])
        + chars(b"X") + bytes([END, REDRAW, ENTER, TAKE, 200, BEGIN, 4]) + b"abcd",
        "history.keys": chars(b"one") + bytes([ENTER, BEGIN, 2]) + b"> " + chars(b"two")
        + bytes([ENTER, BEGIN, 0, UP, UP, DOWN, DOWN, UP, ENTER, TAKE, 2]),
        "kill-cancel.keys": chars(b"abcdef") + bytes([LEFT, LEFT, KILL, CANCEL]) + chars(b"\x01\x7f"),
        "too-long.keys": chars(b"y" * 129) + bytes([REDRAW, BACKSPACE, ENTER]) + chars(b"z"),
        "long-prompt.keys": bytes([ENTER, BEGIN, 40]) + b"p" * 40 + chars(b"q") + bytes([ENTER]),
    }
    for name, data in ops.items():
        write("line_editor", name, data)

# --- ELF executables (the process loader) ---------------------------------------------

ELF_WINDOW = 0x8000000000  # tests/fuzz/fuzz_elf_load.c's window: 16 pages from here


def elf(entry, segments, extra_phdrs=()):
    """A static x86-64 executable: segments are (flags, vaddr, data, memsz),
    extra_phdrs raw (type, flags, offset, vaddr, filesz, memsz) tuples."""
    phdrs = list(extra_phdrs)
    phnum = len(segments) + len(phdrs)
    body = bytearray()
    offset = 64 + 56 * phnum
    table = b""
    for flags, vaddr, data, memsz in segments:
        table += struct.pack("<IIQQQQQQ", 1, flags, offset + len(body), vaddr, vaddr,
                             len(data), memsz, 0x1000)
        body += data
    for p in phdrs:
        table += struct.pack("<IIQQQQQQ", p[0], p[1], p[2], p[3], p[3], p[4], p[5], 0x1000)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    return header + table + bytes(body)


def elf_seeds():
    text = b"\x48\x31\xc0\x0f\x05\xeb\xfe"  # xor rax,rax; syscall; jmp $
    w = ELF_WINDOW
    write("elf_load", "hello.elf", elf(w, [(5, w, text, len(text)),
                                            (4, w + 0x1000, b"hello\n", 6),
                                            (6, w + 0x2000, b"\x01" * 8, 0x1800)],
                                       [(0x6474e551, 6, 0, 0, 0, 0)]))
    write("elf_load", "bss-only-data.elf", elf(w + 0x10, [(6, w + 0x3000, b"", 0x100),
                                                          (5, w, text * 4, 28)]))
    write("elf_load", "overlap.elf", elf(w, [(5, w, text, 7), (6, w + 0x800, b"x", 1)]))
    write("elf_load", "interp.elf", elf(w, [(5, w, text, 7)], [(3, 4, 0, w, 7, 7)]))


# --- system calls (tests/fuzz/fuzz_syscall.c) ------------------------------------------

def syscall(cls, args, window=()):
    """One call: the class byte (bits 3-6: which arguments are offsets into
    the process's window), then four 64-bit arguments."""
    flags = sum(8 << i for i in window)
    return bytes([cls | flags]) + b"".join(struct.pack("<Q", a) for a in args)


def syscall_seeds():
    SUB, CMD, RW, RO, MEMOP, YIELD, EXIT = 1, 2, 3, 4, 5, 0, 6
    session = [
        syscall(SUB, [1, 0, 0x10, 7], window=[2]),              # subscribe to upcall 0
        syscall(RW, [1, 0, 0x1000, 64], window=[2]),            # allow the data, read-write
        syscall(RO, [1, 1, 0x0, 256], window=[2]),              # allow the text, read-only
        syscall(CMD, [1, 1, 0xab, 0]),                          # driver writes the buffer
        syscall(CMD, [1, 2, 1, 0]),                             # driver reads the text
        syscall(CMD, [1, 3, 0, 5]),                             # schedule upcall 0
        syscall(YIELD, [1, 0, 0, 0]),                           # deliver it
        syscall(MEMOP, [1, 4096, 0, 0]),                        # sbrk
        syscall(CMD, [1, 4, 0, 0]),                             # driver state
        syscall(MEMOP, [1, (1 << 64) - 4096, 0, 0]),            # sbrk back
        syscall(EXIT, [0, 3, 0, 0]),
    ]
    write("syscall", "session.bin", b"".join(session))
    hostile = [
        syscall(RW, [1, 0, 0x100000, 64]),                      # a kernel pointer
        syscall(RW, [1, 0, 0x1000, (1 << 64) - 1], window=[2]), # wrapping length
        syscall(RO, [1, 0, 0x10000 - 8, 64], window=[2]),       # into the grants
        syscall(SUB, [1, 0, 0x1000, 0], window=[2]),            # data as a function
        syscall(YIELD, [0, 0x0, 0, 0], window=[1]),             # flag in the text
        syscall(CMD, [1, 1, 0, 0]),
    ]
    write("syscall", "hostile.bin", b"".join(hostile))


# --- the block driver (tests/fuzz/fuzz_block_driver.c) ----------------------------------

def block_driver_seeds():
    """Steps of 4 bytes: op, process, two arguments."""
    steps = [
        (0, 0, 0, 16), (0, 1, 8, 16), (0, 2, 0, 64),   # allow: 1 KiB, 1 KiB, 4 KiB
        (1, 0, 3, 2), (1, 1, 5, 2), (1, 2, 30, 8),     # reads
        (6, 0, 7, 0), (3, 1, 0, 0), (6, 0, 9, 0),      # the shell reads; the queue fills
        (2, 0, 0, 0), (3, 0, 0, 0), (4, 0, 0, 0),      # one finishes; room
        (5, 1, 1, 0), (2, 0, 0, 0), (2, 0x80, 0, 0),   # b killed and restarted; one fails
        (0, 1, 8, 16), (1, 1, 39, 1), (2, 0, 0, 0), (2, 0, 0, 0),
        (7, 0, 1, 0), (7, 0, 3, 0),                    # capacity; no write command
    ]
    write("block_driver", "session.bin", bytes(b for s in steps for b in s))


# --- PCI configuration spaces ------------------------------------------------


def pci_function(bus, dev, fn, vendor, device, class_rev, header=0, command=0,
                 bars=(), caps=(), buses=None, pin=0):
    """One record of fuzz_pci_scan's input: bars are (index, value, writable),
    caps (offset, id, extra bytes) in list order."""
    cfg = bytearray(256)
    struct.pack_into("<HHHHI", cfg, 0, vendor, device, command, 0x10 if caps else 0, class_rev)
    cfg[0x0e] = header
    cfg[0x3d] = pin
    writable = [0] * 6
    for i, value, w in bars:
        struct.pack_into("<I", cfg, 0x10 + 4 * i, value)
        writable[i] = w
    if buses:
        cfg[0x18:0x1b] = bytes(buses)
    link = 0x34
    for at, cap_id, extra in caps:
        cfg[link] = at
        cfg[at] = cap_id
        cfg[at + 2:at + 2 + len(extra)] = extra
        link = at + 1
    return bytes([bus, dev << 3 | fn, 0]) + bytes(cfg) + struct.pack("<6I", *writable)


def pci_scan_seeds():
    virtio = pci_function(0, 2, 0, 0x1af4, 0x1005, 0x00ff0000, command=7, pin=1,
                          bars=[(0, 0xc041, 0xffffffe0), (1, 0xfebd1000, 0xfffff000),
                                (4, 0xc, 0xffffc000), (5, 8, 0xffffffff)],
                          caps=[(0x98, 0x11, b"\x01\x00\x01\x00\x00\x00\x01\x08\x00\x00"),
                                (0x84, 9, b""), (0x70, 9, b""), (0x60, 9, b"")])
    q35 = (pci_function(0, 0, 0, 0x8086, 0x29c0, 0x06000000, command=3) +
           pci_function(0, 1, 0, 0x1234, 0x1111, 0x03000002, command=3,
                        bars=[(0, 0xfd000008, 0xff000000), (2, 0xfebd0000, 0xfffff000)]) +
           virtio +
           pci_function(0, 3, 0, 0x1b36, 1, 0x06040000, header=1, command=7, buses=(0, 1, 1),
                        bars=[(0, 0xfea00000, 0xffffff00)]) +
           pci_function(1, 1, 0, 0x1af4, 0x1044, 0x00ff0001, pin=2,
                        bars=[(1, 0xfe800000, 0xfffff000)]) +
           pci_function(0, 0x1f, 0, 0x8086, 0x2918, 0x06010002, header=0x80) +
           pci_function(0, 0x1f, 2, 0x8086, 0x2922, 0x01060102, command=0x407,
                        caps=[(0x80, 5, b"\x81\x00")]))
    write("pci_scan", "q35.pci", q35)
    loop = pci_function(0, 4, 0, 0x1af4, 0x1000, 0, caps=[(0x40, 9, b""), (0x50, 9, b"")])
    loop = bytearray(loop)
    loop[3 + 0x51] = 0x40  # 0x50 leads back to 0x40
    write("pci_scan", "cap-loop.pci", loop)
    bridges = (pci_function(0, 1, 0, 0x1b36, 1, 0x06040000, header=1, buses=(0, 1, 1)) +
               pci_function(1, 0, 0, 0x1b36, 1, 0x06040000, header=1, buses=(1, 0, 0xff)) +
               pci_function(1, 1, 0, 0x1b36, 1, 0x06040000, header=1, buses=(1, 1, 1)))
    write("pci_scan", "bridge-loops.pci", bridges)
# --- MP tables ----------------------------------------------------------------

MPTABLE = os.path.join(ROOT, "tests", "data", "mptable")


def mp_fix(table, at, length):
    table[at] = 0
    table[at] = (0x100 - sum(table[:length]) % 0x100) % 0x100


def mptable_seeds():
    """QEMU's configuration tables (tools/mptable_dump.py), the floating
    pointer in front of one, and damaged ones the parser must refuse or cut
    short: an unknown entry type, an entry count past the table, an entry
    cut by the base length, more of every entry than knock keeps."""
    for smp in (1, 2):
        with open(os.path.join(MPTABLE, f"pc-smp{smp}-config.bin"), "rb") as f:
            write("mptable", f"pc-smp{smp}-config.bin", f.read())
    with open(os.path.join(MPTABLE, "pc-smp1-fseg.bin"), "rb") as f:
        fseg = f.read()
    write("mptable", "pc-smp1-floating-and-config.bin", fseg[0x5bb0:0x5bc0 + 192])
    with open(os.path.join(MPTABLE, "pc-smp1-config.bin"), "rb") as f:
        qemu = bytearray(f.read())
    unknown = bytearray(qemu)
    unknown[80] = 7
    mp_fix(unknown, 7, len(unknown))
    write("mptable", "unknown-type.bin", unknown)
    count = bytearray(qemu)
    struct.pack_into("<H", count, 34, 40)
    mp_fix(count, 7, len(count))
    write("mptable", "count-too-large.bin", count)
    cut = bytearray(qemu[:84])
    struct.pack_into("<H", cut, 4, 84)
    mp_fix(cut, 7, len(cut))
    write("mptable", "entry-past-end.bin", cut)
    entries = [bytes([0, i, 0x14, 1]) + bytes(16) for i in range(70)]
    entries.append(bytes([1, 0]) + b"ISA   ")
    entries += [bytes([2, 0x40 + i, 0x11, 1]) + struct.pack("<I", 0xfec00000 + i * 0x1000)
                for i in range(10)]
    entries += [bytes([3, 0, 0, 0, 0, i, 0x40, i]) for i in range(16)]
    entries += [bytes([4, 1, 0, 0, 0, 0, 0xff, 1])] * 10
    big = bytearray(qemu[:44]) + b"".join(entries)
    struct.pack_into("<H", big, 4, len(big))
    struct.pack_into("<H", big, 34, len(entries))
    mp_fix(big, 7, len(big))
    write("mptable", "over-limits.bin", big)


# Frames QEMU's user networking (libslirp) sent knock, captured with
# filter-dump (tests/unit/test_net_stack.c has the same): an ARP request
# for 10.0.2.15 and two datagrams to its port 7.
SLIRP_FRAMES = {
    "arp-request": "ffffffffffff52550a0002020806000108000604000152550a0002020a000202"
                   "0000000000000a00020f",
    "udp-echo": "52540012345652550a00020208004500002700000000401162b60a0002020a"
                "00020fad8400070013ae676b6e6f636b206b6e6f636b",
    "udp-odd": "52540012345652550a00020208004500001f00010000401162bd0a0002020a"
               "00020fad840007000b66d76f6464",
}


def inet_sum(data, start=0):
    data = bytes(data) + (b"\0" if len(data) % 2 else b"")
    s = start + sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def net_stack_seeds():
    """The slirp frames (the broadcast ARP request starts with an odd byte,
    so fuzz_net_stack gives it the driver's roomy buffer; the others get an
    exact one), an ICMP echo request made from the datagram, and the
    datagram with IP options."""
    for name, hexdata in SLIRP_FRAMES.items():
        frame = bytearray.fromhex(hexdata)
        write("net_stack", name, frame)
    udp = bytearray.fromhex(SLIRP_FRAMES["udp-echo"])
    ping = bytearray(udp[:34]) + bytes([8, 0, 0, 0, 0x12, 0x34, 0, 1]) + b"abcdefghijklmnopqrst"
    ping[14 + 9] = 1
    struct.pack_into(">H", ping, 14 + 2, len(ping) - 14)
    struct.pack_into(">H", ping, 14 + 10, 0)
    struct.pack_into(">H", ping, 14 + 10, inet_sum(ping[14:34]))
    struct.pack_into(">H", ping, 34 + 2, inet_sum(ping[34:]))
    write("net_stack", "ping", ping)
    opts = bytearray(udp[:34]) + b"\x01\x01\x01\x00" + udp[34:]
    opts[14] = 0x46
    struct.pack_into(">H", opts, 14 + 2, len(opts) - 14)
    struct.pack_into(">H", opts, 14 + 10, 0)
    struct.pack_into(">H", opts, 14 + 10, inet_sum(opts[14:38]))
    write("net_stack", "ip-options", opts)


def main():
    acpi_seeds()
    net_stack_seeds()
    pci_scan_seeds()
    mptable_seeds()
    multiboot2_seeds()
    keyboard_seeds()
    shell_seeds()
    line_editor_seeds()
    elf_seeds()
    syscall_seeds()
    block_driver_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
