"""Boot the knock ISO in QEMU and talk to it as a user would.

One `Knock` is one QEMU process (TCG only, never KVM, so every host gives
the same machine) with:

- the serial line on a unix socket (or, with serial_file=True, in a file
  that a thread tails), read by a background thread into a
  text buffer; `wait_for(regex)` waits on that buffer (a condition variable,
  no sleeping) until a deadline and then fails with the whole serial log;
- QMP on a second unix socket, with a tiny JSON client: commands, events,
  and `cpu_state()` (halted? interrupts on?) read from `info registers`;
- `-no-reboot` and an isa-debug-exit device at port 0xf4, so a guest that
  writes N there makes QEMU exit with status 2N+1 (`wait_exit()`).

Both sockets are *ours*: we listen, and QEMU connects to them as a client
while it starts, before the guest runs its first instruction. So no serial
output is ever lost and there is no retry loop waiting for QEMU to create
its socket (with QEMU as the server and wait=off, bytes sent before we
connect are dropped).

Kernel options reach the guest through the fw_cfg file opt/knock/cmdline,
which board/pc/options.c appends to GRUB's command line.

Used by tests/e2e (through conftest.py) and by tools/bench.py, which imports
this file by path. Standard library only.
"""
import codecs
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
CMDLINE_FW_CFG = "opt/knock/cmdline"
# UEFI firmware for Knock(uefi=True): Debian's ovmf, the OVMF build with
# code and variables in one image, usable read-only as -bios.
OVMF = os.environ.get("KNOCK_OVMF", "/usr/share/ovmf/OVMF.fd")

# Every timeout is multiplied by this (slow or loaded hosts: export
# KNOCK_TIMEOUT_SCALE=3). A wait that succeeds returns at once, so generous
# timeouts cost nothing when things work.
TIMEOUT_SCALE = float(os.environ.get("KNOCK_TIMEOUT_SCALE", "1"))
BOOT_TIMEOUT = 20.0  # QEMU start to a kernel line: SeaBIOS + GRUB + kernel
UEFI_BOOT_TIMEOUT = 30.0  # the same under OVMF (about 3.5 s on an idle host)
STEP_TIMEOUT = 5.0  # one kernel line to the next

# "RFL=00000202 [-------] ... HLT=1" in `info registers` (EFL= in 32-bit
# mode); IF is bit 9.
_EFLAGS = re.compile(r"\b(?:EFL|RFL)=([0-9a-fA-F]+)")
_HALTED = re.compile(r"\bHLT=([01])")
EFLAGS_IF = 1 << 9


def makefile_version(repo=REPO):
    """knock's version, from the Makefile's `VERSION := x.y.z`."""
    text = (Path(repo) / "Makefile").read_text()
    m = re.search(r"^VERSION\s*:?=\s*(\S+)", text, re.M)
    if not m:
        raise RuntimeError("no VERSION in the Makefile")
    return m.group(1)


def banner_pattern(version):
    """The line board/pc/main.c prints once the loop runs."""
    return rf"^knock {re.escape(version)} ready on the pc board$"


# chips/x86_64/lapic_alarm.c's boot line: the clocks' rates and how far
# off each may be (the PIT calibration is stretched when the host is busy;
# no bound when the rates were assumed).
CALIBRATION = re.compile(r"^timer: TSC (\d+\.\d+) MHz(?: \+-(\d+) ppm)?, "
                         r"LAPIC timer (\d+\.\d+) MHz(?: \+-(\d+) ppm)? \(.*\)$", re.M)


# The shell's prompt (capsules/shell.h SHELL_PROMPT).
PROMPT = "knock> "

# The VGA text screen: 80x25 cells of (character, attribute) at 0xb8000.
VGA_TEXT = 0xB8000
VGA_COLUMNS, VGA_ROWS = 80, 25


# The console's take-off of the input line, and the start of one that the
# next chunk from the socket may finish.
_TAKE_OFF = re.compile(r"\r *\r")
_UNFINISHED_TAKE_OFF = re.compile(r"\r *\Z")


