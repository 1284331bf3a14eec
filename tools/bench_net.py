#!/usr/bin/python3
"""The UDP echo's figures for `make bench` (docs/drivers.md, "virtio-net").

Two parts:

- Inside gdb (run by tools/bench.py through count_path.run_in_gdb):

    gdb -batch -nx -ex "python import sys; sys.argv = ['bench_net.py', ISO, ELF]" \\
        -x tools/bench_net.py

  udp_echo_instructions: one boot of the ISO with the devices `make run`
  gives it (the Makefile's QEMU_DEVICES: virtio-rng, and virtio-net on
  user networking, here with a UDP port forwarded to knock's port 7),
  under -icount shift=0,sleep=off, gdb on QEMU's stub. A first datagram
  is echoed with the guest running free (slirp learns knock's MAC with
  ARP then: that path is not the one measured); once the CPU sleeps, one
  datagram is sent and the guest single-stepped (tools/count_path.py)
  from the first instruction of the receive queue's top half (the pool
  row its wiring claimed, read from the log) to the first instruction of
  the transport's notify for the transmit queue (virtio_pci_notify with
  queue 1), idle CPU at the start. The echo must then reach the host.
  Prints one JSON line.

- From the host, wall clock (imported by tools/bench.py; no gdb):
  wall_clock(iso) boots the same way under plain TCG and measures the
  round trip of one datagram at a time (median of many) and the
  datagrams per second echoed with a window of 16 in flight. These are
  not repeatable figures: they depend on the host, its load and slirp.
"""
import json
import re
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import count_path as cp  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTIFY = "virtio_pci_notify"  # chips/x86_64/virtio_pci.c
TRANSMITQ = 1
TRIES = 5
CAP = 20000
PAYLOAD = b"knock knock, who's there? udp echo" + bytes(30)  # 64 bytes
RX_CLAIM = re.compile(r"^msi: virtio-net rx claims vector (0x[0-9a-f]+), pending bit (\d+) "
                      r"\((\w+)\)$", re.M)
DEFINITION = ("one 64-byte UDP datagram from the host through slirp's forwarded port to knock's "
              "port 7, idle CPU: from the first instruction of the receive queue's MSI-X top "
              f"half to the first instruction of {NOTIFY} for the transmit queue (queue "
              f"{TRANSMITQ}): the echo handed to the device")


def default_devices(port):
    """The Makefile's QEMU_DEVICES (what `make run` gives QEMU), with a UDP
    port of the host forwarded to knock's echo port."""
    text = (REPO / "Makefile").read_text()
    m = re.search(r"^QEMU_DEVICES \?= (.*)$", text, re.M)
    if not m:
        raise RuntimeError("no QEMU_DEVICES in the Makefile")
    words = m.group(1).split()
    out = []
    for w in words:
        if w.startswith("user,"):
            w += f",hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"
        out.append(w)
    if not any("virtio-net" in w for w in out):
        raise RuntimeError(f"the Makefile's QEMU_DEVICES has no virtio-net: {m.group(1)}")
    return out


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def first_echo(sock, timeout=30.0):
    """Send until a datagram comes back (slirp asks knock's MAC with ARP
    first). Returns the number sent."""
    deadline = time.monotonic() + timeout
    sock.settimeout(1.0)
    sent = 0
    while time.monotonic() < deadline:
        sock.send(PAYLOAD)
        sent += 1
        try:
            if sock.recv(2048) == PAYLOAD:
                return sent
        except socket.timeout:
            pass
    raise cp.CountError("no UDP echo from knock within 30 s")


def drain(sock):
    sock.settimeout(0.2)
    try:
        while True:
            sock.recv(2048)
    except socket.timeout:
        pass


# --- inside gdb ------------------------------------------------------------------

