"""A bounded mutation fuzzer for the trace-format reader (tools/trace2json.py).

libFuzzer cannot reach Python and atheris is not in Debian, so this is the
reader's fuzzer (issue 7): a fixed seed, a fixed number of mutated dumps,
each derived from a real one. The reader must either return a Trace that
converts to JSON-serialisable Chrome events, or refuse with TraceError;
any other exception (IndexError, KeyError, ZeroDivisionError, ...) is a bug
the mutation found, and the failing input is printed for a regression test.
"""
import json
import random

import pytest

from test_trace2json import DUMP, t2j

RUNS = 20000
TOKENS = ["@trace 1 hz=0 cpus=1", "@cpu 0 events=0 overwritten=0 t0=0", "@end", "@0 B 99 0",
          "@0 E 63 0", "@-5 R 0 0", "@0 Z 1 1", "@bit 200 irq x y", "@cpu 7 events=1 overwritten=0 t0=9",
          "@99999999999999999999 H 0 0", "@", "", "@trace 2 hz=1 cpus=1"]


def mutate(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            lines.insert(i, rng.choice(TOKENS))
        elif op == 3 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + chr(rng.randrange(32, 127)) + lines[i][j + 1:]
        elif op == 4:
            words = lines[i].split(" ")
            k = rng.randrange(len(words))
            words[k] = str(rng.choice([0, 1, -1, 63, 64, 2**64, rng.randrange(10**6)]))
            lines[i] = " ".join(words)
        else:
            lines[i], lines[-1 - i] = lines[-1 - i], lines[i]
    return "\n".join(lines)


def test_zero_clock_rate_is_refused():
    # Found by this fuzzer: hz=0 was accepted and to_chrome divided by it.
    with pytest.raises(t2j.TraceError):
        t2j.parse(DUMP.replace("hz=1000000", "hz=0"))


def test_the_seed_dump_parses():
    assert t2j.parse(DUMP).cpus


def test_mutated_dumps_parse_or_are_refused():
    rng = random.Random(20261123)
    accepted = refused = 0
    for run in range(RUNS):
        text = mutate(rng, DUMP)
        try:
            trace = t2j.parse(text)
        except t2j.TraceError:
            refused += 1
            continue
        except Exception as e:  # noqa: BLE001 - any other exception is the finding
            pytest.fail(f"run {run}: {type(e).__name__}: {e}\n--- input ---\n{text}")
        try:
            json.dumps(t2j.to_chrome(trace))
            for cpu in trace.cpus:
                t2j.callbacks(cpu)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"run {run}: converting an accepted dump: {type(e).__name__}: {e}\n"
                        f"--- input ---\n{text}")
        accepted += 1
    # Both outcomes must be exercised, or the mutations are too weak or too wild.
    assert accepted > RUNS // 20 and refused > RUNS // 20, (accepted, refused)