def serial_text(held, chunk):
    """(held, text): what the log gains from `chunk`, the next text off the
    serial line, after `held`, what the last chunk left unfinished. A
    take-off ends the taken-off line, other CRs go; a CR and spaces at the
    end are held until the next chunk says whether they are a take-off."""
    text = _TAKE_OFF.sub("\n", held + chunk)
    m = _UNFINISHED_TAKE_OFF.search(text)
    held, text = (text[m.start():], text[:m.start()]) if m else ("", text)
    return held, text.replace("\r", "")


def screen_rows(text, columns=VGA_COLUMNS):
    """The rows knock's text consoles (VGA's and the framebuffer's) make of
    `text`: a line wraps at `columns`, and one that fills the last column
    has already moved to the next row when its newline comes."""
    rows = []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        chunks = [line[i:i + columns] for i in range(0, len(line), columns)] or [""]
        if len(line) and len(line) % columns == 0 and n < len(lines) - 1:
            chunks.append("")
        rows += chunks
    return [r.rstrip() for r in rows]

# Characters to QMP qcodes on a US keyboard (QEMU's qapi/ui.json QKeyCode).
# Letters and digits are their own qcode.
_QCODE = {" ": "spc", "-": "minus", "=": "equal", "[": "bracket_left",
          "]": "bracket_right", ";": "semicolon", "'": "apostrophe",
          "`": "grave_accent", "\\": "backslash", ",": "comma", ".": "dot",
          "/": "slash", "\n": "ret", "\t": "tab", "\b": "backspace"}
_SHIFTED_QCODE = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6",
                  "&": "7", "*": "8", "(": "9", ")": "0", "_": "minus",
                  "+": "equal", "{": "bracket_left", "}": "bracket_right",
                  ":": "semicolon", '"': "apostrophe", "~": "grave_accent",
                  "|": "backslash", "<": "comma", ">": "dot", "?": "slash"}


def key_chord(ch):
    """The qcodes to hold down together to type `ch` on a US keyboard:
    'a' -> ['a'], 'A' -> ['shift', 'a'], '_' -> ['shift', 'minus']."""
    if ch.isascii() and (ch.islower() or ch.isdigit()):
        return [ch]
    if ch.isascii() and ch.isupper():
        return ["shift", ch.lower()]
    if ch in _QCODE:
        return [_QCODE[ch]]
    if ch in _SHIFTED_QCODE:
        return ["shift", _SHIFTED_QCODE[ch]]
    raise ValueError(f"no US key types {ch!r}")


class KnockFailure(AssertionError):
    """A wait that did not succeed. The message carries the serial log."""


class QmpError(RuntimeError):
    pass


def fw_cfg_string(text):
    """QEMU splits option values at commas; a literal comma is doubled."""
    return text.replace(",", ",,")


def qemu_version(qemu=QEMU):
    """'7.2.22' from `qemu-system-x86_64 --version`."""
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else out.splitlines()[0]


