#!/usr/bin/python3
"""Check knock's protocol models with spin, and check that every mutant fails.

For each model in tests/model/ and each variant of it (the model as the code
is, or a mutant selected with a -D define), this generates the verifier
(spin -a), compiles it, and runs an exhaustive search for each LTL property
(pan -a -N <property>, plus -f for the properties that need weak fairness).

The table below says what each run must give:
- the model itself, and the VARIANT_ builds that must be safe, must satisfy
  every property, and must reach every witness (a witness is a property
  that must FAIL: it shows the model really reaches the race a property is
  about, so a pass cannot come from a model that never gets there);
- each mutant must violate exactly the properties listed for it and satisfy
  the others.

Any other outcome fails the run (exit status 1) and prints spin's
counterexample trail (spin -t -p), or says that no trail exists because a
mutant was not caught. Every run's trail is also kept as text under the
output directory (default build/model/<model>-<variant>/<property>.txt).
docs/verification.md explains how to read one.
"""
import argparse
import concurrent.futures
import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# Exhaustive search: far deeper than any model reaches (pan says so if it
# is not, and that is reported as a failure, never as a pass).
PAN_DEPTH = "-m100000"
# A 2^20-slot hash table: ample for these state spaces, and quick to allocate
# (the default 2^24 costs more time than the searches).
PAN_HASH = "-w20"
# The verifiers are tiny: compiling them is most of the time, so -O0.
CC = ["gcc", "-w", "-O0", "-DNFAIR=4"]


@dataclasses.dataclass
class Variant:
    name: str
    define: str | None  # -D<define>; None is the model as the code is
    fails: tuple[str, ...]  # properties this variant must violate
    what: str
    witnesses: tuple[str, ...] = ()  # run on variants that must pass


@dataclasses.dataclass
class Model:
    file: str
    properties: tuple[str, ...]
    fair: frozenset[str]  # properties checked under weak fairness (pan -f)
    variants: tuple[Variant, ...]


LOOP_WITNESSES = ("witness_held_irq_wakes_hlt", "witness_knocked_after_call")
IPI_WITNESSES = ("witness_ipi_wakes_halt",)

