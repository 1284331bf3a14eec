"""The shell over the serial line: its commands, the line editor driven by
a terminal's keys (ANSI sequences), and garbage on the line.

Each command is typed as a terminal would send it (the line and CR) and
its answer is the text between the echoed line and the next prompt
(Knock.shell), so "the prompt came back" is part of every check.
"""
import random
import re
import time

import pytest

from knock_qemu import PROMPT

# What a VT100/xterm sends for the editing keys.
LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
HOME, END, DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
BACKSPACE_DEL, BACKSPACE_BS = "\x7f", "\x08"
CTRL_C, CTRL_U = "\x03", "\x15"

COMMANDS = ["help", "version", "uptime", "echo", "alarm", "alarms", "keys", "irqs",
            "reboot", "watchdog"]
# Only the lab image (docs/lab.md) has these.
LAB_COMMANDS = ["fault", "busy", "sink", "storm", "bench"]
UPTIME = re.compile(r"^up (\d+):(\d\d):(\d\d)\.(\d{3}) \((\d+) us\)\n$")


def one_line(answer):
    assert answer.count("\n") == 1 and answer.endswith("\n"), \
        f"expected a one-line answer, got {answer!r}"
    return answer[:-1]


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_commands_over_serial(boot, version, machine):
    vm = boot(machine=machine)
    vm.wait_shell()

    listing = vm.shell("help")
    assert listing.startswith("commands:\n"), listing
    # Grouped by command set ("time:", ...); a subcommand another set adds
    # ("alarms flood") is listed as its two words.
    listed = re.findall(r"^  (\w+(?: \w+)?) ", listing, re.M)
    assert set(COMMANDS) <= set(listed) and len(listed) == len(set(listed)), listing
    assert not set(LAB_COMMANDS) & set(listed), listing

    assert vm.shell("version") == f"knock {version}\n"

    # uptime: its two forms agree, it grows, and it is not longer than
    # QEMU has been running (a clock counting from the host's boot would
    # be; test_timer.py checks the rate), allowing for the calibration's
    # own uncertainty.
    readings = []
    for _ in range(2):
        m = UPTIME.match(vm.shell("uptime"))
        assert m, "uptime answer not understood"
        h, mnt, s, ms, us = map(int, m.groups())
        assert ((h * 60 + mnt) * 60 + s) * 1000 + ms == us // 1000
        readings.append(us)
    host_elapsed_us = (time.monotonic() - vm.started_at) * 1e6
    _, error = vm.calibration()
    assert 0 < readings[0] < readings[1] <= host_elapsed_us / max(1 - error, 0.01), \
        (readings, host_elapsed_us, error)

    assert vm.shell("") == "", "an empty line gives the prompt back, nothing else"
    assert one_line(vm.shell("frobnicate now")) == \
        "error: unknown command 'frobnicate' (type 'help' for the list)"
    bad_arguments = {
        "alarm": "alarm: usage: alarm <ms> [periodic], ms from 1 to 86400000",
        "alarm ten": "alarm: usage: alarm <ms> [periodic], ms from 1 to 86400000",
        "alarm 100 weekly": "alarm: usage: alarm <ms> [periodic], ms from 1 to 86400000",
        "alarms cancel 7": "alarms: no alarm '7' (see 'alarms')",
        "alarms drop": "alarms: usage: alarms [cancel <id>]",
        "fault pf": "error: unknown command 'fault'",  # the lab's, not the product's
        'echo "unterminated': 'error: a " is not closed',
        "echo 1 2 3 4 5 6 7 8": "error: too many words (at most 8)",
    }
    for line, want in bad_arguments.items():
        got = one_line(vm.shell(line))
        assert got.startswith(want), (line, got)
    # ... and the shell still answers.
    assert vm.shell("echo still here") == "still here\n"
    assert "PANIC" not in vm.log


def run_keys(vm, keys):
    """Send raw terminal bytes ending in Enter; return (the echoed line as
    the terminal shows it, the answer up to the next prompt)."""
    pos = len(vm.log)
    vm.serial_write(keys)
    m = vm.wait_for(r"(.*)\n((?:.*\n)*?)knock> ", pos=pos, whole_lines=False)
    return m.group(1), m.group(2)


