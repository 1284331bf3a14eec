"""virtio-net end to end, on pc and q35.

Through QEMU's user networking (slirp, knock at its static 10.0.2.15): the
host sends 10,000 UDP datagrams of mixed sizes to a forwarded port, which
slirp passes to knock's port 7, and gets every one back unchanged. slirp
finds knock's MAC with an ARP request first, so the echo also shows the
ARP reply works.

Through a socket netdev (QEMU sends each frame the guest transmits to a
UDP port of ours, and takes each datagram we send it as one frame, raw):
1,000 malformed frames of known kinds, with a ping and a UDP datagram
between every batch that must come back (which also paces the batches, so
QEMU's socket buffer never overflows); then `net` answers and counts each
kind under its reason, exactly.

The frames and checksums here are built by this file (RFC 1071 in
Python), not by knock.
"""
import random
import re
import socket
import struct
import time

import pytest

import knock_qemu as kq

KNOCK_IP = bytes([10, 0, 2, 15])
HOST_IP = bytes([10, 0, 2, 2])
HOST_MAC = bytes.fromhex("0200000000aa")
MAX_PAYLOAD = 1472  # 1500-byte MTU less the IPv4 and UDP headers: no fragments
WINDOW = 16  # datagrams in flight at once: slirp's queues stay short
REPLY_TIMEOUT = 10.0


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def net_counters(vm):
    """`net` as a dict of counter name -> value, plus 'mac' and 'ip'."""
    text = vm.shell("net", timeout=10)
    m = re.search(r"^MAC ([0-9a-f:]{17}), IP ([0-9.]+) \(static\)$", text, re.M)
    assert m, text
    counters = {"mac": m.group(1), "ip": m.group(2), "text": text}
    m = re.search(r"^frames in (\d+); answered: arp (\d+), ping (\d+), udp echo (\d+)$", text,
                  re.M)
    assert m, text
    counters.update(frames_in=int(m.group(1)), arp=int(m.group(2)), ping=int(m.group(3)),
                    udp_echo=int(m.group(4)))
    for name, value in re.findall(r"^  ([^:\n]+): (\d+)$", text, re.M):
        counters[name] = int(value)
    return counters


DROPS = ["short frame", "not for us", "bad header", "bad checksum", "bad length", "fragment",
         "bad source address", "unknown protocol", "no service on port", "ring full",
         "runt (no virtio-net header)", "oversized (beyond its buffer)"]


def boot_user_net(boot, machine, device_options=""):
    port = free_udp_port()
    vm = boot(machine=machine, extra_args=[
        "-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7",
        "-device", f"virtio-net-pci,netdev=n0{device_options}"])
    vm.wait_shell()
    return vm, port


def first_echo(sock, port):
    """Send until the first echo comes back: slirp holds a datagram for a
    guest whose MAC it does not know yet while it asks with ARP (and drops
    it if the answer is late). Returns how many were sent."""
    deadline = time.monotonic() + 20 * kq.TIMEOUT_SCALE
    sock.settimeout(1.0)
    sent = 0
    while time.monotonic() < deadline:
        sock.sendto(b"hello", ("127.0.0.1", port))
        sent += 1
        try:
            while True:
                if sock.recv(2048) == b"hello":
                    return sent
        except socket.timeout:
            continue
    raise AssertionError("no echo of the first datagram in 20 s")


def payload(seq, size):
    body = struct.pack(">I", seq) + bytes((seq * 7 + i) & 0xFF for i in range(size - 4))
    return body[:size]


