#!/bin/bash
# make lint: formatting (clang-format with the committed .clang-format) and
# static analysis (cppcheck). Reports every finding, fixes nothing; exits 1
# if there was any. To apply the format to a file: clang-format -i FILE.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# Only folders that exist (the tree grows issue by issue); build/ is output.
existing() {
	local d
	for d in "$@"; do
		if [ -d "$d" ]; then echo "$d"; fi
	done
}
mapfile -t format_dirs < <(existing kernel chips capsules board tests/unit tools)
mapfile -t analyse_dirs < <(existing kernel chips capsules board)
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

if [ $status -eq 0 ]; then
	echo "lint: clean"
else
	echo "lint: findings above"
fi
exit $status
