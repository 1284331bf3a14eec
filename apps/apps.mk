# The apps (docs/processes.md): user programs that knock loads from GRUB
# module2 lines and runs as processes in ring 3.
#
#   make run APPS="hello spin"   the apps build/knock.iso carries (default: APPS_DEFAULT)
#   make run APPS=               none: knock exactly as without processes
#   make testapps-iso            build/knock-testapps.iso: the product kernel
#                                with every app, for tests/e2e/test_processes.py
#                                (the kernel option apps=NAME,... picks which start)
#
# Each apps/<name>/main.c is one app, linked with libknock (apps/libknock)
# at PROCESS_USER_BASE by apps/app.ld. Apps include only libknock
# (tools/check_layers.py).

APP_NAMES    := $(sort $(filter-out libknock,$(notdir $(patsubst %/main.c,%,$(wildcard apps/*/main.c)))))
# Empty for now: the product's e2e tests read the shell's answers off the
# serial line, and an app printing at boot lands in the middle of them.
# (The issue wants two examples by default; that needs examples that stay
# quiet until asked, or tests that boot with apps=none.)
APPS_DEFAULT :=
APPS         ?= $(APPS_DEFAULT)
ifneq ($(filter-out $(APP_NAMES),$(APPS)),)
$(error APPS: no app named '$(filter-out $(APP_NAMES),$(APPS))' (apps: $(APP_NAMES)))
endif

# Position-independent code (every address RIP-relative) linked static,
# not as a PIE: the user window is above 4 GiB. No SSE: knock leaves it
# off (CR4.OSFXSR clear), so an SSE instruction would fault.
APP_CFLAGS   := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
                -isystem $(shell $(CC) -print-file-name=include) \
                -fpie -fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
                -fno-omit-frame-pointer -I apps
APP_LDFLAGS  := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack -T apps/app.ld

LIBKNOCK_OBJS := $(patsubst apps/%.c,$(BUILD)/apps/obj/%.o,$(wildcard apps/libknock/*.c))

$(BUILD)/apps/obj/%.o: apps/%.c apps/apps.mk
	@mkdir -p $(dir $@)
	@echo "  APPCC   $<"
	$(Q)$(CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/apps/%.elf: $(BUILD)/apps/obj/%/main.o $(LIBKNOCK_OBJS) apps/app.ld
	@echo "  APPLD   $@"
	$(Q)$(LD) $(APP_LDFLAGS) -o $@ $< $(LIBKNOCK_OBJS)

-include $(wildcard $(BUILD)/apps/obj/*/*.d)
.SECONDARY: $(LIBKNOCK_OBJS) $(patsubst %,$(BUILD)/apps/obj/%/main.o,$(APP_NAMES))

# The GRUB commands of an image, one file per firmware:
# board/pc/grub-{bios,efi}.cfg with one module2 line per app after the
# kernel's. $(BUILD)/<image>.apps holds the list, rewritten only when it
# changes, so a new APPS rebuilds the ISO.
# ISO_APPS(image, apps)
define ISO_APPS
$(BUILD)/$(1).apps: FORCE
	@mkdir -p $(BUILD)
	@echo '$(2)' | cmp -s - $$@ || echo '$(2)' > $$@

$(BUILD)/$(1).grub-%.cfg: board/$(BOARD)/grub-%.cfg $(BUILD)/$(1).apps
	$(Q)awk -v apps='$(2)' '{ print } /^multiboot2 \/boot\/knock.elf/ { \
	  n = split(apps, a, " "); for (i = 1; i <= n; i++) \
	  printf "module2 /boot/apps/%s.elf %s\n", a[i], a[i] }' $$< > $$@
endef
