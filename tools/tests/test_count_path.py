"""Tests of tools/count_path.py's pure parts: symbols from nm, the
disassembly checks, the stop conditions and the walk, over a fake CPU (no
gdb, no QEMU). tests/e2e/test_count_path.py counts real paths."""
import importlib.util
import pathlib

import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("count_path", TOOLS / "count_path.py")
cp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cp)

NM = """\
0000000000100000 0000000000000010 T loop_run
0000000000100010 0000000000000020 t console_deferred
0000000000100040 T top_half_keyboard
0000000000100050 0000000000000008 t helper
0000000000100080 0000000000000008 t helper
0000000000200000 0000000000000100 b console
"""

OBJDUMP = """\
build/knock.elf:     file format elf64-x86-64

Disassembly of section .text:

0000000000100000 <loop_run>:
  100000:\tpush   rbp
  100001:\tsti
  100002:\thlt
  100003:\tlock bts QWORD PTR gs:0x0,0x1
  10000a:\tout    dx,al
  10000b:\tout    0x80,al
  10000d:\trep stos BYTE PTR es:[rdi],al
  10000f:\tjmp    10000f <loop_run+0xf>
"""


@pytest.fixture
def syms():
    return cp.Symbols(NM)


@pytest.fixture
def dis():
    return cp.Disassembly(OBJDUMP)


# --- symbols ---------------------------------------------------------------

def test_symbols_resolve_names_offsets_and_addresses(syms):
    assert syms.resolve("loop_run") == 0x100000
    assert syms.resolve("console_deferred+0x8") == 0x100018
    assert syms.resolve("console_deferred+8") == 0x100018
    assert syms.resolve("0x1234") == 0x1234
    assert syms.resolve("top_half_keyboard") == 0x100040  # nm gives no size


def test_an_unknown_symbol_names_the_closest(syms):
    with pytest.raises(cp.CountError, match=r"no symbol 'loop_rum'.*loop_run"):
        syms.resolve("loop_rum")


def test_an_ambiguous_static_is_refused(syms):
    with pytest.raises(cp.CountError, match=r"'helper' is ambiguous: 2 definitions"):
        syms.resolve("helper")


def test_a_spec_that_is_not_an_address_is_refused(syms):
    with pytest.raises(cp.CountError, match="cannot read"):
        syms.resolve("loop_run-4")


def test_describe_names_the_function_holding_an_address(syms):
    assert syms.describe(0x100000) == "loop_run"
    assert syms.describe(0x100014) == "console_deferred+0x4"
    assert syms.describe(0x100030) == "0x100030"  # past console_deferred's end
    assert syms.describe(0x10) == "0x10"


# --- disassembly -----------------------------------------------------------

def test_disassembly_reads_instructions_and_prefixes(dis):
    assert dis.at(0x100002) == "hlt"
    assert dis.mnemonic(0x100003) == "bts"
    assert dis.mnemonic(0x12345) == ""


def test_follows_hlt_is_the_instruction_before(dis):
    assert dis.follows_hlt(0x100003)
    assert not dis.follows_hlt(0x100002)


def test_out_port_reads_dx_only_for_out_dx(dis):
    asked = []

    def reg(name):
        asked.append(name)
        return 0x123403F8

    assert dis.out_port(0x10000a, reg) == 0x3F8
    assert dis.out_port(0x10000b, reg) == 0x80
    assert dis.out_port(0x100000, reg) is None
    assert asked == ["rdx"]


def test_range_addresses(dis):
    assert dis.range_addresses(0x100001, 0x10000a) == [0x100001, 0x100002, 0x100003]


# --- the walk over a fake CPU ------------------------------------------------

class FakeCpu:
    """Runs `path` (a list of addresses) one step at a time; `ports` and
    `watch` say what the instruction at an address writes."""

    def __init__(self, path, ports=None, watch=None, stalls=()):
        self.path = list(path)
        self.i = 0
        self.ports = ports or {}
        self.watch = watch or {}
        self.stalls = set(stalls)  # step numbers after which the CPU did not move
        self.steps = 0
        self._hits = []

    def pc(self):
        return self.path[self.i]

    def register(self, name):
        return self.ports[self.pc()]

    def step(self):
        self.steps += 1
        if self.steps in self.stalls:
            return
        self._hits = list(self.watch.get(self.pc(), ()))
        self.i += 1

    def watch_hits(self):
        hits, self._hits = self._hits, []
        return hits


def straight(n, base=0x1000):
    return [base + i for i in range(n)]


def test_reach_stops_before_the_reached_instruction():
    cpu = FakeCpu(straight(10))
    w = cp.walk(cpu, cp.Reach("client", [0x1004]))
    assert (w.steps, w.end_pc, w.times) == (4, 0x1004, {"client": 4})


def test_reaching_the_start_is_zero_steps():
    w = cp.walk(FakeCpu(straight(3)), cp.Reach("here", [0x1000]))
    assert w.steps == 0


def test_executed_counts_the_instruction_itself():
    w = cp.walk(FakeCpu(straight(10)), cp.Executed("store", [0x1004]))
    assert w.steps == 5
    assert w.instructions == {"store": 0x1004}


def test_first_of_and_later_of():
    path = straight(20)
    first = cp.walk(FakeCpu(path), cp.FirstOf("any", [cp.Reach("a", [0x1009]),
                                                      cp.Reach("b", [0x1003])]))
    assert first.steps == 3 and first.times == {"any": 3, "a": None, "b": 3}
    later = cp.walk(FakeCpu(path), cp.LaterOf("all", [cp.Reach("a", [0x1009]),
                                                      cp.Reach("b", [0x1003])]))
    assert later.steps == 9 and later.times == {"all": 9, "a": 9, "b": 3}


