"""The harness's own logic that needs no QEMU: how serial bytes become the
log (knock_qemu.serial_text) and how text becomes screen rows."""
from knock_qemu import screen_rows, serial_text

# The console prints above a line being edited: CR, spaces, CR, the line,
# then the prompt again (capsules/console.c, clear_input_line).
RAW = ("knock> \r       \rblink 1 (846 us late)\r\nknock> upt\r          \r"
       "alarm 1 fired\r\nknock> upt\r\nup 0:00:01.000 (1000000 us)\r\nknock> ")
LOG = ("knock> \nblink 1 (846 us late)\nknock> upt\nalarm 1 fired\nknock> upt\n"
       "up 0:00:01.000 (1000000 us)\nknock> ")


def log_of(chunks):
    held, log = "", ""
    for chunk in chunks:
        held, text = serial_text(held, chunk)
        log += text
    return log + held.replace("\r", "")


def test_a_take_off_ends_the_line_however_the_socket_splits_it():
    assert log_of([RAW]) == LOG
    for i in range(len(RAW) + 1):
        assert log_of([RAW[:i], RAW[i:]]) == LOG, i
    for i in range(len(RAW)):
        assert log_of([RAW[:i], RAW[i], RAW[i + 1:]]) == LOG, i
    assert log_of(list(RAW)) == LOG


def test_other_crs_go_and_spaces_stay():
    assert log_of(["a \r", "\nb  ", "c\r\n"]) == "a \nb  c\n"
    assert log_of(["x\r  ", "y"]) == "x  y"


def test_screen_rows_wrap_as_the_consoles_do():
    assert screen_rows("abcd\nef", 4) == ["abcd", "", "ef"]
    assert screen_rows("abcdef", 4) == ["abcd", "ef"]
    assert screen_rows("", 4) == [""]
