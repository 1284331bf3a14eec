#!/usr/bin/python3
"""Attach this terminal to knock's serial console: serial_console.py SOCKET

`make run` gives QEMU's COM1 a unix socket (a chardev server); `make serial`
runs this to talk to it. Keys go to knock as they are typed (raw mode, so
Ctrl-C reaches knock's shell instead of killing this program); Ctrl-] quits,
as in telnet. Standard library only.
"""
import os
import select
import socket
import sys
import termios
import tty

QUIT_KEY = b"\x1d"  # Ctrl-]


def connect(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        sys.exit(f"serial_console: nothing listening on {path}: start `make run` first")
    return sock


def raw_keys(fd):
    """Put the terminal in raw mode for input but keep output processing, so
    a bare "\\n" from the guest still starts a new line. Returns the settings
    to restore."""
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    mode = termios.tcgetattr(fd)
    mode[1] |= termios.OPOST | termios.ONLCR  # output flags
    termios.tcsetattr(fd, termios.TCSANOW, mode)
    return saved


def pump(sock, stdin_fd, stdout_fd):
    """Copy stdin to the socket and the socket to stdout until Ctrl-] is
    typed or the guest side closes. Returns why it stopped."""
    inputs = [sock, stdin_fd]
    while True:
        ready, _, _ = select.select(inputs, [], [])
        if sock in ready:
            data = sock.recv(4096)
            if not data:
                return "connection closed by QEMU"
            os.write(stdout_fd, data)
        if stdin_fd in ready:
            keys = os.read(stdin_fd, 4096)
            if not keys:  # end of piped input: keep showing output
                inputs.remove(stdin_fd)
                continue
            quit_at = keys.find(QUIT_KEY)
            if quit_at >= 0:
                sock.sendall(keys[:quit_at])
                return "quit"
            sock.sendall(keys)


def main(argv):
    if len(argv) != 2:
        print("usage: serial_console.py SOCKET", file=sys.stderr)
        return 2
    sock = connect(argv[1])
    stdin_fd, stdout_fd = sys.stdin.fileno(), sys.stdout.fileno()
    print(f"serial_console: connected to {argv[1]}; Ctrl-] quits", file=sys.stderr)
    saved = raw_keys(stdin_fd) if os.isatty(stdin_fd) else None
    try:
        why = pump(sock, stdin_fd, stdout_fd)
    except KeyboardInterrupt:  # only when stdin is not a terminal
        why = "interrupted"
    finally:
        if saved is not None:
            termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        sock.close()
    print(f"\nserial_console: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
