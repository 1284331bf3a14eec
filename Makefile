# knock: build, run, test and measure the pc board.
#
#   make run        boot the pc board in QEMU (VGA console; serial on a socket)
#                   (UEFI=1: under OVMF, with the framebuffer console)
#   make run-serial boot with the serial console on this terminal
#   make test       every test: host unit tests, layering check, models, fuzzers, end-to-end
#   make model      check the spin models of the protocol (tests/model)
#   make fuzz       run every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make bench      deterministic figures (QEMU -icount shift=0,sleep=off)
#   make trace      record a short workload: build/trace.json (Perfetto) and build/trace.png
#   make deps       install missing Debian packages (run/test do it first)
#   make debug      QEMU halted with a gdb stub, gdb attached with symbols
#   make lint       clang-format --dry-run, cppcheck and clang-tidy
#
# Every target that needs a tool depends on `deps`, which installs only what
# is missing and says why.

VERSION   := 0.1.0
BUILD     := build
BOARD     := pc
MACHINE   ?= pc
MEM       ?= 128
SMP       ?= 1
QEMU      ?= qemu-system-x86_64
PYTHON    := /usr/bin/python3

CC        := gcc
LD        := ld
NASM      := nasm
OBJCOPY   := objcopy

WARN      := -Wall -Wextra -Werror
KCFLAGS   := -std=gnu11 -Os -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
             -isystem $(shell $(CC) -print-file-name=include) \
             -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
             -mgeneral-regs-only -mcmodel=small -fno-omit-frame-pointer -fno-optimize-sibling-calls \
             -mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
             -fno-strict-aliasing -ffunction-sections -fdata-sections \
             -I. -DKNOCK_VERSION='"$(VERSION)"'
# Code is built for size (-Os) except the files whose -O2 code the hot
# paths measurably need (make bench under icount, all files at -O2 vs all
# at -Os: keystroke 811 -> 2116 instructions, timer wake 111 -> 133): the
# keystroke's decoder, line editor and echo, the alarm mux and the LAPIC
# alarm under the timer wake, and the string helpers they call. The loop,
# deferred calls and the dispatch are no slower at -Os (deferred call 29).
HOT_C     := capsules/keyboard.c capsules/scancode_set1.c capsules/line_editor.c \
             capsules/console.c capsules/alarm_mux.c chips/x86_64/lapic_alarm.c \
             kernel/string.c
# --gc-sections: a function or object nothing refers to is not linked in
# (each is in its own section: -ffunction-sections -fdata-sections).
KLDFLAGS  := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
             --gc-sections -T boot/linker.ld
NASMFLAGS := -f elf64 -g -F dwarf -I chips/x86_64/ -I boot/