def echo_all(vm, port, count, seed):
    """`count` datagrams of mixed sizes through slirp to knock's port 7,
    WINDOW in flight; every one must come back unchanged. Returns knock's
    counters after, checked: each answered once, nothing dropped."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.connect(("127.0.0.1", port))
    warmup = first_echo(sock, port)
    sock.settimeout(REPLY_TIMEOUT * kq.TIMEOUT_SCALE)

    rnd = random.Random(seed)
    sizes = [rnd.choice((4, 5, 17, 64, 100, 511, 512, 1000, 1471, MAX_PAYLOAD)) if i % 2
             else rnd.randint(4, MAX_PAYLOAD) for i in range(count)]
    outstanding = {}
    sent = received = 0
    start = time.monotonic()
    while received < count:
        while sent < count and len(outstanding) < WINDOW:
            data = payload(sent, sizes[sent])
            outstanding[sent] = data
            sock.send(data)
            sent += 1
        try:
            got = sock.recv(2048)
        except socket.timeout:
            c = net_counters(vm)
            raise AssertionError(f"{len(outstanding)} datagrams not echoed within "
                                 f"{REPLY_TIMEOUT} s after {received} were (first missing: "
                                 f"{min(outstanding)}); knock's counters:\n{c['text']}")
        if len(got) < 4 or struct.unpack(">I", got[:4])[0] not in outstanding:
            continue  # a late echo of a warm-up "hello"
        seq = struct.unpack(">I", got[:4])[0]
        assert got == outstanding.pop(seq), f"datagram {seq} came back changed"
        received += 1
    elapsed = time.monotonic() - start

    c = net_counters(vm)
    # Every datagram reached knock once and was answered once; slirp may
    # still have had a warm-up "hello" in flight.
    assert count + 1 <= c["udp_echo"] <= count + warmup, c["text"]
    assert c["arp"] >= 1, c["text"]
    assert all(c[d] == 0 for d in DROPS), c["text"]
    assert c["frames out"] == c["arp"] + c["udp_echo"], c["text"]
    print(f"{count} datagrams echoed in {elapsed:.1f} s ({count / elapsed:.0f}/s)")
    return c


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_udp_echo_10000(boot, machine):
    vm, port = boot_user_net(boot, machine)
    vm.wait_for(r"^virtio-net: ..:..\.. rx on vector 0x[0-9a-f]+, pending bit \d+; "
                r"tx on vector 0x[0-9a-f]+, pending bit \d+; IP 10\.0\.2\.15 \(static\)$")
    echo_all(vm, port, 10000, seed=15)


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_udp_echo_through_intx(boot, machine):
    """Without MSI-X (vectors=0) both queues share the function's INTx line,
    level-triggered through the IOAPIC (docs/interrupts.md, "Level-triggered
    INTx"): every echo needs the line served and unmasked again, and the
    loop's row for the line is what served them."""
    vm, port = boot_user_net(boot, machine, ",vectors=0")
    m = vm.wait_for(r"^intx: virtio-net ..:..\.. pin A, line (\d+) -> GSI \d+ \(level, "
                    r"active high\) -> vector (0x[0-9a-f]+), pending bit (\d+) \((intx\d+)\)$")
    vm.wait_for(rf"^virtio-net: ..:..\.. rx and tx on INTx \(vector {m.group(2)}\), pending bit "
                rf"{m.group(3)}; IP 10\.0\.2\.15 \(static\)$")
    echo_all(vm, port, 2000, seed=16)
    table = vm.shell("stats", timeout=10)
    row = re.search(rf"^\s*\d+ {m.group(4)}\s+irq\s+\S+\s+(\d+) ", table, re.M)
    assert row and int(row.group(1)) > 0, table
    assert not re.search(r"^(warning: )?storm: ", vm.log, re.M), vm.log


# --- raw frames through a socket netdev -------------------------------------

def inet_sum(data, start=0):
    data = bytes(data) + (b"\0" if len(data) % 2 else b"")
    s = start + sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, body, src=HOST_IP, dst=KNOCK_IP, frag=0x4000, options=b"", ttl=64,
         total=None, ident=0):
    ihl = (20 + len(options)) // 4
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total or 4 * ihl + len(body),
                              ident, frag, ttl, proto, 0, src, dst)) + options
    struct.pack_into(">H", h, 10, inet_sum(h))
    return bytes(h) + body


def udp(sport, dport, data, src=HOST_IP, dst=KNOCK_IP, checksum=True):
    u = bytearray(struct.pack(">HHHH", sport, dport, 8 + len(data), 0)) + data
    if checksum:
        c = inet_sum(src + dst + struct.pack(">BBH", 0, 17, len(u)) + u) or 0xFFFF
        struct.pack_into(">H", u, 6, c)
    return bytes(u)


