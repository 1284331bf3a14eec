#!/bin/bash
# Install the Debian packages knock needs, and only those that are missing.
#
# Every make target that needs a tool runs this first (`make deps` runs only
# this), so it must be quick and quiet when everything is there: one
# dpkg-query call, no output. Nothing is assumed to be installed by hand.
set -euo pipefail

# The one list of what knock needs: package, then why.
PACKAGES="
make             runs the build (the Makefile)
gcc              compiles the kernel and the host unit tests
libc6-dev        C library headers for the host unit tests (gcc only recommends it)
binutils         ld links the kernel; objcopy and nm for the symbol table
nasm             assembles boot/ and chips/x86_64/*.asm
grub-common      grub-mkimage, which builds GRUB's core images for the bootable ISO (tools/mkiso.sh)
grub-pc-bin      GRUB's BIOS modules: without them no ISO can be built
grub-efi-amd64-bin GRUB's x86_64 UEFI modules: without them the ISO does not boot under UEFI (make run UEFI=1)
xorriso          writes the ISO image
mtools           mformat and mcopy build the ISO's EFI boot image
qemu-system-x86  runs knock: make run, the end-to-end tests, make bench
ovmf             UEFI firmware for QEMU: make run UEFI=1, the UEFI end-to-end tests and bench figure
console-setup-linux the framebuffer console's font (/usr/share/consolefonts, tools/psf_to_c.py)
libcmocka-dev    the host unit test framework (tests/unit)
python3          the build tools, the tests and make bench
python3-pytest   runs the end-to-end tests and the tools' tests
python3-matplotlib  draws make trace's timeline picture (tools/trace2json.py, its tests)
gdb              make debug; make bench and tests/e2e/test_count_path.py count paths with it
clang-format     make lint: code formatting
cppcheck         make lint: static analysis
clang-tidy       make lint: static analysis (.clang-tidy: bug-finding checks)
bear             make compile_commands.json, for editors
spin             make model: checks the Promela models of the protocol (tests/model)
clang            make fuzz and make test: builds the libFuzzer harnesses (tests/fuzz)
libclang-rt-dev  libFuzzer and the sanitizer runtimes for clang (apt only recommends them)
"
# With a display, make run opens a window: QEMU's GTK/SDL front ends are in
# a separate package (without it QEMU silently falls back to VNC). Without a
# display, make run uses curses, which qemu-system-x86 already has.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	PACKAGES+="qemu-system-gui  make run's QEMU window"$'\n'
fi

die() {
	echo "knock: $*" >&2
	exit 1
}

names=()
declare -A why
while read -r name reason; do
	[ -n "$name" ] || continue
	names+=("$name")
	why[$name]=$reason
done <<<"$PACKAGES"

# Prints the packages of the list that are not installed, one per line.
missing_packages() {
	local installed line name
	declare -A ok
	# dpkg-query fails for a package it has never heard of; that one is
	# simply missing.
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${names[@]}" 2>/dev/null) || true
	while read -r line; do
		case "$line" in
		*" install ok installed") ok[${line%% *}]=1 ;;
		esac
	done <<<"$installed"
	for name in "${names[@]}"; do
		[ -n "${ok[$name]:-}" ] || echo "$name"
	done
}

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	die "dpkg-query and apt-get not found: knock installs its tools with apt on Debian." \
		"On another system install the equivalents of: ${names[*]}"
fi

mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "knock: installing missing Debian packages: ${missing[*]}"
for name in "${missing[@]}"; do
	printf '  %-16s %s\n' "$name" "${why[$name]}"
done

export DEBIAN_FRONTEND=noninteractive
install_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$EUID" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo DEBIAN_FRONTEND=noninteractive)
	echo "knock: not root, so through sudo"
else
	die "not root and no sudo: as root, run" \
		"'apt-get update && ${install_cmd[*]}' and then make again"
fi

"${as_root[@]}" apt-get update || die "apt-get update failed (network? apt sources?)"
"${as_root[@]}" "${install_cmd[@]}" || die "apt-get install failed"

mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] || die "still missing after apt-get install: ${missing[*]}"
echo "knock: packages installed"
