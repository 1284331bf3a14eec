"""Tests of tools/serial_console.py against a fake QEMU chardev server."""
import os
import pathlib
import pty
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import termios
import time

import pytest

CONSOLE = pathlib.Path(__file__).resolve().parents[1] / "serial_console.py"


@pytest.fixture
def server():
    # A short directory: unix socket paths are limited to about 100 bytes.
    tmp = tempfile.mkdtemp(prefix="knock-serial-")
    path = os.path.join(tmp, "serial.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(1)
    sock.settimeout(10)
    yield path, sock
    sock.close()
    shutil.rmtree(tmp)


def recv_until(conn, wanted, timeout=10):
    conn.settimeout(timeout)
    got = b""
    while wanted not in got:
        chunk = conn.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def test_forwards_both_ways_and_ctrl_bracket_quits(server):
    path, sock = server
    proc = subprocess.Popen([sys.executable, str(CONSOLE), path], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conn, _ = sock.accept()
    conn.sendall(b"knock 0.1.0 ready\r\n")
    proc.stdin.write(b"help\r")
    proc.stdin.flush()
    assert recv_until(conn, b"help\r") == b"help\r"
    proc.stdin.write(b"up\x1dtime")  # only what comes before Ctrl-] is sent
    proc.stdin.flush()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == b"knock 0.1.0 ready\r\n"
    assert b"Ctrl-] quits" in err
    conn.settimeout(10)
    assert recv_until(conn, b"never") == b"up"
    conn.close()


def test_stops_when_qemu_closes_the_socket(server):
    path, sock = server
    proc = subprocess.Popen([sys.executable, str(CONSOLE), path], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conn, _ = sock.accept()
    conn.sendall(b"bye\n")
    conn.close()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == b"bye\n"
    assert b"connection closed" in err


def test_no_server_says_to_start_qemu(tmp_path):
    proc = subprocess.run([sys.executable, str(CONSOLE), str(tmp_path / "none.sock")],
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert "make run" in proc.stderr


def test_terminal_keys_are_raw_and_the_terminal_is_restored(server):
    path, sock = server
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([sys.executable, str(CONSOLE), path], stdin=slave, stdout=slave,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    conn, _ = sock.accept()
    # In raw mode Ctrl-C is a byte for knock's shell, not a signal, and keys
    # arrive without waiting for Enter.
    deadline = time.monotonic() + 10
    while termios.tcgetattr(slave)[3] & termios.ICANON and time.monotonic() < deadline:
        time.sleep(0.01)
    os.write(master, b"a\x03b")
    assert recv_until(conn, b"b") == b"a\x03b"
    # Output processing stays on: a bare newline from the guest is CR LF.
    conn.sendall(b"x\n")
    seen = b""
    while b"x\r\n" not in seen and select.select([master], [], [], 10)[0]:
        seen += os.read(master, 100)
    assert b"x\r\n" in seen
    os.write(master, b"\x1d")
    assert proc.wait(timeout=10) == 0
    assert termios.tcgetattr(slave) == before
    conn.close()
    os.close(master)
    os.close(slave)
