"""The `pci` command against QEMU's own view of the machine.

On pc (configuration ports 0xcf8/0xcfc) and q35 (ECAM from the MCFG
table), with a virtio-rng added on bus 0 and a second one behind a bridge
(a PCI-PCI bridge on pc, a PCIe root port on q35, so the scan must follow
the bridge to bus 1): every function QEMU reports through QMP `query-pci`
is listed by knock with the same vendor, device and class, and every BAR
with the same kind, prefetchability, size and (when QEMU has it mapped)
address, and nothing else is listed. The ROM BAR (QEMU's bar 6) is not
something knock sizes.
"""
import re

import pytest

FUNCTION = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) "
                      r"class ([0-9a-f]{6}) [^:]*: (.*)$")
BAR = re.compile(r"^  bar([0-5]) (io|mem32|mem64) (prefetchable )?0x([0-9a-f]+) "
                 r"\[size=(\d+)([KMG]?)\]$")
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
UNMAPPED = (1 << 64) - 1  # query-pci's address of a BAR that does not decode

BRIDGED_RNG = {
    "pc": ["-device", "pci-bridge,id=br1,chassis_nr=1",
           "-device", "virtio-rng-pci,bus=br1,addr=0x3"],
    "q35": ["-device", "pcie-root-port,id=rp1,chassis=1",
            "-device", "virtio-rng-pci,bus=rp1"],
}


def knock_listing(answer):
    """{(bus, dev, fn): {"id": (vendor, device, class16), "irq": text,
    "bars": {n: (kind, prefetchable, base, size)}}} from `pci`'s answer."""
    lines = answer.splitlines()
    assert lines and re.match(r"^\d+ functions?, configuration space through ", lines[0]), answer
    functions, current = {}, None
    for line in lines[1:]:
        m = FUNCTION.match(line)
        if m:
            bus, dev, fn, vendor, device, cls, irq = m.groups()
            key = (int(bus, 16), int(dev, 16), int(fn))
            assert key not in functions, f"{key} listed twice:\n{answer}"
            current = functions[key] = {
                "id": (int(vendor, 16), int(device, 16), int(cls, 16) >> 8),
                "irq": irq, "bars": {}}
            continue
        m = BAR.match(line)
        assert m and current is not None, f"unexpected line {line!r} in:\n{answer}"
        n, kind, pf, base, size, unit = m.groups()
        current["bars"][int(n)] = (kind, bool(pf), int(base, 16), int(size) * UNITS[unit])
    count = int(lines[0].split()[0])
    assert count == len(functions), answer
    return functions


def qemu_listing(buses):
    """The same shape from QMP query-pci (bridges' buses included)."""
    functions = {}

    def walk(bus_number, devices):
        for d in devices:
            key = (bus_number, d["slot"], d["function"])
            bars = {}
            for r in d.get("regions", []):
                if r["bar"] > 5:
                    continue
                if r["type"] == "io":
                    kind, pf = "io", False
                else:
                    kind = "mem64" if r.get("mem_type_64") else "mem32"
                    pf = bool(r.get("prefetch"))
                bars[r["bar"]] = (kind, pf, r["address"], r["size"])
            functions[key] = {"id": (d["id"]["vendor"], d["id"]["device"],
                                     d["class_info"]["class"]),
                              "irq_pin": d.get("irq_pin", 0), "bars": bars}
            bridge = d.get("pci_bridge")
            if bridge:
                walk(bridge["bus"]["secondary"], bridge.get("devices", []))

    for b in buses:
        walk(b["bus"], b["devices"])
    return functions


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_pci_lists_what_qemu_has(boot, machine):
    vm = boot(machine=machine,
              extra_args=["-device", "virtio-rng-pci"] + BRIDGED_RNG[machine])
    vm.wait_shell()
    method = "ECAM at 0xb0000000" if machine == "q35" else "ports 0xcf8/0xcfc"
    vm.wait_for(r"^pci: \d+ functions? on \d+ bus(?:es)?, configuration space through "
                + re.escape(method))
    answer = vm.shell("pci", timeout=10)
    knock = knock_listing(answer)
    qemu = qemu_listing(vm.qmp.command("query-pci"))

    assert set(knock) == set(qemu), \
        f"knock lists {sorted(knock)}, QEMU has {sorted(qemu)}:\n{answer}"
    # virtio-rng is 1af4:1005 (transitional) on a conventional PCI bus,
    # 1af4:1044 (modern only) behind a PCIe root port.
    rngs = [k for k, f in knock.items() if f["id"][:2] in ((0x1af4, 0x1005), (0x1af4, 0x1044))]
    assert len(rngs) == 2 and any(bus != 0 for bus, _, _ in rngs), \
        f"both virtio-rng functions, one behind the bridge, expected:\n{answer}"
    # The driver takes one (board_pci_find_one) and names the other, left alone.
    second = [k for k in rngs if re.search(
        r"^virtio-rng: %02x:%02x\.%x is a second one: not driven$" % k, vm.log, re.M)]
    assert len(second) == 1, f"one of {rngs} named as a second one, expected:\n{vm.log}"

    for key in sorted(qemu):
        k, q = knock[key], qemu[key]
        where = "%02x:%02x.%x" % key
        assert k["id"] == q["id"], f"{where}: knock {k['id']}, QEMU {q['id']}"
        assert set(k["bars"]) == set(q["bars"]), \
            f"{where}: knock BARs {k['bars']}, QEMU {q['bars']}"
        for n, (kind, pf, base, size) in q["bars"].items():
            kk, kpf, kbase, ksize = k["bars"][n]
            assert (kk, kpf, ksize) == (kind, pf, size), \
                f"{where} bar{n}: knock {k['bars'][n]}, QEMU {q['bars'][n]}"
            if base != UNMAPPED:
                assert kbase == base, f"{where} bar{n}: knock base {kbase:#x}, QEMU {base:#x}"
        # knock drives the first virtio-rng, through MSI-X; every other
        # function with a pin interrupts through INTx, one without has none.
        if key == min(rngs):
            assert k["irq"].startswith("irq MSI-X;"), f"{where}: {k['irq']!r}"
        elif q["irq_pin"]:
            assert k["irq"].startswith("irq INTx pin %s " % "?ABCD"[q["irq_pin"]]), \
                f"{where}: {k['irq']!r}, QEMU's pin {q['irq_pin']}"
        else:
            assert k["irq"].startswith("irq none"), f"{where}: {k['irq']!r}"

    # The virtio devices' capabilities: MSI-X and the modern transport's
    # vendor capabilities (common, notify, ISR, device, PCI access).
    for key in rngs:
        assert re.search(r"; msi-x \d+ vectors? \(table bar\d\+0x[0-9a-f]+\); "
                         r"[4-8] vendor caps", knock[key]["irq"]), knock[key]["irq"]