def test_later_of_keeps_the_first_time_a_part_held():
    # 0x1002 is passed twice; its first arrival counts.
    path = [0x1000, 0x1001, 0x1002, 0x1001, 0x1002, 0x1005]
    w = cp.walk(FakeCpu(path), cp.LaterOf("all", [cp.Reach("a", [0x1002]),
                                                  cp.Reach("b", [0x1005])]))
    assert w.times == {"all": 5, "a": 2, "b": 5}


def test_port_and_watch_events():
    cpu = FakeCpu(straight(10), ports={0x1002: 0x3F8}, watch={0x1005: ["screen"]})
    dis = cp.Disassembly("  1002:\tout    dx,al\n")
    stop = cp.LaterOf("echo", [cp.PortWritten("thr", 0x3F8), cp.Written("vga", "screen")])
    w = cp.walk(cpu, stop, disasm=dis)
    assert w.times == {"echo": 6, "thr": 3, "vga": 6}
    assert w.instructions == {"echo": 0x1005, "thr": 0x1002, "vga": 0x1005}


def test_left_and_count_if():
    # Inside the block [0x1000, 0x1004), only 0x1000 and 0x1002 are its own.
    w = cp.walk(FakeCpu(straight(8)), cp.Left("out", straight(4)),
                count_if=lambda a: a in (0x1000, 0x1002))
    assert (w.steps, w.counted) == (4, 2)


def test_marks_are_recorded_without_stopping():
    w = cp.walk(FakeCpu(straight(10)), cp.Reach("end", [0x1008]),
                marks=[cp.Reach("iret", [0x1003])])
    assert w.steps == 8 and w.marks == {"iret": 3}


def test_the_step_cap_stops_a_walk_that_never_ends():
    loop = [0x1000, 0x1001] * 100
    with pytest.raises(cp.PathTooLong, match=r"step cap 50 reached before client"):
        cp.walk(FakeCpu(loop), cp.Reach("client", [0x2000]), cap=50)


def test_the_cap_is_the_most_steps_allowed():
    assert cp.walk(FakeCpu(straight(10)), cp.Reach("c", [0x1005]), cap=5).steps == 5
    with pytest.raises(cp.PathTooLong):
        cp.walk(FakeCpu(straight(10)), cp.Reach("c", [0x1005]), cap=4)


def test_hlt_before_the_stop_is_an_error_not_a_hang(dis):
    cpu = FakeCpu([0x100000, 0x100001, 0x100002, 0x100003])
    with pytest.raises(cp.PathHalts, match=r"hlt at 0x100002 after 2 instructions"):
        cp.walk(cpu, cp.Reach("never", [0x5000]), disasm=dis)


def test_a_stop_that_ran_nothing_is_not_counted(dis):
    # The fake stalls once (as QEMU does after a watchpoint's step).
    cpu = FakeCpu([0x100000, 0x100001, 0x100003], stalls={2})
    w = cp.walk(cpu, cp.Reach("c", [0x100003]), disasm=dis)
    assert (w.steps, w.idle_stops) == (2, 1)


def test_a_rep_instruction_counts_each_iteration(dis):
    # rep stos at 0x10000d: three iterations, then the next instruction.
    cpu = FakeCpu([0x10000d, 0x10000d, 0x10000d, 0x10000f], stalls=set())
    w = cp.walk(cpu, cp.Reach("after", [0x10000f]), disasm=dis)
    assert (w.steps, w.idle_stops) == (3, 0)


def test_conditions_need_something_to_wait_for():
    with pytest.raises(cp.CountError):
        cp.Reach("nothing", [])
    with pytest.raises(cp.CountError):
        cp.LaterOf("none", [])


def test_command_line_needs_a_stop_and_a_trigger():
    with pytest.raises(SystemExit):
        cp.parse_args(["--start", "top_half_keyboard", "--key", "a"])
    with pytest.raises(SystemExit):
        cp.parse_args(["--start", "top_half_keyboard", "--until-return"])
    args = cp.parse_args(["--start", "top_half_keyboard", "--key", "a", "--until-return"])
    assert args.cap == cp.DEFAULT_CAP


def test_profile_counts_instructions_per_function(syms):
    trail = [0x100000, 0x100001, 0x100010, 0x100012, 0x100014, 0x100040]
    assert cp.profile(trail, syms) == {"console_deferred": 3, "loop_run": 2,
                                       "top_half_keyboard": 1}


def test_a_walk_keeps_its_trail():
    w = cp.walk(FakeCpu(straight(5)), cp.Reach("c", [0x1003]))
    assert w.trail == [0x1000, 0x1001, 0x1002]


def test_a_failure_keeps_its_message_ahead_of_a_long_serial_log():
    log = [f"boot: line {i}" for i in range(100)]
    out = "\n".join(["gdb noise", "count_path: the path went back to sleep", "--- serial log:"]
                    + log + ["--- end of serial log"])
    text = cp.failure_text(out)
    assert text.splitlines()[0] == "count_path: the path went back to sleep"
    assert text.splitlines()[-1] == "--- end of serial log"
    assert "boot: line 50" not in text
    # A short failure is shown whole.
    assert cp.failure_text("a\ncount_path: short") == "a\ncount_path: short"