def icmp_echo(ident, seq, data, kind=8):
    m = bytearray(struct.pack(">BBHHH", kind, 0, 0, ident, seq)) + data
    struct.pack_into(">H", m, 2, inet_sum(m))
    return bytes(m)


def eth(dst, ethertype, body, src=HOST_MAC):
    return dst + src + struct.pack(">H", ethertype) + body


def arp_request(target, mac=HOST_MAC, ip=HOST_IP):
    return eth(b"\xff" * 6, 0x0806,
               struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip, b"\0" * 6, target))


def malformed_kinds(mac):
    """(reason, frame maker) pairs: each maker takes a number and gives one
    frame that knock must drop for that reason. All at least 60 bytes, as
    a wire would carry them (QEMU pads nothing on a socket netdev anyway)."""
    def ping(i, **ip_kw):
        return eth(mac, 0x0800, ipv4(1, icmp_echo(7, i, b"x" * 32), **ip_kw))

    def bad_udp_checksum(i):
        f = bytearray(eth(mac, 0x0800, ipv4(17, udp(1000 + i, 7, b"y" * 40))))
        f[-1] ^= 0x5A
        return bytes(f)

    def bad_ip_checksum(i):
        f = bytearray(ping(i))
        f[14 + 8] ^= 1  # the TTL, checksum not fixed
        return bytes(f)

    return [
        ("bad checksum", bad_udp_checksum),
        ("bad checksum", bad_ip_checksum),
        ("short frame", lambda i: eth(mac, 0x0800, ipv4(17, b"\0" * 4) + b"\0" * 22)),
        ("bad length", lambda i: ping(i, total=1400)),
        ("bad length", lambda i: eth(mac, 0x0800, ipv4(17, struct.pack(">HHHH", 9, 7, 500, 0)
                                                       + b"z" * 40))),
        ("bad header", lambda i: eth(mac, 0x0800, bytes([0x65]) + ipv4(1, b"\0" * 40)[1:])),
        ("fragment", lambda i: ping(i, frag=0x2000)),
        ("fragment", lambda i: ping(i, frag=0x0010)),
        ("unknown protocol", lambda i: eth(mac, 0x86DD, b"\x60" + b"\0" * 60)),
        ("unknown protocol", lambda i: eth(mac, 0x0800, ipv4(6, b"\0" * 40))),
        ("not for us", lambda i: ping(i, dst=bytes([10, 0, 2, 16]))),
        ("not for us", lambda i: eth(b"\x02\0\0\0\0\x99", 0x0800, ipv4(1, icmp_echo(7, i, b"")))),
        ("no service on port", lambda i: eth(mac, 0x0800, ipv4(17, udp(5000, 9, b"w" * 30)))),
        ("bad source address", lambda i: ping(i, src=b"\xff\xff\xff\xff")),
    ]


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_malformed_frames_dropped_and_counted(boot, machine):
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host.bind(("127.0.0.1", 0))
    host.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    qemu_port = free_udp_port()
    vm = boot(machine=machine, extra_args=[
        "-netdev", f"socket,id=n0,udp=127.0.0.1:{host.getsockname()[1]},"
                   f"localaddr=127.0.0.1:{qemu_port}",
        "-device", "virtio-net-pci,netdev=n0"])
    vm.wait_shell()
    mac = bytes.fromhex(net_counters(vm)["mac"].replace(":", ""))
    host.settimeout(REPLY_TIMEOUT * kq.TIMEOUT_SCALE)
    to_qemu = ("127.0.0.1", qemu_port)

    def expect_frame(what, match):
        while True:
            try:
                f = host.recv(2048)
            except socket.timeout:
                raise AssertionError(f"no {what} from knock; its counters:\n"
                                     f"{net_counters(vm)['text']}")
            if match(f):
                return f

    # ARP first, as a host would.
    host.sendto(arp_request(KNOCK_IP), to_qemu)
    reply = expect_frame("ARP reply", lambda f: f[12:14] == b"\x08\x06")
    assert reply[:6] == HOST_MAC and reply[6:12] == mac
    assert reply[14 + 6:14 + 8] == b"\x00\x02" and reply[14 + 8:14 + 14] == mac
    assert reply[14 + 14:14 + 18] == KNOCK_IP and reply[14 + 24:14 + 28] == HOST_IP

    kinds = malformed_kinds(mac)
    expected = {name: 0 for name in DROPS}
    total, batch, pings = 1000, 25, 0
    sent = 0
    while sent < total:
        for _ in range(min(batch, total - sent)):
            reason, make = kinds[sent % len(kinds)]
            host.sendto(make(sent), to_qemu)
            expected[reason] += 1
            sent += 1
        # A ping after the batch: its echo means the batch was taken.
        data = struct.pack(">I", pings) + b"ping" * 10
        host.sendto(eth(mac, 0x0800, ipv4(1, icmp_echo(0x4B4E, pings, data))), to_qemu)
        f = expect_frame(f"echo reply {pings}",
                         lambda f: f[12:14] == b"\x08\x00" and f[14 + 9] == 1)
        ip = f[14:14 + 20]
        assert inet_sum(ip) == 0 and ip[12:16] == KNOCK_IP and ip[16:20] == HOST_IP
        msg = f[34:14 + struct.unpack(">H", ip[2:4])[0]]
        assert inet_sum(msg) == 0 and msg[0] == 0 and msg[8:] == data
        pings += 1

    # A UDP echo with a checksum this side computed, checked this side.
    host.sendto(eth(mac, 0x0800, ipv4(17, udp(4242, 7, b"still here"))), to_qemu)
    f = expect_frame("UDP echo", lambda f: f[12:14] == b"\x08\x00" and f[14 + 9] == 17)
    u = f[34:34 + 18]
    assert u[:4] == struct.pack(">HH", 7, 4242) and u[8:] == b"still here"
    assert inet_sum(KNOCK_IP + HOST_IP + struct.pack(">BBH", 0, 17, 18) + u) == 0

    c = net_counters(vm)
    got = {name: c[name] for name in DROPS}
    assert got == expected, c["text"]
    assert c["frames_in"] == total + pings + 2, c["text"]
    assert (c["arp"], c["ping"], c["udp_echo"]) == (1, pings, 1), c["text"]


