"""The wake-up IPI's retry loop (arch_wake_cpu(), docs/smp.md "An IPI that
cannot be sent") on the real product image with 2 CPUs.

QEMU's interrupt controller is never busy, so gdb makes the sends fail
(tests/e2e/wake_retry_runs.py: a breakpoint on arch_wake_cpu()'s call to
lapic_send_fixed() returns false without sending). gdb also watches every
wake-up begin and every wake-up IPI arrive, and reads the kernel's
counters. The other side of each check is what gdb saw or did, or what
the shell answered:

- sends that fail fewer than SMP_WAKE_TRIES times: the loop tries again
  and the IPI that leaves on the retry arrives (`on 1 echo retried`
  knocks on CPU 1 once, so no other IPI can stand in for it); CPU 1 runs
  the command, and every knock of `ping` is answered;
  smp_wake_send_retries rose by the sends gdb failed, the failures did
  not, and `cpus` reports nothing;
- sends that fail every time: each wake-up tried exactly SMP_WAKE_TRIES
  times and gave up, no IPI arrived, the counters agree with gdb's count,
  `cpus` says which CPU could not send how many, and the shell still
  answers; with the breakpoint gone, `on 1 echo back` and `ping` work.
"""
import re
import sys
from pathlib import Path

import pytest

from conftest import ELF, ISO, _require

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import count_path  # noqa: E402

CPU_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+online\b", re.M)


def wake_tries():
    """SMP_WAKE_TRIES, from the header that defines it."""
    text = (REPO / "chips" / "x86_64" / "smp.h").read_text()
    return int(re.search(r"^#define SMP_WAKE_TRIES (\d+)$", text, re.M).group(1))


@pytest.fixture(scope="module")
def runs():
    """The three phases of one boot (wake_retry_runs.py)."""
    return count_path.run_in_gdb(Path(__file__).with_name("wake_retry_runs.py"),
                                 [str(_require(ISO)), str(_require(ELF)),
                                  str(wake_tries() - 1)], timeout=300)


def wake_ups(events):
    """The wake-ups, in order: (sending cpu, caller, [(apic id, failed,
    index of the send event)]); a CPU's sends belong to its last wake-up."""
    wakes, current = [], {}
    for i, e in enumerate(events):
        if e["kind"] == "wake":
            current[e["cpu"]] = (e["cpu"], e["caller"], [])
            wakes.append(current[e["cpu"]])
        elif e["kind"] == "send":
            assert e["cpu"] in current, f"a send outside a wake-up: {events}"
            current[e["cpu"]][2].append((e["apic_id"], e["failed"], i))
    return wakes


def cpu_of_apic(cpus_answer):
    return {int(apic): int(cpu) for cpu, apic in CPU_ROW.findall(cpus_answer)}


def not_sent_lines(cpus_answer):
    return re.findall(r"^cpus: cpu (\d+) could not send (\d+) wake-up IPIs? \(the interrupt "
                      r"controller stayed busy through every retry\)$", cpus_answer, re.M)


def ping_all_answered(answer):
    assert answer.startswith("ping: 2 of 2 knocks answered among 2 cpus"), answer
    assert "no answer" not in answer, answer


def test_a_send_failed_fewer_times_than_the_tries_is_retried(runs):
    tries = wake_tries()
    a = runs["a"]
    assert runs["initial"] == {"retries": 0, "failures": 0}, runs["initial"]
    events = a["events"]
    failed = [e for e in events if e["kind"] == "send" and e["failed"]]
    assert len(failed) == tries - 1, events
    retried = [w for w in wake_ups(events) if any(f for _, f, _ in w[2])]
    assert retried, events
    to_cpu = cpu_of_apic(a["answers"]["cpus"])
    for cpu, caller, sends in retried:
        # Tries that failed, then one that went: the loop did not give up.
        assert [f for _, f, _ in sends] == [True] * (len(sends) - 1) + [False], events
        apic, _, at = sends[-1]
        # The IPI of the retry arrived at its target: its handler ran
        # there before any later IPI was sent to it.
        later_sends = [i for i, e in enumerate(events) if i > at and e["kind"] == "send"
                       and e["apic_id"] == apic and not e["failed"]]
        until = later_sends[0] if later_sends else len(events)
        assert any(e["kind"] == "ipi" and e["cpu"] == to_cpu[apic]
                   for e in events[at + 1:until]), events
    assert a["after"]["retries"] - a["before"]["retries"] == len(failed), a
    assert a["after"]["failures"] == a["before"]["failures"], a
    assert a["answers"]["on 1 echo retried"] == "retried\n", a["answers"]
    ping_all_answered(a["answers"]["ping"])
    assert "could not send" not in a["answers"]["cpus"], a["answers"]["cpus"]


def test_a_send_that_fails_every_try_is_reported_and_nothing_hangs(runs):
    tries = wake_tries()
    b, c = runs["b"], runs["c"]
    events = b["events"]
    wakes = [w for w in wake_ups(events) if w[1] in ("knock", "xcall_set", "handover")]
    assert wakes, events
    for cpu, caller, sends in wakes:
        assert [f for _, f, _ in sends] == [True] * tries, events
    # No wake-up IPI arrived but those of sends gdb let through.
    sent = [e for e in events if e["kind"] == "send" and not e["failed"]]
    assert len([e for e in events if e["kind"] == "ipi"]) <= len(sent), events
    failed = sum(len(s) for _, _, s in wakes)
    assert b["after"]["retries"] - b["before"]["retries"] == failed, b
    assert b["after"]["failures"] - b["before"]["failures"] == len(wakes), b
    # The shell answered both commands (phase a's `cpus` reported none).
    assert b["answers"]["ping"].startswith("ping: "), b["answers"]["ping"]
    per_cpu = {}
    for cpu, _, _ in wakes:
        per_cpu[cpu] = per_cpu.get(cpu, 0) + 1
    expected = sorted((str(cpu), str(n)) for cpu, n in per_cpu.items())
    assert sorted(not_sent_lines(b["answers"]["cpus"])) == expected, b["answers"]["cpus"]
    # With the failing breakpoint gone: the CPU that slept through its
    # knock is woken by the next one, and the counters stay put.
    assert c["answers"]["on 1 echo back"] == "back\n", c["answers"]
    ping_all_answered(c["answers"]["ping"])
    assert any(e["kind"] == "ipi" and e["cpu"] == 1 for e in c["events"]), c["events"]
    assert c["after"] == b["after"], (b["after"], c["after"])
    assert sorted(not_sent_lines(c["answers"]["cpus"])) == expected, c["answers"]["cpus"]