def count(iso, elf):
    port = free_udp_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    with cp.Session(iso, elf, extra_args=default_devices(port)) as s:
        m = RX_CLAIM.search(s.vm.log)
        if not m:
            raise cp.CountError("no 'msi: virtio-net rx claims ...' line in the log")
        top_half = f"top_half_{m.group(3)}"
        start = s.symbols.resolve(top_half)
        notify = s.symbols.resolve(NOTIFY)
        # Warm up with the guest running free: ARP, slirp's socket.
        s._run(lambda: (first_echo(sock), drain(sock), True)[-1], "the first echo")
        s.settle()
        skipped = []
        for _ in range(TRIES):
            s.stop_at(start, lambda: sock.send(PAYLOAD))
            idle, rip = s.interrupted_idle()
            if not idle:
                skipped.append(f"interrupted {s.symbols.describe(rip)}, not an idle CPU")
                s.settle()
                continue
            w = cp.walk(s.target, cp.Reach("tx_notify", [notify]), cap=CAP, disasm=s.disasm,
                        describe=s.symbols.describe,
                        marks=[cp.Reach("top_half_return", [rip])])
            queue = s.target.register("rsi") & 0xFFFF
            if queue != TRANSMITQ:
                raise cp.CountError(f"{NOTIFY} reached for queue {queue}, not the transmit "
                                    "queue: no echo on this path")
            # The echo must arrive: the path counted was the real one.
            got = []
            s._run(lambda: (sock.settimeout(30), got.append(sock.recv(2048)), True)[-1],
                   "the counted echo")
            if got != [PAYLOAD]:
                raise cp.CountError(f"the counted datagram came back as {got!r}")
            return {"instructions": w.steps, "top_half": top_half,
                    "top_half_instructions": w.marks["top_half_return"],
                    "profile": cp.profile(w.trail[:w.steps], s.symbols),
                    "skipped": skipped, "payload_bytes": len(PAYLOAD),
                    "definition": DEFINITION, "qemu": s.kq.qemu_version(),
                    "icount": cp.ICOUNT}
        raise cp.CountError(f"{top_half}: no usable start in {TRIES} tries: {skipped}")


def main():
    if len(sys.argv) != 3:
        print("usage: bench_net.py ISO ELF (inside gdb)", file=sys.stderr)
        return 2
    print(json.dumps({"udp_echo_instructions": count(*sys.argv[1:])}))
    return 0


# --- from the host, wall clock -----------------------------------------------------

def wall_clock(iso, machine="pc", rtt_samples=500, burst=5000, window=16):
    """(round-trip median in µs, datagrams/s, detail), plain TCG."""
    kq = cp.load_harness()
    port = free_udp_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.connect(("127.0.0.1", port))
    with kq.Knock(iso, machine=machine, extra_args=default_devices(port),
                  name="bench-net") as vm:
        vm.wait_shell()
        first_echo(sock)
        drain(sock)
        sock.settimeout(10)
        rtts = []
        for _ in range(rtt_samples):
            t0 = time.perf_counter()
            sock.send(PAYLOAD)
            if sock.recv(2048) != PAYLOAD:
                raise cp.CountError("a round-trip datagram came back changed")
            rtts.append(time.perf_counter() - t0)
        sent = received = 0
        t0 = time.perf_counter()
        while received < burst:
            while sent < burst and sent - received < window:
                sock.send(PAYLOAD)
                sent += 1
            if sock.recv(2048) != PAYLOAD:
                raise cp.CountError("a datagram of the burst came back changed")
            received += 1
        elapsed = time.perf_counter() - t0
        net = vm.shell("net", timeout=10)
    rtt_us = statistics.median(rtts) * 1e6
    return rtt_us, burst / elapsed, {
        "rtt_samples": rtt_samples, "rtt_p90_us": round(sorted(rtts)[len(rtts) * 9 // 10] * 1e6),
        "burst": burst, "window": window, "burst_s": round(elapsed, 3),
        "payload_bytes": len(PAYLOAD), "machine": machine, "net": net,
        "method": "wall clock on the host (time.perf_counter), plain TCG (no icount), the "
                  "Makefile's QEMU_DEVICES with a forwarded UDP port; NOT a repeatable "
                  "figure: it depends on the host, its load and slirp"}


if __name__ == "__main__":
    cp.gdb_script_main(main)
