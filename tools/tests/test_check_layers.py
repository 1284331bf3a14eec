"""Tests of tools/check_layers.py: each rule catches a planted violation at
the right file:line, comments and strings do not trigger it, and the real
tree is clean."""
import pathlib
import subprocess
import sys

import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[1]
REPO = TOOLS.parent
CHECKER = TOOLS / "check_layers.py"

# A tiny tree that follows every rule. Each test plants one violation.
CLEAN_TREE = {
    "kernel/loop.h": '#include <stdint.h>\n#include "cpu.h"\n',
    "kernel/cpu.h": "#include <stdint.h>\nstruct cpu { uint64_t pending; };\n",
    "kernel/arch.h": "void arch_irq_enable(void);\n",
    "kernel/clock.h": '#include "arch.h"\n',
    "kernel/hil/uart.h": "struct uart;\n",
    "capsules/console.h": '#include "kernel/hil/uart.h"\n',
    "capsules/console.c": '#include <stddef.h>\n#include "console.h"\n'
                          '#include "kernel/clock.h"\n#include "kernel/loop.h"\n'
                          "int console_ready(void) { return 1; }\n",
    "chips/x86_64/io.h": "static inline void outb(unsigned short port, unsigned char v)\n"
                         "{\n\t__asm__ volatile(\"outb %0, %1\" : : \"a\"(v), \"Nd\"(port));\n}\n",
    "chips/x86_64/lapic.c": '#include "io.h"\n#include "kernel/arch.h"\n'
                            "static volatile unsigned *const lapic = (unsigned *)0xfee00000;\n"
                            "void arch_irq_enable(void) { asm volatile(\"sti\"); }\n",
    "chips/x86_64/isr.asm": "isr: iretq\n",
    "boot/entry32.asm": "bits 32\nstart: hlt\n",
    "board/pc/main.c": '#include "chips/x86_64/io.h"\n#include "capsules/console.h"\n'
                       "void board_main(void) { }\n",
    "apps/libknock/knock.h": "#include <stdint.h>\n",
    "apps/libknock/syscall.c": '#include "knock.h"\n'
                               "void knock_yield(void) { __asm__ volatile(\"syscall\"); }\n",
    "apps/hello/main.c": '#include "libknock/knock.h"\n'
                         "int main(void) { return *(int *)0x100000; }\n",
    # Host code is not checked, whatever it does.
    "tests/unit/fake_io.c": "#include <stdio.h>\nvolatile int x;\n",
    "tools/gen.c": "int main(void) { __asm__(\"nop\"); }\n",
}