# (keys as a terminal sends them, what `echo` must answer).
EDITS = [
    ("echo abc" + LEFT * 2 + "X\r", "aXbc"),
    ("cho hi" + HOME + "e" + END + "!\r", "hi!"),
    ("echo ab" + HOME + RIGHT * 5 + "Z\r", "Zab"),
    ("echo abcd" + LEFT * 2 + DELETE + "\r", "abd"),
    ("echo abcdz" + BACKSPACE_DEL + "\r", "abcd"),
    ("echo abcdy" + BACKSPACE_BS + "\r", "abcd"),
    ("echo abc" + LEFT + BACKSPACE_DEL + "\r", "ac"),
    ("rubbish here" + CTRL_U + "echo clean\r", "clean"),
    ("junk echo keep" + HOME + RIGHT * 5 + CTRL_U + "\r", "keep"),
    # Application-mode (SS3) arrows and a CSI with a modifier parameter.
    ("echo ab" + "\x1bOD" + "Y\r", "aYb"),
    ("echo ab" + "\x1b[1;5D" + "Y\r", "aYb"),
    # A key the editor does not use (PgUp) and a malformed CSI (too many
    # parameters) are dropped whole: neither moves the cursor nor types.
    ("echo a" + "\x1b[5~" + "\x1b[1;2;3;4;5;6D" + "b\r", "ab"),
    # ESC inside a sequence starts a new one; Enter inside one ends it and
    # still ends the line.
    ("echo ab" + "\x1b[1" + LEFT + "X\r", "aXb"),
    ("echo a" + "\x1b[1;" + "\r", "a"),
]


def test_line_editing_over_serial(boot):
    vm = boot(machine="pc")
    vm.wait_shell()
    for keys, want in EDITS:
        _, answer = run_keys(vm, keys)
        assert answer == want + "\n", f"keys {keys!r}: answer {answer!r}, want {want!r}"

    # History: Up recalls older lines, Down comes back, and a recalled
    # line can be edited before it runs.
    assert vm.shell("echo first") == "first\n"
    assert vm.shell("echo second") == "second\n"
    assert run_keys(vm, UP + UP + "\r")[1] == "first\n"
    assert run_keys(vm, UP + "2\r")[1] == "first2\n"
    assert run_keys(vm, UP + UP + DOWN + "\r")[1] == "first2\n"
    assert run_keys(vm, UP + HOME + RIGHT * 5 + "x\r")[1] == "xfirst2\n"

    # Ctrl-C drops the line: "^C", nothing runs, a fresh prompt.
    shown, answer = run_keys(vm, "echo never" + CTRL_C)
    assert shown.endswith("^C") and answer == "", (shown, answer)
    assert vm.shell("echo after") == "after\n"
    assert "never\n" not in vm.log

    # An over-long line is refused with a message, never cut and run.
    _, answer = run_keys(vm, "echo " + "x" * 200 + "\r")
    # (The Enter that ends the swallowed rest shows as an empty line.)
    assert answer.strip("\n") == "line too long (max 128 characters); discarded", answer
    assert not re.search(r"^x+$", vm.log, re.M)
    assert vm.shell("echo short") == "short\n"


def test_nul_bytes_over_serial_never_join_tokens(boot, version):
    """A NUL is padding between lines (dropped, as a terminal drops it) and
    refuses a line it is inside: `echo 1<NUL>00` must not answer 100, as it
    did when NULs were dropped everywhere (docs/interrupts.md, "NUL bytes
    on the serial line")."""
    vm = boot(machine="pc")
    vm.wait_shell()
    _, answer = run_keys(vm, "echo 1\x0000\r")
    assert answer.strip("\n") == "NUL byte (0x00) inside the line; discarded", answer
    assert not re.search(r"^100$", vm.log, re.M), "the NUL joined '1' and '00'"
    # Padding before a line (a terminal's time-fill) is harmless.
    _, answer = run_keys(vm, "\x00\x00version\r")
    assert answer == f"knock {version}\n", answer
    assert vm.shell("echo after") == "after\n"


