#!/bin/bash
# make debug: tools/debug.sh ISO ELF "QEMU_ARGS"
#
# Starts QEMU halted (-S) with its gdb stub on localhost:1234 (-s), then
# runs gdb on the kernel ELF (for the symbols) with tools/gdbinit, which
# connects and stops at board_main. QEMU runs in the background with no
# display (-display none: gdb owns this terminal); the serial console goes
# to a file next to the ELF (build/debug-serial.log), so `tail -f` it in
# another terminal. Quitting gdb stops QEMU.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 ISO ELF [\"QEMU_ARGS\"]" >&2
	exit 2
fi
iso=$1 elf=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$elf")
serial_log=$out/debug-serial.log
qemu_log=$out/debug-qemu.log
qemu=${QEMU:-qemu-system-x86_64}

# QEMU_ARGS comes from the Makefile with shell quoting in it (for example
# -fw_cfg name=opt/knock/cmdline,string='fault=pf'), so split it the way
# the shell would for `make run`.
eval "qemu_args=(${3:-})"
case " ${qemu_args[*]} " in
*" -cdrom "*) ;;
*) qemu_args+=(-cdrom "$iso" -boot d) ;;
esac

# The gdb stub's port is fixed in tools/gdbinit. 04D2 is 1234 in hex; state
# 0A is LISTEN (see proc(5), /proc/net/tcp).
gdb_port_listening() {
	grep -q '^ *[0-9]*: [0-9A-F]*:04D2 [0-9A-F]*:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
if gdb_port_listening; then
	echo "knock: port 1234 is taken (another make debug?); stop that first" >&2
	exit 1
fi

echo "knock: QEMU halted with a gdb stub on :1234; serial log in $serial_log"
"$qemu" "${qemu_args[@]}" -s -S -display none -serial "file:$serial_log" \
	</dev/null >"$qemu_log" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true' EXIT

# Wait for the stub to listen, so gdb does not race QEMU's start-up.
for _ in $(seq 50); do
	gdb_port_listening && break
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		echo "knock: QEMU did not start:" >&2
		cat "$qemu_log" >&2
		exit 1
	fi
	sleep 0.1
done

gdb -q -x "$here/gdbinit" "$elf"