def make_tree(root, extra=None):
    files = dict(CLEAN_TREE)
    files.update(extra or {})
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(root):
    proc = subprocess.run([sys.executable, str(CHECKER), str(root)],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout.splitlines()


def violations(lines):
    return [line for line in lines if not line.startswith("check-layers:")]


def test_clean_tree_passes(tmp_path):
    code, out = run(make_tree(tmp_path))
    assert code == 0, out
    assert out == ["check-layers: 15 files clean"]


@pytest.mark.parametrize("rel, text, line, words", [
    # capsules include only kernel/ and their own headers
    ("capsules/keyboard.c",
     '#include "kernel/loop.h"\n\n#include "chips/x86_64/io.h"\n',
     3, "capsules may include only kernel/"),
    ("capsules/keyboard.c", '#include "../chips/x86_64/io.h"\n',
     1, "capsules may include only kernel/"),
    ("capsules/keyboard.c", '#include "board/pc/bits.h"\n', 1, "capsules may include only"),
    ("capsules/keyboard.c", '#include "kernel/arch.h"\n', 1, "kernel/arch.h"),
    ("capsules/keyboard.c", "#include <stdio.h>\n", 1, "only <stdint.h>"),
    ("capsules/keyboard.c", "#include <cpuid.h>\n", 1, "only <stdint.h>"),
    # kernel/ knows nothing of chips, boards or capsules
    ("kernel/loop.c", '#include "loop.h"\n#include "board/pc/x.h"\n',
     2, "kernel/ may not include"),
    ("kernel/loop.c", '#include "chips/x86_64/io.h"\n', 1, "kernel/ may not include"),
    ("kernel/loop.c", '#include "capsules/shell.h"\n', 1, "kernel/ may not include"),
    ("kernel/hil/uart.h", '#include "../../chips/x86_64/io.h"\n', 1, "kernel/ may not include"),
    ("kernel/loop.c", "#include <string.h>\n", 1, "only <stdint.h>"),
    # chips do not know which capsule they serve
    ("chips/x86_64/uart.c", '#include "capsules/console.h"\n', 1, "chips/ may not include"),
    # no hardware access outside chips/x86_64/ and boot/
    ("kernel/loop.c", "void f(void)\n{\n\tasm(\"hlt\");\n}\n", 3, "inline asm"),
    ("kernel/loop.c", "void f(void) { __asm__(\"hlt\"); }\n", 1, "inline asm"),
    ("capsules/keyboard.c", "#include <stdint.h>\n\nvolatile uint8_t *key;\n", 3, "`volatile`"),
    ("capsules/keyboard.c",
     "#include <stdint.h>\nvoid f(void)\n{\n\tuint32_t *eoi = (uint32_t *)0xfee000b0;\n}\n",
     4, "integer literal cast to a pointer"),
    ("capsules/keyboard.c", "char *vga = (char *) (uintptr_t) 0xB8000;\n",
     1, "integer literal cast to a pointer"),
    ("board/pc/main.c", "char *first_page_past_null = (char *)0x1000;\n",
     1, "integer literal cast to a pointer"),
    ("board/pc/main.c", "void f(void) { unsigned char s = inb(0x64); }\n", 1, "port I/O"),
    ("board/pc/main.c", "void f(void) { outb (0x3f8, 'x'); }\n", 1, "port I/O"),
    ("kernel/tsc.c", "void f(void) { wrmsr(0x1b, 0); }\n", 1, "MSR access"),
    ("kernel/tsc.c", "unsigned long f(void) { return __builtin_ia32_rdtsc(); }\n",
     1, "x86 intrinsic"),
    ("board/pc/main.c", "#include <x86intrin.h>\n", 1, "x86 header"),
    ("capsules/fast.asm", "nop\n", 1, "assembly source"),
    # the product never includes the lab wing; the lab may use the product
    ("capsules/shell.c", '#include "capsules/lab/busy.h"\n', 1, "only the lab wing"),
    ("board/pc/main.c", '#include "board/pc/lab/design.h"\n', 1, "only the lab wing"),
    ("kernel/loop.c", '#include "lab/isr_queue.h"\n', 1, "only the lab wing"),
    # apps reach knock only through libknock's system calls
    ("apps/hello/main.c", '#include "libknock/knock.h"\n#include "kernel/syscall.h"\n',
     2, "apps may include only libknock/"),
    ("apps/hello/main.c", "#include <stdio.h>\n", 1, "only <stdint.h>"),
    ("apps/hello/main.c", "void f(void) { __asm__(\"cli\"); }\n", 1, "inline asm"),
    ("apps/spin/main.c", "volatile int spins;\n", 1, "`volatile`"),
    ("apps/hello/main.c", "void f(void) { outb(0x3f8, 'x'); }\n", 1, "port I/O"),
    # no include cycles between modules (x.c and x.h are one module)
    ("capsules/console.h", '#include "kernel/hil/uart.h"\n#include "capsules/shell.h"\n'
                           '#include "capsules/keyboard.h"\n', 1, "include cycle"),
])
def test_planted_violation_is_reported_at_file_and_line(tmp_path, rel, text, line, words):
    extra = {rel: text}
    if words == "include cycle":
        # shell.c includes console.h; console.h includes shell.h: a loop
        # between two modules (keyboard.h, included too, closes none).
        extra["capsules/shell.h"] = "struct shell;\n"
        extra["capsules/shell.c"] = '#include "capsules/shell.h"\n#include "capsules/console.h"\n'
        extra["capsules/keyboard.h"] = "struct keyboard;\n"
        rel = "capsules/console"
    code, out = run(make_tree(tmp_path, extra))
    assert code == 1, out
    found = violations(out)
    assert len(found) == 1, out
    assert found[0].startswith(f"{rel}:{line}: "), found
    assert words in found[0], found
    assert out[-1].startswith("check-layers: 1 violation"), out


def test_every_violation_is_reported(tmp_path):
    text = "volatile int a;\nvolatile int b;\nvoid f(void) { asm(\"nop\"); }\n"
    code, out = run(make_tree(tmp_path, {"capsules/bad.c": text}))
    assert code == 1
    assert violations(out) == ["capsules/bad.c:1: `volatile` outside chips/x86_64/ and boot/",
                               "capsules/bad.c:2: `volatile` outside chips/x86_64/ and boot/",
                               "capsules/bad.c:3: inline asm outside chips/x86_64/ and boot/"]


def test_include_violation_names_the_header(tmp_path):
    text = '#include <stdint.h>\n#include "kernel/loop.h"\n#include "chips/x86_64/io.h"\n'
    code, out = run(make_tree(tmp_path, {"capsules/keyboard.c": text}))
    assert code == 1
    assert violations(out) == ['capsules/keyboard.c:3: #include "chips/x86_64/io.h": '
                               "capsules may include only kernel/ and capsules/ headers"]


def test_comments_and_strings_do_not_trigger(tmp_path):
    text = ("/* The top half is asm: a volatile store to (uint32_t *)0xfee000b0\n"
            " * and outb(0x20, 0x20); #include \"chips/x86_64/io.h\" */\n"
            "// volatile asm wrmsr inb(0x60) rdmsr(0x1b)\n"
            "// #include \"board/pc/bits.h\"\n"
            "static const char *why = \"no asm or volatile here: (char *)0xb8000, inb(0x60)\";\n"
            "static const char quote = '\"';\n"
            "static const char *escaped = \"a \\\"volatile\\\" asm(\\\"x\\\")\";\n"
            "static const char *after = \"the quote above must not hide this\";\n"
            "int assemble(int volatility, int inbound) { return volatility + inbound; }\n")
    code, out = run(make_tree(tmp_path, {"capsules/clean.c": text}))
    assert code == 0, out


def test_code_after_a_comment_is_still_checked(tmp_path):
    text = "/* a comment\n   on two lines */ volatile int x; // trailing\nint y;\n"
    code, out = run(make_tree(tmp_path, {"kernel/x.c": text}))
    assert code == 1
    assert violations(out) == ["kernel/x.c:2: `volatile` outside chips/x86_64/ and boot/"]


def test_small_pointer_constants_are_not_mmio(tmp_path):
    text = "#include <stddef.h>\nvoid *none = (void *)0;\nchar *end = (char *)0xfff;\n"
    code, out = run(make_tree(tmp_path, {"capsules/ptr.c": text}))
    assert code == 0, out


def test_chips_and_boot_may_touch_hardware(tmp_path):
    extra = {
        "chips/x86_64/pit.c": '#include "io.h"\n#include "kernel/cpu.h"\n'
                              "void pit_start(void) { outb(0x43, 0x34); asm volatile(\"nop\"); }\n"
                              "unsigned long long tsc(void) { return __builtin_ia32_rdtsc(); }\n",
        "boot/early.c": "void early(void) { __asm__(\"cli\"); *(volatile char *)0xb8000 = 'k'; }\n",
    }
    code, out = run(make_tree(tmp_path, extra))
    assert code == 0, out


def test_real_tree_is_clean():
    code, out = run(REPO)
    assert code == 0, "\n".join(out)
    assert out[-1].endswith("files clean")