RANDOM_BYTES = 10_000
def com1_row(vm):
    """COM1's row of `irqs`: (raised, serviced, bytes received)."""
    m = re.search(r"^com1 +(\d+) +(\d+) +(\d+) bytes received$", vm.shell("irqs"), re.M)
    assert m, "no com1 row in irqs"
    return tuple(map(int, m.groups()))


def test_an_echoed_byte_costs_one_com1_service(boot):
    """A byte typed on the serial line is echoed from the UART's own
    service, and the echo fits in the FIFO: the driver hands the buffer
    back as that service ends, with no transmit-empty interrupt
    (chips/x86_64/uart16550.c, uart16550_transmit). With transmit-empty
    always on, QEMU raised it the instant the echo was written, and each
    byte cost a second COM1 service that found nothing to do. The count
    comes from the loop (`irqs`), the bytes from here: typed one at a
    time, each after the echo of the last, so no two share a service.
    The `irqs` lines' own costs cancel out against a run with nothing
    typed between them."""
    typed = 30
    vm = boot()
    vm.wait_shell()
    costs = []
    for count in (0, typed):
        before = com1_row(vm)[1]
        for _ in range(count):
            pos = len(vm.log)
            vm.serial_write("x")
            vm.wait_for("x", pos=pos, whole_lines=False)
        pos = len(vm.log)
        vm.serial_write(CTRL_C)  # a fresh prompt for `irqs`
        vm.wait_for(r"\^C\n" + re.escape(PROMPT) + "$", pos=pos, whole_lines=False)
        costs.append(com1_row(vm)[1] - before)
    per_byte = (costs[1] - costs[0]) / typed
    assert 0.9 <= per_byte <= 1.2, \
        f"{costs[1] - costs[0]} COM1 services for {typed} echoed bytes ({costs})"
    # And the driver still sends long output: the answer needs several
    # FIFO-fulls, each refilled on transmit-empty.
    assert vm.shell("echo " + "y" * 100) == "y" * 100 + "\n"


def ioapic_rises(vm, pin):
    """How many times QEMU's IOAPIC saw input `pin` rise (HMP `info irq`):
    the machine's own count, not knock's."""
    text = vm.qmp.hmp("info irq").replace("\r", "")
    block = re.search(r"^IRQ statistics for ioapic:\n((?: *\d+: \d+\n)*)", text, re.M)
    assert block, text
    counts = dict(map(int, line.split(":")) for line in block.group(1).splitlines())
    return counts.get(pin, 0)


PASTE = 480


def test_com1_interrupts_every_four_received_bytes(boot):
    """The driver asks COM1 to interrupt at 4 received bytes (FCR), which
    leaves a streaming line 12 byte times before an overrun instead of
    the 2 that 14 left (chips/x86_64/uart16550.h, UART16550_RX_TRIGGER).
    QEMU's 16550 models the level: it takes from the host only up to the
    trigger while the FIFO is below it and raises the line on reaching
    it. So a paste arrives in interrupts of about 4 bytes, counted by
    QEMU's IOAPIC (IRQ4's rises), the bytes by this end. NUL bytes before
    a line are dropped without an echo, so nothing is sent back to add
    transmit-empty interrupts; a run without them cancels the Ctrl-C's
    own costs."""
    vm = boot()
    vm.wait_shell()
    rises = []
    for count in (0, PASTE):
        before = ioapic_rises(vm, 4)
        pos = len(vm.log)
        vm.serial_write_bulk(b"\0" * count + CTRL_C.encode())
        vm.wait_for(r"\^C\n" + re.escape(PROMPT) + "$", pos=pos, whole_lines=False)
        rises.append(ioapic_rises(vm, 4) - before)
    paste_rises = rises[1] - rises[0]
    print(f"COM1: {paste_rises} interrupts for {PASTE} bytes ({rises})")
    assert paste_rises > 0, rises
    per_rise = PASTE / paste_rises
    # 14 (the old level) gave about 14, 8 about 8, 1 about 1.
    assert 3 <= per_rise <= 6, f"{paste_rises} COM1 interrupts for {PASTE} bytes ({rises})"
    assert vm.shell("echo after the paste") == "after the paste\n"


