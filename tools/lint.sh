#!/bin/bash
# make lint: formatting (clang-format with the committed .clang-format) and
# static analysis (cppcheck with tools/cppcheck-suppressions.txt, clang-tidy
# with the committed .clang-tidy). Reports every finding, fixes nothing;
# exits 1 if there was any. To apply the format to a file: clang-format -i
# FILE. An intended finding is suppressed on its own line, with the reason:
# `// cppcheck-suppress id` or `// NOLINT(check): why`.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# Only folders that exist (the tree grows issue by issue); build/ is output.
existing() {
	local d
	for d in "$@"; do
		if [ -d "$d" ]; then echo "$d"; fi
	done
}
mapfile -t format_dirs < <(existing kernel chips capsules board apps tests/unit tools)
mapfile -t analyse_dirs < <(existing kernel chips capsules board)
# tools/ is analysed too once it holds C (host programs); cppcheck fails
# on a folder without any.
if [ -n "$(find tools -name '*.c' -print -quit 2>/dev/null)" ]; then analyse_dirs+=(tools); fi
mapfile -t files < <(find "${format_dirs[@]}" -type f \
	\( -name "*.c" -o -name "*.h" \) | sort)

status=0

echo "== clang-format: ${#files[@]} files"
unformatted=()
for f in "${files[@]}"; do
	clang-format --dry-run --Werror "$f" 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
	echo "clang-format: ${#unformatted[@]} file(s) differ from .clang-format:"
	printf '  %s\n' "${unformatted[@]}"
	status=1
fi

echo "== cppcheck: ${analyse_dirs[*]}"
cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	--inline-suppr --suppressions-list=tools/cppcheck-suppressions.txt \
	-I . --std=c11 --quiet "${analyse_dirs[@]}" || status=1

# clang-tidy: one process per .c file, as many at once as there are CPUs.
# The kernel's files get the kernel's language flags (freestanding, no red
# zone, no SSE; the codegen-only ones of the Makefile's KCFLAGS do not
# matter to the analysis); tools/ holds host programs. Headers are checked
# through the files that include them (.clang-tidy's HeaderFilterRegex),
# so a finding in a header is listed once per includer: the summary at the
# end lists each once.
mapfile -t tidy_files < <(find "${analyse_dirs[@]}" -type f -name "*.c" | sort)
echo "== clang-tidy: ${#tidy_files[@]} files"
tidy_log=$(mktemp)
trap 'rm -f "$tidy_log"' EXIT
kernel_flags="-std=gnu11 -ffreestanding -mno-red-zone -mgeneral-regs-only -I. -DKNOCK_VERSION=\"lint\" -Wall -Wextra"
host_flags="-std=gnu11 -I. -Wall -Wextra"
tidy_one() {
	local flags=$kernel_flags
	case "$1" in tools/*) flags=$host_flags ;; esac
	# shellcheck disable=SC2086 # the flags are words on purpose
	clang-tidy --quiet --warnings-as-errors='*' "$1" -- $flags 2>&1 | grep -v "warnings\? generated\|treated as errors\|^Error while processing"
	return "${PIPESTATUS[0]}"
}
export -f tidy_one
export kernel_flags host_flags
if ! printf '%s\n' "${tidy_files[@]}" | xargs -P "$(nproc)" -I{} bash -c 'tidy_one "$1"' _ {} >"$tidy_log"; then
	cat "$tidy_log"
	echo "clang-tidy: findings (each once):"
	grep -E "^[^ ].*: (warning|error): " "$tidy_log" | sed "s|^$PWD/||" | sort -u | sed 's/^/  /'
	status=1
fi

if [ $status -eq 0 ]; then
	echo "lint: clean"
else
	echo "lint: findings above"
fi
exit $status