MODELS = (
    Model(
        file="loop.pml",
        properties=("no_lost_event", "no_lost_wakeup", "once_per_round", "lowest_first"),
        fair=frozenset(),
        variants=(
            Variant("model", None, (), "kernel/loop.c + arch.c as they are", LOOP_WITNESSES),
            Variant("recheck-irq-on", "MUTANT_RECHECK_IRQ_ON",
                    ("no_lost_event", "no_lost_wakeup"),
                    "pending re-checked with interrupts on"),
            Variant("insn-before-hlt", "MUTANT_INSN_BEFORE_HLT",
                    ("no_lost_event", "no_lost_wakeup"),
                    "one instruction between sti and hlt"),
            Variant("clear-each", "MUTANT_CLEAR_EACH", ("no_lost_event",),
                    "no atomic take: read, then clear each bit with load/and/store"),
            Variant("reread", "MUTANT_REREAD", ("once_per_round", "lowest_first"),
                    "take one bit at a time until pending is empty"),
        ),
    ),
    Model(
        file="ticketlock.pml",
        properties=("mutual_exclusion", "fifo_order", "no_starvation"),
        fair=frozenset({"no_starvation"}),
        variants=(
            Variant("model", None, (), "fetch-and-add ticket, spin until serving == ticket",
                    ("witness_contended",)),
            Variant("split-fetch-add", "MUTANT_SPLIT_FETCH_ADD",
                    ("mutual_exclusion", "fifo_order", "no_starvation"),
                    "ticket taken as a load then a store"),
            Variant("narrow-ticket", "MUTANT_NARROW_TICKET",
                    ("mutual_exclusion", "fifo_order", "no_starvation"),
                    "ticket counter with fewer values than CPUs"),
            Variant("test-and-set", "MUTANT_TEST_AND_SET", ("fifo_order", "no_starvation"),
                    "test-and-set lock instead of tickets"),
        ),
    ),
    Model(
        file="parklock.pml",
        properties=("mutual_exclusion", "fifo_order", "no_starvation", "no_lost_wakeup",
                    "no_late_early_park", "kick_only_next_two"),
        fair=frozenset({"no_starvation"}),
        variants=(
            Variant("model", None, (),
                    "ticket lock; a waiter parks: cli, publish (xchg), re-check its distance, "
                    "sti; hlt; the releaser stores serving (xchg), reads the served ticket's "
                    "slot and the next one's, knocks",
                    ("witness_contended", "witness_kick_wakes_halt",
                     "witness_recheck_saw_turn", "witness_early_kick_wakes",
                     "witness_early_recheck_saw_next")),
            Variant("check-before-publish", "MUTANT_CHECK_BEFORE_PUBLISH",
                    ("no_starvation", "no_lost_wakeup"),
                    "the releaser reads the parked slot before storing serving"),
            Variant("no-recheck", "MUTANT_NO_RECHECK",
                    ("no_starvation", "no_lost_wakeup", "no_late_early_park"),
                    "the waiter halts without re-checking its turn after publishing"),
            Variant("early-before-store", "MUTANT_EARLY_BEFORE_STORE", ("no_late_early_park",),
                    "the releaser reads the next waiter's slot before storing serving"),
            Variant("early-halts-next", "MUTANT_EARLY_HALTS_NEXT", ("no_late_early_park",),
                    "an early park halts unless its turn has come, even next in line"),
        ),
    ),
    Model(
        file="cross_cpu.pml",
        properties=("no_lost_event", "no_lost_wakeup"),
        fair=frozenset(),
        variants=(
            Variant("model", None, (), "set the bit, then always send the IPI",
                    IPI_WITNESSES),
            Variant("skip-ipi-flag", "VARIANT_SKIP_IPI_FLAG", (),
                    "skip the IPI if T's xchg-published asleep flag reads 0",
                    IPI_WITNESSES + ("witness_ipi_skipped",)),
            Variant("no-ipi", "MUTANT_NO_IPI", ("no_lost_event", "no_lost_wakeup"),
                    "set the bit, send no IPI"),
            Variant("ipi-before-bit", "MUTANT_IPI_BEFORE_BIT",
                    ("no_lost_event", "no_lost_wakeup"), "send the IPI, then set the bit"),
            Variant("skip-ipi-counters", "MUTANT_SKIP_IPI_COUNTERS",
                    ("no_lost_event", "no_lost_wakeup"),
                    "skip the IPI if sleeps == wakeups (counted after the re-check)"),
            Variant("skip-ipi-unfenced", "MUTANT_SKIP_IPI_UNFENCED",
                    ("no_lost_event", "no_lost_wakeup"),
                    "asleep flag written with a plain mov (TSO store buffer)"),
            Variant("skip-ipi-check-first", "MUTANT_SKIP_IPI_CHECK_FIRST",
                    ("no_lost_event", "no_lost_wakeup"),
                    "sender reads the asleep flag before setting the bit"),
        ),
    ),
    Model(
        file="ticker.pml",
        properties=("tick_reaches_busy_cpu",),
        fair=frozenset({"tick_reaches_busy_cpu"}),
        variants=(
            Variant("model", None, (),
                    "the ticker masks, raises its flag (xchg), looks at the idle mark; a "
                    "waking CPU lowers its idle mark (xchg), takes the flag and unmasks",
                    ("witness_other_unmasks", "witness_ticker_keeps_tick")),
            Variant("mask-after-look", "MUTANT_MASK_AFTER_LOOK", ("tick_reaches_busy_cpu",),
                    "the ticker raises its flag and looks first, masks last"),
            Variant("check-first", "MUTANT_CHECK_FIRST", ("tick_reaches_busy_cpu",),
                    "the waking CPU reads the flag before lowering its idle mark"),
            Variant("no-unmask", "MUTANT_NO_UNMASK", ("tick_reaches_busy_cpu",),
                    "the waking CPU never unmasks"),
        ),
    ),
)


@dataclasses.dataclass
class Result:
    model: Model
    variant: Variant
    prop: str
    expect_fail: bool
    failed: bool | None = None  # None: the run itself went wrong
    states: str = ""
    trail: pathlib.Path | None = None
    problem: str = ""

    @property
    def ok(self):
        return self.failed is not None and self.failed == self.expect_fail


def run(cmd, cwd, timeout=120):
    """Run a command; a hang becomes a failed result, never a hung make test."""
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -1, "", f"{cmd[0]}: timed out after {timeout} s")


def spin_defines(variant, events):
    defines = [f"-D{variant.define}"] if variant.define else []
    if events:
        defines += [f"-DMAX_RAISE={events}", f"-DMAX_KNOCK={events}"]
    return defines


