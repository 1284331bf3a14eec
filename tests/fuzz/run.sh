#!/bin/bash
# Run one libFuzzer harness of tests/fuzz (the Makefile runs one per name,
# several at a time). Quiet: libFuzzer's output goes to a log file; this
# prints one line, or on failure the end of the log and how to reproduce.
#
#   tests/fuzz/run.sh check NAME SECONDS   (make test) replay the committed
#       corpus, then fuzz SECONDS from it into a scratch corpus
#   tests/fuzz/run.sh fuzz NAME SECONDS    (make fuzz) fuzz SECONDS, keeping
#       what it finds in build/fuzz/corpus/NAME for the next run
#
# A crash, a failed check, a leak or an input slower than FUZZ_TIMEOUT
# seconds (default 10) fails the run; libFuzzer writes the input to
# build/fuzz/artifacts/NAME/.
set -uo pipefail

mode=$1 name=$2 seconds=$3
build=${FUZZ_BUILD:-build/fuzz}
bin=$build/fuzz_$name
seeds=tests/fuzz/corpus/$name
artifacts=$build/artifacts/$name/
log=$build/logs/$name.$mode.log
timeout=${FUZZ_TIMEOUT:-10}

mkdir -p "$artifacts" "$build/logs" "$seeds"
# -len_control=0: inputs of any length (up to 4096 bytes) from the start,
# not slowly growing ones: tables and sessions need their length.
common=(-timeout="$timeout" -artifact_prefix="$artifacts" -print_final_stats=1
	-max_len=4096 -len_control=0)
# A dictionary of the words the harness's input is made of, if it has one.
if [ -f "tests/fuzz/$name.dict" ]; then
	common+=(-dict="tests/fuzz/$name.dict")
fi
# The harness's own libFuzzer flags, one a line (# comments), if any: they
# come last, so they override the ones above.
if [ -f "tests/fuzz/$name.options" ]; then
	mapfile -t own < <(grep -v '^[[:space:]]*\(#\|$\)' "tests/fuzz/$name.options")
	common+=("${own[@]}")
fi

fail() {
	echo "fuzz $name: FAILED ($1); the end of $log:"
	tail -n 60 "$log" | sed 's/^/    /'
	local input
	input=$(ls -t "$artifacts" 2>/dev/null | head -n 1)
	if [ -n "$input" ]; then
		echo "    reproduce: $bin $artifacts$input"
		echo "    once fixed, keep it: cp $artifacts$input $seeds/regress-<what>"
	fi
	exit 1
}

# The number libFuzzer reports for `stat::NAME` in the log.
libfuzzer_stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -n 1
}

seed_count=$(find "$seeds" -type f | wc -l)
case $mode in
check)
	# -runs=0: run every input of the corpus once, nothing else.
	"$bin" "${common[@]}" -runs=0 "$seeds" >"$log" 2>&1 || fail "corpus replay"
	scratch=$build/check/$name
	rm -rf "$scratch" && mkdir -p "$scratch"
	"$bin" "${common[@]}" -max_total_time="$seconds" "$scratch" "$seeds" >>"$log" 2>&1 ||
		fail "fuzzing"
	echo "fuzz $name: $seed_count corpus inputs replayed; $(libfuzzer_stat number_of_executed_units) runs in ${seconds} s, no failure"
	;;
fuzz)
	corpus=$build/corpus/$name
	mkdir -p "$corpus"
	"$bin" "${common[@]}" -max_total_time="$seconds" "$corpus" "$seeds" >"$log" 2>&1 ||
		fail "fuzzing"
	echo "fuzz $name: $(libfuzzer_stat number_of_executed_units) runs in ${seconds} s, no failure;" \
		"$(find "$corpus" -type f | wc -l) inputs in $corpus"
	;;
*)
	echo "usage: $0 check|fuzz NAME SECONDS" >&2
	exit 2
	;;
esac
