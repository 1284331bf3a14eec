#include <stdbool.h>

#include "board/pc/options.h"
#include "chips/x86_64/fw_cfg.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/string.h"

static void apply_loglevel(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char level[8];
	if (!cmdline_value("loglevel", level, sizeof(level)))
		return;
	for (unsigned i = 0; i < 4; i++) {
		if (!strcmp(level, names[i])) {
			log_set_level((enum log_level)i);
			return;
		}
	}
	log_warn("options: loglevel=%s is not one of error, warn, info, debug; keeping info",
		 level);
}

void board_options_load(const char *grub_cmdline)
{
	static char extra[CMDLINE_MAX];
	cmdline_set(grub_cmdline);
	if (fw_cfg_read_file("opt/knock/cmdline", extra, sizeof(extra)) >= 0)
		cmdline_append(extra);

	apply_loglevel();
	char value[16];
	if (cmdline_value("panic", value, sizeof(value))) {
		if (!strcmp(value, "reboot"))
			panic_set_reboot(true);
		else if (strcmp(value, "halt") != 0)
			log_warn("options: panic=%s is not reboot or halt; panics halt", value);
	}
}
