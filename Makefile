# knock: build, run, test and measure the pc board.
#
#   make run        boot the pc board in QEMU (VGA console; serial on a socket)
#                   (UEFI=1: under OVMF, with the framebuffer console;
#                   LAB=1: the lab image, with the measurement wing: docs/lab.md)
#   make run-serial boot with the serial console on this terminal
#   make test       every test: host unit tests, layering check, models, fuzzers, end-to-end
#   make model      check the spin models of the protocol (tests/model)
#   make fuzz       run every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make bench      deterministic figures of the shipped image (gdb counts its paths under
#                   QEMU -icount shift=0,sleep=off)
#   make trace      record a short workload: build/trace.json (Perfetto) and build/trace.png
#   make deps       install missing Debian packages (run/test do it first)
#   make debug      QEMU halted with a gdb stub, gdb attached with symbols
#   make lint       clang-format --dry-run, cppcheck and clang-tidy
#   make iso        build both images: build/knock.iso and build/knock-lab.iso
#   make check-product  the product image links no lab code (docs/lab.md)
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
KCFLAGS   := -std=gnu11 -Oz -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
             -isystem $(shell $(CC) -print-file-name=include) \
             -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
             -mgeneral-regs-only -mcmodel=small -fno-omit-frame-pointer -fno-optimize-sibling-calls \
             -mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
             -fno-strict-aliasing -ffunction-sections -fdata-sections \
             -I. -DKNOCK_VERSION='"$(VERSION)"'
# Code is built for size (-Oz) except the files whose -O2 code the hot
# paths measurably need (make bench under icount): the console, which the
# keystroke's echo and the deferred call both run through (at -Oz:
# keystroke 283 -> 301 instructions, deferred call 30 -> 31), and the
# string helpers, and the two ticket locks (the parking lock's hand-over
# under thread=single: 0.88 of the plain lock's rate at -Oz, 0.94 at -O2;
# docs/smp.md). The loop, the alarm mux, the LAPIC alarm, the key
# decoder and the line editor are built for size too (keystroke 283,
# deferred call 30, timer wake 60, with two helpers of the key decoder
# forced inline), which keeps 2 pages of text out of the image against
# -O2 for them and -Os for the rest.
HOT_C     := capsules/console.c kernel/string.c kernel/ticketlock.c kernel/lab/ticketlock_plain.c
# -fno-crossjumping for the loop: GCC would otherwise merge the take after
# a round's last call with the take after the sleep, and the usual round
# would pay a jump to reach it (deferred_call_instructions counts it). A
# flag here rather than an attribute in the file: the host builds (clang's
# fuzzers) do not know GCC's optimize attribute.
NO_CROSSJUMP_C := kernel/loop.c
# --gc-sections: a function or object nothing refers to is not linked in
# (each is in its own section: -ffunction-sections -fdata-sections).
KLDFLAGS  := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
             --gc-sections -T boot/linker.ld
NASMFLAGS := -f elf64 -g -F dwarf -I chips/x86_64/ -I boot/