KERNEL_C  := $(wildcard kernel/*.c) $(wildcard chips/x86_64/*.c) \
             $(wildcard capsules/*.c) $(wildcard board/$(BOARD)/*.c)
KERNEL_S  := $(wildcard boot/*.asm) $(wildcard chips/x86_64/*.asm)
KOBJS     := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) \
             $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_S)) \
             $(BUILD)/k/top_halves.o $(BUILD)/k/fb_font.o

ELF       := $(BUILD)/knock.elf
ISO       := $(BUILD)/knock.iso

# Quiet by default: one line per step. `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: FORCE all iso run run-serial serial debug test unit e2e check-layers model lint bench trace \
        deps clean help
all: iso

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@tools/deps.sh

# --- kernel ---------------------------------------------------------------
# Objects depend on the flags too: changing KCFLAGS (or the version) must
# rebuild everything, not leave objects built the old way.
$(BUILD)/kcflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(KCFLAGS) $(NASMFLAGS) $(HOT_C)' | cmp -s - $@ || echo '$(KCFLAGS) $(NASMFLAGS) $(HOT_C)' > $@
FORCE:

$(BUILD)/k/%.o: %.c $(BUILD)/kcflags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(if $(filter $<,$(HOT_C)),-O2) -MMD -MP -c $< -o $@

$(BUILD)/k/%.o: %.asm $(BUILD)/kcflags
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

# Device top halves: generated from the board's interrupt table.
$(BUILD)/top_halves.asm: board/$(BOARD)/interrupts.h kernel/cpu.h tools/gen_top_halves.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_top_halves.py $< --cpu-header kernel/cpu.h -o $@

$(BUILD)/k/top_halves.o: $(BUILD)/top_halves.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

# The framebuffer console's font, generated from a Debian console font
# (console-setup-linux; `make FB_FONT=/usr/share/consolefonts/X.psf.gz`
# picks another 8-pixel-wide one).
$(BUILD)/fb_font.c: tools/psf_to_c.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/psf_to_c.py $(if $(FB_FONT),--font $(FB_FONT)) -o $@

$(BUILD)/k/fb_font.o: $(BUILD)/fb_font.c chips/x86_64/fb_font.h $(BUILD)/kcflags
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

# The symbol table for backtraces takes two links: the first with an empty
# table, then the real table generated from it. The table's section sits
# after .text, so no function moves between the two (tools/gen_symbols.py
# checks that and fails the build otherwise).
$(BUILD)/ksyms0.c: tools/gen_symbols.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_symbols.py --empty -o $@

$(BUILD)/%.ksyms.o: $(BUILD)/%.c
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/ksyms0.o: $(BUILD)/ksyms0.c
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/knock0.elf: $(KOBJS) $(BUILD)/ksyms0.o boot/linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms0.o

$(BUILD)/ksyms1.c: $(BUILD)/knock0.elf tools/gen_symbols.py
	$(PYTHON) tools/gen_symbols.py -o $@ $<

$(BUILD)/ksyms1.o: $(BUILD)/ksyms1.c
	$(CC) $(KCFLAGS) -c $< -o $@

$(ELF): $(KOBJS) $(BUILD)/ksyms1.o boot/linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms1.o
	$(PYTHON) tools/gen_symbols.py --check $(BUILD)/knock0.elf $@

# --- ISO ------------------------------------------------------------------
# GRUB reads the whole kernel file: the ISO gets a copy without the debug
# information and symbol table (0.7 MB; backtraces use the embedded
# .ksyms). build/knock.elf keeps them for gdb and the tests.
$(ISO): $(ELF) board/$(BOARD)/grub.cfg
	@rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub
	$(OBJCOPY) --strip-all $(ELF) $(BUILD)/isodir/boot/knock.elf
	cp board/$(BOARD)/grub.cfg $(BUILD)/isodir/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || \
	  { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: deps
	@$(MAKE) --no-print-directory $(ISO)

-include $(KOBJS:.o=.d)

# --- running --------------------------------------------------------------
# DISPLAY or WAYLAND_DISPLAY set: a window; otherwise the VGA console is
# drawn in this terminal with curses. The serial console is then on the
# socket $(BUILD)/serial.sock: `make serial` attaches to it.
QEMU_BASE := -machine $(MACHINE) -m $(MEM) -smp $(SMP) -no-reboot \
             -cdrom $(ISO) -boot d \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04
# UEFI=1: the same ISO under OVMF (Debian's ovmf) instead of SeaBIOS.
OVMF      ?= /usr/share/ovmf/OVMF.fd
ifeq ($(UEFI),1)
QEMU_BASE += -bios $(OVMF)
endif
ifneq ($(KNOCK_CMDLINE),)
QEMU_BASE += -fw_cfg name=opt/knock/cmdline,string='$(KNOCK_CMDLINE)'
endif
ifneq ($(DISPLAY)$(WAYLAND_DISPLAY),)
RUN_DISPLAY :=
else
RUN_DISPLAY := -display curses
endif

run: iso
	@echo "knock: serial console on $(BUILD)/serial.sock (attach with 'make serial' in another terminal)"
	$(QEMU) $(QEMU_BASE) $(RUN_DISPLAY) \
	  -chardev socket,id=ser0,path=$(BUILD)/serial.sock,server=on,wait=off \
	  -serial chardev:ser0

run-serial: iso
	@echo "knock: serial console on this terminal; quit with Ctrl-A then X"
	$(QEMU) $(QEMU_BASE) -nographic

serial:
	@$(PYTHON) tools/serial_console.py $(BUILD)/serial.sock

debug: iso
	@tools/debug.sh $(ISO) $(ELF) "$(QEMU_BASE)"

# --- tests ----------------------------------------------------------------
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk

check-layers:
	@$(PYTHON) tools/check_layers.py .

# The spin models of the protocol (tests/model/): every property must hold
# and every mutant must be caught. See docs/verification.md.
model: deps
	@$(PYTHON) tests/model/run_model.py --out $(BUILD)/model

test: deps
	@$(MAKE) --no-print-directory $(ISO)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory model
	@$(MAKE) --no-print-directory fuzz-check
	$(PYTHON) -m pytest -q tools/tests
	$(PYTHON) -m pytest -q tests/e2e

e2e: iso
	$(PYTHON) -m pytest -q tests/e2e

bench: iso
	$(PYTHON) tools/bench.py --iso $(ISO) --elf $(ELF) --out $(BUILD)/bench.json

trace: iso
	$(PYTHON) tools/make_trace.py --iso $(ISO) --json $(BUILD)/trace.json --png $(BUILD)/trace.png \
	  --log $(BUILD)/trace.log

lint: deps
	@tools/lint.sh

compile_commands.json: deps
	bear --output $@ -- $(MAKE) -B --no-print-directory $(ELF) unit-build

clean:
	rm -rf $(BUILD)
