#!/bin/bash
# Compile the hand-written ACPI edge-case tables, tests/data/acpi/edge-*.dsl,
# into the binaries tests/unit/test_acpi.c reads (edge-*.bin, committed next
# to their sources, so `make unit` does not need iasl). Run this after
# editing a .dsl and commit both. iasl is in Debian's acpica-tools; it fills
# in every length and checksum field.
#
# QEMU's own tables (pc-*.bin, q35-*.bin) come from tools/acpi_dump.py.
set -euo pipefail

cd "$(dirname "$0")/.."
command -v iasl >/dev/null || { echo "gen_acpi_fixtures: iasl missing: apt-get install acpica-tools" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for dsl in tests/data/acpi/edge-*.dsl; do
	name=$(basename "$dsl" .dsl)
	if ! iasl -p "$tmp/$name" "$dsl" >"$tmp/$name.log" 2>&1; then
		cat "$tmp/$name.log" >&2
		exit 1
	fi
	cp "$tmp/$name.aml" "tests/data/acpi/$name.bin"
	echo "gen_acpi_fixtures: $dsl -> tests/data/acpi/$name.bin ($(stat -c %s "$tmp/$name.aml") bytes)"
done