def test_net_without_device(boot):
    vm = boot(machine="pc")
    vm.wait_shell()
    vm.wait_for(r"^virtio-net: no device$")
    assert vm.shell("net") == "no network interface on this machine\n"
    assert vm.shell("net now") == "net: usage: net (no arguments)\n"


def test_net_with_its_buffers_above_4gib(boot):
    """-m 5G with dma=above4g: the queues and the frame buffers come from
    RAM above 4 GiB (docs/drivers.md), and frames still go both ways."""
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host.bind(("127.0.0.1", 0))
    qemu_port = free_udp_port()
    vm = boot(machine="q35", memory_mib=5120, cmdline="dma=above4g", extra_args=[
        "-netdev", f"socket,id=n0,udp=127.0.0.1:{host.getsockname()[1]},"
                   f"localaddr=127.0.0.1:{qemu_port}",
        "-device", "virtio-net-pci,netdev=n0"])
    vm.wait_shell()
    m = vm.wait_for(r"^virtio-net: queues at 0x([0-9a-f]+) and 0x([0-9a-f]+), "
                    r"buffers at 0x([0-9a-f]+)$")
    assert all(int(a, 16) >= 1 << 32 for a in m.groups()), m.group(0)
    mac = bytes.fromhex(net_counters(vm)["mac"].replace(":", ""))
    host.settimeout(REPLY_TIMEOUT * kq.TIMEOUT_SCALE)
    host.sendto(eth(mac, 0x0800, ipv4(17, udp(4242, 7, b"from above"))),
                ("127.0.0.1", qemu_port))
    f = host.recv(2048)
    u = f[34:34 + 18]
    assert u[:6] == struct.pack(">HHH", 7, 4242, 18) and u[8:] == b"from above", f.hex()
    assert inet_sum(KNOCK_IP + HOST_IP + struct.pack(">BBH", 0, 17, 18) + u) == 0