def check_variant(model, variant, out_dir, events):
    """Build one variant's verifier and run every property on it."""
    work = out_dir / f"{pathlib.Path(model.file).stem}-{variant.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy(HERE / model.file, work / model.file)
    results = [Result(model, variant, p, p in variant.fails) for p in model.properties]
    results += [Result(model, variant, w, True) for w in variant.witnesses]

    gen = run(["spin", *spin_defines(variant, events), "-a", model.file], work)
    build = gen if gen.returncode else run([*CC, "-o", "pan", "pan.c"], work)
    if gen.returncode or build.returncode:
        for r in results:
            r.problem = f"spin -a / cc failed:\n{gen.stdout}{gen.stderr}{build.stderr}"
        return results

    for r in results:
        fair = ["-f"] if r.prop in model.fair else []
        # -i: keep searching for a shorter counterexample, so a trail shows
        # the race and little else.
        pan = run(["./pan", "-a", "-i", *fair, PAN_DEPTH, PAN_HASH, "-N", r.prop], work)
        (work / f"{r.prop}.pan.txt").write_text(pan.stdout + pan.stderr)
        errors = re.search(r"errors: (\d+)", pan.stdout)
        stored = re.search(r"(\d+) states, stored", pan.stdout)
        r.states = stored.group(1) if stored else "?"
        if not errors:
            r.problem = f"pan gave no result:\n{pan.stdout}{pan.stderr}"
            continue
        if "max search depth too small" in pan.stdout:
            r.problem = "search incomplete: max search depth too small"
            continue
        r.failed = int(errors.group(1)) > 0
        trail = work / f"{model.file}.trail"
        if r.failed and trail.exists():
            r.trail = trail.rename(work / f"{r.prop}.trail")
            # The statements, then the same with every variable change.
            for suffix, flags in ((".txt", []), (".vars.txt", ["-g", "-l"])):
                replay = run(["spin", *spin_defines(variant, events), "-t", "-p", *flags, "-k",
                              r.trail.name, model.file], work)
                (work / f"{r.prop}{suffix}").write_text(replay.stdout + replay.stderr)
    return results


def describe(r):
    if r.problem:
        return "ERROR"
    kind = "witness" if r.prop.startswith("witness_") else "property"
    if r.failed:
        got = "reached" if kind == "witness" else "VIOLATED"
    else:
        got = "not reached" if kind == "witness" else "holds"
    return got if r.ok else f"{got}  <-- UNEXPECTED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "model",
                    help="where verifiers and trails go (default build/model)")
    ap.add_argument("--only", default="", help="run only variants whose model-variant "
                    "name contains this (e.g. loop-, cross_cpu-skip)")
    ap.add_argument("--show-trails", action="store_true",
                    help="print the trail of every violation, expected or not")
    ap.add_argument("--events", type=int, default=0,
                    help="events per source (loop.pml) and knocks (cross_cpu.pml); "
                    "default: the models' own bound, 2")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    if not shutil.which("spin"):
        sys.exit("run_model: spin not found (Debian package spin; make deps installs it)")
    jobs = [(m, v) for m in MODELS for v in m.variants
            if args.only in f"{pathlib.Path(m.file).stem}-{v.name}"]
    if not jobs:
        sys.exit(f"run_model: no variant matches --only {args.only!r}")
    args.out.mkdir(parents=True, exist_ok=True)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        batches = list(pool.map(lambda mv: check_variant(*mv, args.out, args.events), jobs))
    elapsed = time.monotonic() - start

    bad = []
    for results in batches:
        v = results[0].variant
        kind = "mutant" if v.define and v.define.startswith("MUTANT_") else "must pass"
        print(f"{results[0].model.file} {v.name} ({kind}): {v.what}")
        for r in results:
            fair = " (weak fairness)" if r.prop in r.model.fair else ""
            print(f"    {r.prop:28} {describe(r):26} {r.states:>8} states{fair}")
            if not r.ok:
                bad.append(r)
        caught = [r for r in results if r.failed and r.prop in v.fails]
        if v.fails and caught:
            print(f"    caught by {', '.join(r.prop for r in caught)}")

    for r in bad + ([] if not args.show_trails else
                    [r for b in batches for r in b if r.ok and r.trail]):
        name = f"{r.model.file} {r.variant.name} {r.prop}"
        print(f"\n==== {name}")
        if r.problem:
            print(r.problem)
        elif r.trail:
            text = r.trail.with_suffix(".txt")
            print(f"counterexample: spin -t -p (in {text}; with every variable change:"
                  f" {r.trail.with_suffix('.vars.txt')})")
            print(text.read_text(), end="")
        elif r.expect_fail and r.prop.startswith("witness_"):
            print("the witness was never reached: the model no longer reaches the race"
                  " this property is about, so its passes prove nothing")
        elif r.expect_fail:
            print(f"expected a violation of {r.prop}, and the search found none:"
                  " this property does not catch the mutant")

    total = sum(len(b) for b in batches)
    print(f"\nmodel: {total} checks on {len(jobs)} variants in {elapsed:.1f} s: "
          + ("all as expected" if not bad else f"{len(bad)} UNEXPECTED"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
