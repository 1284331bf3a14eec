/*
 * Fuzz the Multiboot2 information parser (kernel/multiboot2.c) and what the
 * boot does with its result: the boot summary, and the kernel command line
 * (kernel/cmdline.c) built from the loader's line plus an appended string,
 * as the pc board appends the fw_cfg file to GRUB's line.
 *
 * Input: the information block as the loader leaves it (total size,
 * reserved, then tags), in an allocation of exactly its size, so any read
 * past what the parser was allowed shows up under ASan.
 */
#include <stdint.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/multiboot2.h"
#include "tests/fuzz/fuzz.h"

/* Where the block pretends to be: only echoed in the RSDP addresses. */
#define MBI_ADDRESS 0x10000

/* The options the pc board reads (board/pc/options.c), and two that no
 * one sets, to look up in the line built from the input. */
static const char *const keys[] = { "loglevel", "panic", "fault", "bench", "watchdog", "=", "" };

static void check_string(const char *s, size_t size)
{
	FUZZ_CHECK(strnlen(s, size) < size);
}

static void use_command_line(const struct boot_info *info)
{
	char value[8];

	cmdline_set(info->cmdline);
	cmdline_append(info->loader);
	FUZZ_CHECK(strlen(cmdline_get()) < CMDLINE_MAX);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *val = NULL;
		size_t len = 0;
		if (cmdline_find(cmdline_get(), keys[i], &val, &len))
			FUZZ_CHECK(val >= cmdline_get() &&
				   val + len <= cmdline_get() + CMDLINE_MAX);
		if (cmdline_value(keys[i], value, sizeof(value)))
			check_string(value, sizeof(value));
		cmdline_has(keys[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_info info;

	fuzz_reset();
	const uint8_t *mbi = fuzz_exact_copy(data, size);
	int r = mb2_parse(mbi, size, MBI_ADDRESS, &info);

	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(info.mmap_count <= BOOT_MMAP_MAX);
	FUZZ_CHECK(info.module_count <= BOOT_MODULES_MAX);
	FUZZ_CHECK(!info.modules_truncated || info.module_count == BOOT_MODULES_MAX);
	for (uint32_t i = 0; i < info.module_count; i++) {
		FUZZ_CHECK(info.modules[i].start <= info.modules[i].end);
		check_string(info.modules[i].name, sizeof(info.modules[i].name));
	}
	check_string(info.cmdline, sizeof(info.cmdline));
	check_string(info.loader, sizeof(info.loader));
	if (info.has_rsdp_v1)
		FUZZ_CHECK(info.rsdp_v1_addr > MBI_ADDRESS &&
			   info.rsdp_v1_addr < MBI_ADDRESS + size);
	if (info.has_rsdp_v2)
		FUZZ_CHECK(info.rsdp_v2_addr > MBI_ADDRESS &&
			   info.rsdp_v2_addr < MBI_ADDRESS + size);
	boot_info_print(&info);
	use_command_line(&info);
	fuzz_free_all();
	return 0;
}