def test_a_long_answer_costs_one_com1_interrupt_per_fifo_fill(boot, tmp_path):
    """QEMU's 16550 sends each byte the instant it is written and raises
    transmit-empty again after it: filling the FIFO with that interrupt on
    took one interrupt per byte (`help` three times: about 4,900 for 6,500
    bytes). The driver fills with it off and turns it on after, one
    interrupt per 16 bytes (chips/x86_64/uart16550.c, fill_tx_fifo). The
    count is QEMU's own: the hardware interrupts its CPU took on COM1's
    vector, from `-d int`, read once QEMU has exited and flushed its log;
    the bytes are what reached this end of the line."""
    log = tmp_path / "interrupts.log"
    vm = boot(extra_args=["-d", "int", "-D", str(log)])
    vm.wait_shell()
    m = re.search(r"^irq: ISA IRQ 4 -> .* -> vector (0x[0-9a-f]+) on APIC", vm.log, re.M)
    assert m, "no COM1 routing line in the boot log"
    vector = int(m.group(1), 16)
    answers = [vm.shell("help") for _ in range(3)]
    assert all(a == answers[0] and "commands:" in a for a in answers), answers
    sent = len(vm.log) + vm.log.count("\n")  # each newline went out as CR LF
    vm.kill()
    taken = log.read_text(errors="replace").count(f"Servicing hardware INT=0x{vector:02x}")
    # 16 bytes a fill, and the 15 typed bytes' own interrupts: a bound of
    # half a FIFO per interrupt leaves room for both, and a driver taking
    # one per byte is far above it.
    assert 15 <= taken <= sent // 8, f"{taken} COM1 interrupts for {sent} bytes sent"


RANDOM_SEED = 4
# Each burst of noise ends in one of these, the states hardest to leave:
# half an escape sequence, a line too long, a bare CR.
DROPPED_NOTE = r"console: \d+ keys dropped \(typed while busy\)"
NASTY_TAILS = ["\x1b", "\x1b[", "\x1b[1;", "\x1bO", "\x1b[?25", "\x1b[99999999",
               "\x1b[1;2;3;4;5;6", "x" * 200, "echo half", "\r"]


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_random_bytes_on_serial_leave_the_shell_answering(boot, version, machine):
    vm = boot(machine=machine)
    vm.wait_shell()
    noise = random.Random(RANDOM_SEED).randbytes(RANDOM_BYTES)
    burst = RANDOM_BYTES // len(NASTY_TAILS)
    sent = 0
    for i, tail in enumerate(NASTY_TAILS):
        pos = len(vm.log)
        # Ctrl-C must clear whatever line or sequence the burst left half
        # done; the mark proves the line after it ran whole. The guest
        # takes the bytes in order, so the mark also waits for the noise.
        data = noise[i * burst:(i + 1) * burst] + tail.encode() + \
            f"{CTRL_C}echo mark-{i}\r".encode()
        vm.serial_write(data)
        sent += len(data)
        # The answer, then the prompt (after the console's note of keys
        # it dropped while the shell was busy, if any). Not anchored at a
        # line start: echo that cannot keep up with a flood is dropped
        # (console.h), the Enter's newline too, so the answer may follow
        # garbage on its line.
        vm.wait_for(rf"mark-{i}\n(?:{DROPPED_NOTE}\n)?knock> ", timeout=30, pos=pos,
                    whole_lines=False)
    # Quiet again: exact answers, echo and all.
    assert vm.shell("echo quiet now") == "quiet now\n"
    assert vm.shell("version") == f"knock {version}\n"

    raised, serviced, received = com1_row(vm)
    # Not a byte was lost on the way to the driver. (The console may then
    # drop keys that came while the shell was busy, and says so.)
    sent += len("echo quiet now\r") + len("version\r") + len("irqs\r")
    assert received == sent, f"the UART received {received} bytes of {sent}"
    assert serviced > 0 and raised > 0
    assert "PANIC" not in vm.log
    assert vm.wait_cpu_halted() is True