# Looked up here, not in the forked child, where loading anything could
# deadlock on a lock another thread held at fork time.
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Run in the child before exec: if the test process dies without its
    teardown (SIGKILL, a crash), the kernel kills QEMU too (Linux prctl
    PR_SET_PDEATHSIG). Tied to the thread that started QEMU."""
    if _prctl:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


class Qmp:
    """QMP over a connected socket: greeting, qmp_capabilities, then
    commands (matched to their replies by id) and events (queued)."""

    def __init__(self, sock, timeout):
        self._sock = sock
        self._buf = b""
        self._next_id = 0
        self.events = []
        greeting = self._read_message(time.monotonic() + timeout)
        if "QMP" not in greeting:
            raise QmpError(f"not a QMP greeting: {greeting!r}")
        self.command("qmp_capabilities", timeout=timeout)

    def _read_message(self, deadline):
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QmpError("timed out waiting for QMP")
            self._sock.settimeout(remaining)
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise QmpError(f"QMP socket: {e}") from e
            if not data:
                raise QmpError("QEMU closed the QMP socket")
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, arguments=None, timeout=STEP_TIMEOUT):
        """Run one QMP command (arguments: a dict, as QMP spells them) and
        return its "return" value."""
        self._next_id += 1
        request = {"execute": name, "id": self._next_id}
        if arguments:
            request["arguments"] = arguments
        try:
            self._sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as e:
            raise QmpError(f"QMP socket: {e}") from e
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while True:
            msg = self._read_message(deadline)
            if "event" in msg:
                self.events.append(msg)
            elif msg.get("id") == self._next_id:
                if "error" in msg:
                    raise QmpError(f"{name}: {msg['error']}")
                return msg.get("return")

    def wait_event(self, name, timeout=STEP_TIMEOUT):
        """Return (and consume) the first queued or arriving event `name`."""
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            msg = self._read_message(deadline)
            if "event" in msg:
                self.events.append(msg)

    def hmp(self, command_line):
        """A human monitor command (`info registers`, ...), as text."""
        return self.command("human-monitor-command", {"command-line": command_line})


class Knock:
    """One QEMU running the knock ISO. Use as a context manager, or call
    start() and always kill() (conftest.py does it in teardown)."""

    def __init__(self, iso, machine="pc", memory_mib=128, cmdline=None, cpu=None,
                 icount=None, smp=1, extra_args=(), qemu=QEMU, name="knock",
                 uefi=False, accel="tcg", serial_file=False):
        self.iso = Path(iso)
        self.machine = machine
        self.memory_mib = memory_mib
        self.cmdline = cmdline
        self.cpu = cpu
        self.icount = icount
        self.smp = smp
        # "tcg,thread=single": all vCPUs on one host thread, taking turns,
        # and a `pause` in a spin-wait hands the turn on (docs/smp.md).
        self.accel = accel
        self.extra_args = list(extra_args)
        self.qemu = qemu
        self.name = name
        self.uefi = uefi  # boot under OVMF (UEFI) instead of SeaBIOS
        # COM1 into a file instead of our socket: QEMU's UART then never
        # waits for the host to read (a socket that is full makes it retry
        # later, at host pace), so a run under -icount stays deterministic
        # (tools/bakeoff.py). The line is then output only: serial_write()
        # refuses.
        self.serial_file = serial_file
        self._stop_tail = threading.Event()
        self.proc = None
        self.qmp = None
        self.started_at = None  # time.monotonic() just before QEMU was spawned
        self._dir = None
        self._listeners = []
        self._serial = None
        self._reader = None
        self._cond = threading.Condition()
        self._text = ""
        self._arrivals = []  # (length of the log after a chunk, arrival time)
        self._serial_closed = False
        self._stderr_path = None

    # --- life cycle -------------------------------------------------------

    def args(self, serial_path, qmp_path):
        a = [self.qemu,
             "-machine", self.machine, "-accel", self.accel,
             "-m", str(self.memory_mib), "-smp", str(self.smp),
             "-cdrom", str(self.iso), "-boot", "d",
             "-display", "none", "-monitor", "none", "-no-reboot",
             # No network: nothing uses one yet, and the NIC option ROM
             # only slows the firmware down.
             "-nic", "none",
             "-chardev", (f"file,id=ser0,path={serial_path}" if self.serial_file
                          else f"socket,id=ser0,path={serial_path}"),
             "-serial", "chardev:ser0",
             "-chardev", f"socket,id=qmp0,path={qmp_path}",
             "-mon", "chardev=qmp0,mode=control",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if self.uefi:
            a += ["-bios", OVMF]
        if self.cpu:
            a += ["-cpu", self.cpu]
        if self.icount:
            a += ["-icount", self.icount]
        if self.cmdline is not None:
            a += ["-fw_cfg", f"name={CMDLINE_FW_CFG},string={fw_cfg_string(self.cmdline)}"]
        return a + self.extra_args

    def start(self):
        if not self.iso.is_file():
            raise KnockFailure(f"{self.iso} does not exist: build the ISO first (make iso)")
        if self.uefi and not os.path.isfile(OVMF):
            raise KnockFailure(f"{OVMF} does not exist: install Debian's ovmf (make deps)")
        self._dir = tempfile.mkdtemp(prefix="knock-qemu-")
        serial_path = os.path.join(self._dir, "serial.out" if self.serial_file else "serial.sock")
        qmp_path = os.path.join(self._dir, "qmp.sock")
        serial_listener = None if self.serial_file else self._listen(serial_path)
        qmp_listener = self._listen(qmp_path)
        self._stderr_path = os.path.join(self._dir, "qemu.stderr")
        self.command_line = self.args(serial_path, qmp_path)
        with open(self._stderr_path, "wb") as err:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(self.command_line, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err,
                                         preexec_fn=_die_with_parent)
        deadline = time.monotonic() + BOOT_TIMEOUT * TIMEOUT_SCALE
        if self.serial_file:
            self._reader = threading.Thread(target=self._tail_serial, args=(serial_path,),
                                            daemon=True, name=f"{self.name}-serial")
        else:
            self._serial = self._accept(serial_listener, "serial", deadline)
            self._reader = threading.Thread(target=self._read_serial, daemon=True,
                                            name=f"{self.name}-serial")
        self._reader.start()
        qmp_sock = self._accept(qmp_listener, "QMP", deadline)
        self.qmp = Qmp(qmp_sock, max(deadline - time.monotonic(), 1.0))
        return self

    def kill(self):
        """Stop QEMU for sure and free everything. Safe to call twice."""
        self._stop_tail.set()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
        for s in [self._serial, self.qmp and self.qmp._sock] + self._listeners:
            if s:
                try:
                    s.close()
                except OSError:
                    pass
        if self._reader:
            self._reader.join(timeout=5)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def _listen(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        self._listeners.append(s)
        return s

    def _accept(self, listener, what, deadline):
        # QEMU connects while it starts up; if it dies first (a bad option)
        # nobody ever will, so look at the process between short accepts.
        listener.settimeout(0.05)
        while time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
                conn.settimeout(None)
                return conn
            except socket.timeout:
                if self.proc.poll() is not None:
                    break
        raise KnockFailure(f"QEMU never connected its {what} socket\n{self.describe()}")

    TAIL_POLL_S = 0.01

    def _tail_serial(self, path):
        """The reader of a serial line that goes into a file: what QEMU
        appended, as it comes, until QEMU exits (or kill())."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        f = None
        try:
            while True:
                # Whether QEMU is gone is asked before the read, so that a
                # read after it has everything QEMU ever wrote.
                over = self._stop_tail.is_set() or (self.proc and self.proc.poll() is not None)
                if f is None and os.path.exists(path):
                    f = open(path, "rb")  # pylint: disable=consider-using-with
                data = f.read() if f else b""
                now = time.monotonic()
                with self._cond:
                    if data:
                        self._text += decoder.decode(data).replace("\r", "")
                        self._arrivals.append((len(self._text), now))
                    if over:
                        self._text += decoder.decode(b"", final=True)
                        self._serial_closed = True
                    self._cond.notify_all()
                if over:
                    return
                if not data:
                    # A file has no "data arrived" event to wait on: look
                    # again soon.
                    self._stop_tail.wait(self.TAIL_POLL_S)
        finally:
            if f:
                f.close()

    def _read_serial(self):
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        held = ""  # a CR and spaces that may yet be a take-off (below)
        while True:
            try:
                data = self._serial.recv(4096)
            except OSError:
                data = b""
            now = time.monotonic()
            with self._cond:
                if not data:
                    held, text = serial_text(held, decoder.decode(b"", final=True))
                    self._text += text + held.replace("\r", "")
                    self._serial_closed = True
                    self._cond.notify_all()
                    return
                held, text = serial_text(held, decoder.decode(data))
                self._text += text
                self._arrivals.append((len(self._text), now))
                self._cond.notify_all()

    # --- serial -----------------------------------------------------------

    @property
    def log(self):
        """Everything received on serial so far, without CRs. Where the
        console takes the line being edited off to print above it (CR,
        spaces, CR: capsules/console.c, clear_input_line), that line ends
        here, so what is printed above it starts a line of its own, as on
        a terminal."""
        with self._cond:
            return self._text

    def wait_for(self, pattern, timeout=STEP_TIMEOUT, pos=0, whole_lines=True):
        """Wait until `pattern` (a regex, multi-line mode) matches a complete
        serial line at or after offset `pos` of the log; return the match.
        Only complete lines are searched, so r"(\\d+) KiB" never matches a
        number that is still arriving; whole_lines=False also searches the
        line still arriving (a prompt has no newline after it). Fails with
        the serial log attached when `timeout` passes or QEMU closes the
        serial line first."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        with self._cond:
            while True:
                if self._serial_closed or not whole_lines:
                    end = len(self._text)
                else:
                    end = self._text.rfind("\n") + 1
                m = rx.search(self._text, pos, end)
                if m:
                    return m
                if self._serial_closed:
                    why = "QEMU closed the serial line"
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    why = f"timed out after {timeout * TIMEOUT_SCALE:g} s"
                    break
                self._cond.wait(remaining)
        raise KnockFailure(f"waiting for /{rx.pattern}/ on serial: {why}\n{self.describe()}")

    def arrival_time(self, pos):
        """When (time.monotonic()) the serial byte at offset `pos` arrived."""
        with self._cond:
            for length, t in self._arrivals:
                if pos < length:
                    return t
        raise ValueError(f"offset {pos} has not arrived")

    def serial_write(self, data):
        """Send bytes to the guest's serial line, as a terminal would. A str
        is sent as Latin-1, one byte per character ("\\x1b[D" is Left)."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        if self.serial_file:
            raise KnockFailure("this QEMU's serial line goes into a file: nothing can be sent")
        try:
            self._serial.sendall(data)
        except OSError as e:
            raise KnockFailure(f"cannot write to the serial line: {e}\n{self.describe()}") from e

    def serial_write_bulk(self, data, timeout=STEP_TIMEOUT):
        """Send many bytes, as fast as QEMU takes them, within `timeout`
        seconds. QEMU reads the socket only while the UART's receive FIFO
        has room, so a guest that stops reading stalls this: it fails with
        the serial log instead of blocking forever. Returns the seconds it
        took."""
        started = time.monotonic()
        deadline = started + timeout * TIMEOUT_SCALE
        sent = 0
        while sent < len(data):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KnockFailure(f"serial line: only {sent} of {len(data)} bytes taken in "
                                   f"{timeout * TIMEOUT_SCALE:g} s\n{self.describe()}")
            _, writable, _ = select.select([], [self._serial], [], remaining)
            if not writable:
                continue
            try:
                sent += self._serial.send(data[sent:sent + 65536])
            except OSError as e:
                raise KnockFailure(f"serial line after {sent} bytes: {e}\n"
                                   f"{self.describe()}") from e
        return time.monotonic() - started

    # --- keyboard and screen -------------------------------------------------

    def press(self, *qcodes, hold_ms=None):
        """Press the keys (QMP qcodes: "ctrl", "alt", "delete", "a", ...)
        together, then release them (QMP send-key). QEMU queues the key
        events and plays them with a short delay each (hold_ms, default
        QEMU's 10 ms), in the order the commands came; this returns at once."""
        args = {"keys": [{"type": "qcode", "data": q} for q in qcodes]}
        if hold_ms is not None:
            args["hold-time"] = hold_ms
        try:
            self.qmp.command("send-key", args)
        except QmpError as e:
            raise KnockFailure(f"send-key {qcodes}: {e}\n{self.describe()}") from e

    def send_keys(self, text):
        """Type `text` on the PS/2 keyboard, one key (with Shift if needed)
        at a time; "\\n" is Enter. QEMU's input queue holds about 1000
        events (4 per key), so type a line at a time."""
        for ch in text:
            self.press(*key_chord(ch))

    def type_line(self, text):
        """Type `text` and Enter on the keyboard."""
        self.send_keys(text + "\n")

    def screen(self):
        """The VGA text screen as VGA_ROWS strings (trailing blanks cut),
        read from guest memory at 0xb8000 with QMP pmemsave; characters
        are code page 437, as the VGA shows them."""
        path = os.path.join(self._dir, "vga.bin")
        size = VGA_COLUMNS * VGA_ROWS * 2
        try:
            self.qmp.command("pmemsave", {"val": VGA_TEXT, "size": size, "filename": path})
        except QmpError as e:
            raise KnockFailure(f"cannot read the VGA memory: {e}\n{self.describe()}") from e
        chars = Path(path).read_bytes()[0::2].decode("cp437").replace("\0", " ")
        return [chars[r * VGA_COLUMNS:(r + 1) * VGA_COLUMNS].rstrip() for r in range(VGA_ROWS)]

    # --- the shell -------------------------------------------------------------

    def calibration(self):
        """(TSC MHz, relative uncertainty) the guest measured at boot."""
        m = self.wait_for(CALIBRATION, BOOT_TIMEOUT)
        return float(m.group(1)), int(m.group(2) or 0) / 1e6

    def wait_shell(self, timeout=BOOT_TIMEOUT, pos=0):
        """Wait for the shell's first prompt at or after log offset `pos`
        (0: since QEMU started); return the log offset after it."""
        return self.wait_for("^" + re.escape(PROMPT), timeout, pos=pos, whole_lines=False).end()

    def shell(self, line, timeout=STEP_TIMEOUT, keyboard=False):
        """Type `line` and Enter at the prompt, on the serial line (or the
        keyboard), and return the answer: the lines between the echoed
        line and the next prompt. The prompt must be up (after wait_shell()
        or another shell()). Alarm messages printed meanwhile may be part
        of the answer."""
        pos = len(self.log)
        if keyboard:
            self.type_line(line)
        else:
            self.serial_write(line + "\r")
        m = self.wait_for(re.escape(line) + r"\n((?:.*\n)*?)" + re.escape(PROMPT), timeout,
                          pos=pos, whole_lines=False)
        return m.group(1)

    # --- the machine --------------------------------------------------------

    def cpu_state(self):
        """(halted, interrupts_enabled) of CPU 0, from `info registers`."""
        try:
            regs = self.qmp.hmp("info registers")
        except QmpError as e:
            raise KnockFailure(f"cannot read CPU 0's registers: {e}\n{self.describe()}") from e
        efl, hlt = _EFLAGS.search(regs), _HALTED.search(regs)
        if not efl or not hlt:
            raise KnockFailure(f"cannot read EFL/HLT from `info registers`:\n{regs}")
        return hlt.group(1) == "1", bool(int(efl.group(1), 16) & EFLAGS_IF)

    def wait_cpu_halted(self, timeout=STEP_TIMEOUT):
        """Wait until CPU 0 executes `hlt`; return whether interrupts are on
        (True: idle in the loop, False: stopped for good, as after a panic).
        Each check is one QMP round trip, bounded by the deadline."""
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while True:
            halted, irq_on = self.cpu_state()
            if halted:
                return irq_on
            if time.monotonic() > deadline:
                raise KnockFailure(f"CPU 0 never halted within {timeout} s\n{self.describe()}")

    def wait_exit(self, timeout=STEP_TIMEOUT):
        """Wait for QEMU to exit and return its status. After the guest
        writes N to isa-debug-exit (port 0xf4) the status is 2N+1."""
        try:
            return self.proc.wait(timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            raise KnockFailure(f"QEMU did not exit within {timeout} s\n{self.describe()}")

    def describe(self):
        """QEMU's command line, state and stderr, and the serial log."""
        state = "not started"
        if self.proc:
            try:  # a QEMU that just dropped a socket is usually exiting
                rc = self.proc.wait(0.5)
            except subprocess.TimeoutExpired:
                rc = None
            state = "running" if rc is None else f"exited with status {rc}"
        stderr = ""
        if self._stderr_path and os.path.exists(self._stderr_path):
            with open(self._stderr_path, errors="replace") as f:
                stderr = f.read().strip()
        cmd = " ".join(getattr(self, "command_line", []) or [])
        return (f"--- QEMU ({state}): {cmd}\n"
                + (f"--- QEMU stderr:\n{stderr}\n" if stderr else "")
                + f"--- serial log:\n{self.log}--- end of serial log")