# Two images from one tree (docs/lab.md). The product, build/knock.iso,
# is what `make run` boots and what the figures describe; it links no lab
# code. The lab image, build/knock-lab.iso, is the product plus the lab
# wing (*/lab/ beside each layer), with one product file replaced by its
# lab copy (LAB_REPLACES: the metered interrupt enable/disable).
KERNEL_C  := $(wildcard kernel/*.c) $(wildcard chips/x86_64/*.c) \
             $(wildcard capsules/*.c) $(wildcard board/$(BOARD)/*.c)
KERNEL_S  := $(wildcard boot/*.asm) $(wildcard chips/x86_64/*.asm)
KOBJS     := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) \
             $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_S)) \
             $(BUILD)/k/top_halves.o $(BUILD)/k/fb_font.o

LAB_C        := $(wildcard kernel/lab/*.c) $(wildcard chips/x86_64/lab/*.c) \
                $(wildcard capsules/lab/*.c) \
                $(wildcard board/$(BOARD)/lab/*.c)
LAB_REPLACES := chips/x86_64/arch_irq.c
LAB_S        := $(wildcard chips/x86_64/lab/*.asm)
LAB_KOBJS    := $(filter-out $(patsubst %.c,$(BUILD)/k/%.o,$(LAB_REPLACES)),$(KOBJS)) \
                $(patsubst %.c,$(BUILD)/k/%.o,$(LAB_C)) $(patsubst %.asm,$(BUILD)/k/%.o,$(LAB_S)) \
                $(BUILD)/k/top_halves_lab.o

ELF       := $(BUILD)/knock.elf
ISO       := $(BUILD)/knock.iso
LAB_ELF   := $(BUILD)/knock-lab.elf
LAB_ISO   := $(BUILD)/knock-lab.iso

# Quiet by default: one line per step. `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif


.PHONY: testapps-iso
.PHONY: FORCE all iso lab-iso check-product run-iso run run-serial serial debug test unit e2e check-layers model lint bench trace \
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
	@echo '$(KCFLAGS) $(NASMFLAGS) $(HOT_C) $(NO_CROSSJUMP_C)' | cmp -s - $@ || \
		echo '$(KCFLAGS) $(NASMFLAGS) $(HOT_C) $(NO_CROSSJUMP_C)' > $@
FORCE:

$(BUILD)/k/%.o: %.c $(BUILD)/kcflags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(if $(filter $<,$(HOT_C)),-O2) \
		$(if $(filter $<,$(NO_CROSSJUMP_C)),-fno-crossjumping) -MMD -MP -c $< -o $@

$(BUILD)/k/%.o: %.asm $(BUILD)/kcflags
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

# Device top halves: generated from the board's interrupt table (and, for
# the lab image, from the lab's rows too, with the timestamped variants).
$(BUILD)/top_halves.asm: board/$(BOARD)/interrupts.h kernel/cpu.h tools/gen_top_halves.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_top_halves.py $< --cpu-header kernel/cpu.h -o $@

$(BUILD)/top_halves_lab.asm: board/$(BOARD)/interrupts.h board/$(BOARD)/lab/interrupts.h \
                             kernel/cpu.h tools/gen_top_halves.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_top_halves.py $< --lab board/$(BOARD)/lab/interrupts.h \
	  --cpu-header kernel/cpu.h -o $@

$(BUILD)/k/top_halves.o $(BUILD)/k/top_halves_lab.o: $(BUILD)/k/%.o: $(BUILD)/%.asm
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
# checks that and fails the build otherwise). Then the ISO: GRUB, the
# kernel and its apps. KERNEL_IMAGE(name, objects, apps) writes these rules
# for one image.
$(BUILD)/ksyms0.c: tools/gen_symbols.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_symbols.py --empty -o $@

$(BUILD)/ksyms0.o: $(BUILD)/ksyms0.c
	$(CC) $(KCFLAGS) -c $< -o $@

define KERNEL_IMAGE
$(BUILD)/$(1)0.elf: $(2) $(BUILD)/ksyms0.o boot/linker.ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(KLDFLAGS) -o $$@ $(2) $(BUILD)/ksyms0.o

$(BUILD)/$(1)-ksyms.c: $(BUILD)/$(1)0.elf tools/gen_symbols.py
	$(Q)$(PYTHON) tools/gen_symbols.py -o $$@ $$<

$(BUILD)/$(1)-ksyms.o: $(BUILD)/$(1)-ksyms.c
	$(Q)$(CC) $(KCFLAGS) -c $$< -o $$@

$(BUILD)/$(1).elf: $(2) $(BUILD)/$(1)-ksyms.o boot/linker.ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(KLDFLAGS) -Map=$(BUILD)/$(1).map -o $$@ $(2) $(BUILD)/$(1)-ksyms.o
	$(Q)$(PYTHON) tools/gen_symbols.py --check $(BUILD)/$(1)0.elf $$@

$(eval $(call ISO_IMAGE,$(1),$(1),$(3)))
endef

# ISO_IMAGE(iso, kernel, apps): GRUB, the kernel and the apps (apps/apps.mk),
# by tools/mkiso.sh, with GRUB's commands in its core images.
# GRUB reads the whole kernel file: the ISO gets a copy without the debug
# information and symbol table (0.7 MB; backtraces use the embedded
# .ksyms). build/knock.elf keeps them for gdb and the tests.
define ISO_IMAGE
$(eval $(call ISO_APPS,$(1),$(3)))
$(BUILD)/$(1).iso: $(BUILD)/$(2).elf $(BUILD)/$(1).grub-bios.cfg $(BUILD)/$(1).grub-efi.cfg \
		$(patsubst %,$(BUILD)/apps/%.elf,$(3)) tools/mkiso.sh
	@echo "  ISO     $$@"
	$(Q)rm -rf $(BUILD)/$(1).isodir && mkdir -p $(BUILD)/$(1).isodir/boot/apps
	$(Q)$(OBJCOPY) --strip-all $(BUILD)/$(2).elf $(BUILD)/$(1).isodir/boot/knock.elf
	$(Q)$(if $(3),cp $(patsubst %,$(BUILD)/apps/%.elf,$(3)) $(BUILD)/$(1).isodir/boot/apps/)
	$(Q)tools/mkiso.sh $$@ $(BUILD)/$(1).isodir $(BUILD)/$(1).grub-bios.cfg \
	  $(BUILD)/$(1).grub-efi.cfg 2>$(BUILD)/$(1).mkiso.log || \
	  { cat $(BUILD)/$(1).mkiso.log; exit 1; }
endef

include apps/apps.mk
# KERNEL_IMAGE(name, objects, apps): the lab image carries no app, so its
# measurements and load tests see the loop alone.
$(eval $(call KERNEL_IMAGE,knock,$(KOBJS),$(APPS)))
$(eval $(call KERNEL_IMAGE,knock-lab,$(LAB_KOBJS),))
# Every app on the product kernel, for the process tests (apps/apps.mk).
$(eval $(call ISO_IMAGE,knock-testapps,knock,$(APP_NAMES)))

# After `iso`, not beside it: each runs a sub-make, and under make -j two
# sub-makes would link knock.elf at once (`make -j2 bench` did).
testapps-iso: iso
	@$(MAKE) --no-print-directory $(BUILD)/knock-testapps.iso

iso: deps
	@$(MAKE) --no-print-directory $(ISO) $(LAB_ISO)

lab-iso: deps
	@$(MAKE) --no-print-directory $(LAB_ISO)

# The product image links no lab code (docs/lab.md): fails naming any
# symbol that a lab object defines and knock.elf has.
check-product: $(ELF) $(LAB_ELF)
	@$(PYTHON) tools/check_product.py --product $(ELF) \
	  --replaced $(patsubst %.c,$(BUILD)/k/%.o,$(LAB_REPLACES)) \
	  --lab $(patsubst %.c,$(BUILD)/k/%.o,$(LAB_C)) $(patsubst %.asm,$(BUILD)/k/%.o,$(LAB_S)) \
	  $(BUILD)/k/top_halves_lab.o

-include $(KOBJS:.o=.d) $(LAB_KOBJS:.o=.d)

# --- running --------------------------------------------------------------
# DISPLAY or WAYLAND_DISPLAY set: a window; otherwise the VGA console is
# drawn in this terminal with curses. The serial console is then on the
# socket $(BUILD)/serial.sock: `make serial` attaches to it.
# LAB=1: the lab image (docs/lab.md) instead of the product.
ifeq ($(LAB),1)
RUN_ISO   := $(LAB_ISO)
RUN_ELF   := $(LAB_ELF)
else
RUN_ISO   := $(ISO)
RUN_ELF   := $(ELF)
endif
# PCI devices knock drives (docs/drivers.md): an entropy source for `rng`,
# and a network card on QEMU's user networking (knock is 10.0.2.15; `net`).
QEMU_DEVICES ?= -device virtio-rng-pci -netdev user,id=n0 -device virtio-net-pci,netdev=n0
QEMU_BASE := -machine $(MACHINE) -m $(MEM) -smp $(SMP) -no-reboot \
             -cdrom $(RUN_ISO) -boot d \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_DEVICES)
# DISK=path: that raw image as a virtio-blk disk, for `blk` (docs/drivers.md).
# No disk by default: `blk write` really writes, so the disk is the user's
# to choose (and a file of their own to look at after QEMU exits).
ifneq ($(DISK),)
QEMU_BASE += -drive file=$(DISK),format=raw,if=none,id=disk0 -device virtio-blk-pci,drive=disk0
endif
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

run-iso: deps
	@$(MAKE) --no-print-directory $(RUN_ISO)

run: run-iso
	@echo "knock: serial console on $(BUILD)/serial.sock (attach with 'make serial' in another terminal)"
	$(QEMU) $(QEMU_BASE) $(RUN_DISPLAY) \
	  -chardev socket,id=ser0,path=$(BUILD)/serial.sock,server=on,wait=off \
	  -serial chardev:ser0

run-serial: run-iso
	@echo "knock: serial console on this terminal; quit with Ctrl-A then X"
	$(QEMU) $(QEMU_BASE) -nographic

serial:
	@$(PYTHON) tools/serial_console.py $(BUILD)/serial.sock

debug: run-iso
	@tools/debug.sh $(RUN_ISO) $(RUN_ELF) "$(QEMU_BASE)"

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
	@$(MAKE) --no-print-directory $(ISO) $(LAB_ISO) $(BUILD)/knock-testapps.iso
	@$(MAKE) --no-print-directory check-product
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory model
	@$(MAKE) --no-print-directory fuzz-check
	$(PYTHON) -m pytest -q tools/tests
	$(PYTHON) -m pytest -q tests/e2e

# One sub-make for the three images: they share knock.elf, and two sub-makes
# run side by side (make -j) would link it twice at once.
e2e: deps
	@$(MAKE) --no-print-directory $(ISO) $(LAB_ISO) $(BUILD)/knock-testapps.iso
	$(PYTHON) -m pytest -q tests/e2e

# The figures describe $(ISO), the image a user boots; the lab figures
# (in-guest benchmarks, bake-off, SMP benches) come from the lab image.
bench: iso testapps-iso
	$(PYTHON) tools/bench.py --iso $(ISO) --elf $(ELF) --lab-iso $(LAB_ISO) --lab-elf $(LAB_ELF) \
	  --testapps-iso $(BUILD)/knock-testapps.iso --apps-dir $(BUILD)/apps --out $(BUILD)/bench.json

trace: iso
	$(PYTHON) tools/make_trace.py --iso $(LAB_ISO) --json $(BUILD)/trace.json --png $(BUILD)/trace.png \
	  --log $(BUILD)/trace.log

lint: deps
	@tools/lint.sh

compile_commands.json: deps
	bear --output $@ -- $(MAKE) -B --no-print-directory $(ELF) $(LAB_ELF) unit-build

clean:
	rm -rf $(BUILD)
