#include <stdbool.h>

#include "board/pc/options.h"
#include "chips/x86_64/fault_inject.h"
#include "chips/x86_64/fw_cfg.h"
#include "kernel/cmdline.h"
#include "kernel/deferred.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/string.h"

bool board_option_bench;
bool board_option_stamped_stubs;

static char fault_kind[16];
static struct deferred_call fault_dc;

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
	board_option_bench = cmdline_has("bench");
	if (cmdline_value("stubs", value, sizeof(value))) {
		board_option_stamped_stubs = !strcmp(value, "stamped");
		if (!board_option_stamped_stubs && strcmp(value, "plain") != 0)
			log_warn("options: stubs=%s is not plain or stamped; using plain", value);
	}
	cmdline_value("fault", fault_kind, sizeof(fault_kind));
}

static void fault_fire(void *ctx)
{
	(void)ctx;
	log_info("fault: provoking '%s' as asked on the command line", fault_kind);
	if (x86_fault_trigger(fault_kind))
		log_info("fault: '%s' was reported and the system resumed", fault_kind);
	else
		log_warn("fault: '%s' is not a fault kind (kinds: %s)", fault_kind,
			 x86_fault_kinds);
}

void board_fault_option_init(void)
{
	if (!fault_kind[0])
		return;
	deferred_call_init(&fault_dc, "fault");
	deferred_call_register(&fault_dc, "fault", fault_fire, 0);
}

void board_fault_option_start(void)
{
	if (fault_kind[0])
		deferred_call_set(&fault_dc);
}
