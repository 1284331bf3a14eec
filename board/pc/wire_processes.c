/*
 * The pc board's processes (see wire_processes.h). Each process gets one
 * region of PROCESS_REGION_SIZE bytes from a static pool (in .bss, so in
 * the identity map the kernel reaches it through).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/pc/wire_console.h"
#include "board/pc/wire_processes.h"
#include "board/pc/wire_shell.h"
#include "board/pc/wire_timer.h"
#include "board/pc/wire_virtio_blk.h"
#include "board/pc/wire_virtio_rng.h"
#include "capsules/alarm_driver.h"
#include "capsules/block_driver.h"
#include "capsules/console_driver.h"
#include "capsules/process_commands.h"
#include "capsules/processes.h"
#include "capsules/rng_driver.h"
#include "chips/x86_64/user_mode.h"
#include "kernel/cmdline.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/string.h"

#define PROCESS_REGION_SIZE ((size_t)128 * 1024)
#define TIMESLICE_MS_DEFAULT 10
#define TIMESLICE_MS_MAX 10000

/* Grant numbers of the syscall drivers. */
enum {
	GRANT_CONSOLE = 0,
	GRANT_ALARM = 1,
	GRANT_RNG = 2,
	GRANT_BLOCK = 3,
};

static uint8_t regions[PROCESSES_MAX][PROCESS_REGION_SIZE] __attribute__((aligned(4096)));
static struct processes processes;
static struct console_driver console_driver;
static struct alarm_driver alarm_driver;
static struct rng_driver rng_driver;
static struct block_driver block_driver;
static struct process_commands process_cmds;

_Static_assert(PROCESSES_MAX <= USER_SLOTS, "every process needs a slot of page tables");
_Static_assert(PROCESS_REGION_SIZE <= USER_REGION_MAX, "one page table maps a region");

/* The module's name: the first word GRUB passed after the file. */
static void module_name(const struct boot_module *m, char *out, size_t cap)
{
	size_t n = 0;
	while (m->name[n] && m->name[n] != ' ' && n + 1 < cap) {
		out[n] = m->name[n];
		n++;
	}
	out[n] = '\0';
}

/* Is `name` in `list`? Names are separated by ',' or ':' (QEMU's -fw_cfg
 * string cannot carry a bare comma). */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = p;
		while (*end && *end != ',' && *end != ':')
			end++;
		if ((size_t)(end - p) == len && strncmp(p, name, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

void board_wire_processes(const struct boot_info *bi)
{
	char apps[128], value[24], name[PROCESS_NAME_MAX];
	enum fault_policy policy = FAULT_STOP;
	unsigned restart_max = 0;

	bool choose = cmdline_value("apps", apps, sizeof(apps));
	unsigned wanted = 0;
	for (uint32_t i = 0; i < bi->module_count; i++) {
		module_name(&bi->modules[i], name, sizeof(name));
		if (!choose || listed(apps, name))
			wanted++;
	}
	/* No app to run: nothing of processes exists, the loop is as before. */
	if (wanted == 0)
		return;
	if (cmdline_value("procfault", value, sizeof(value)) &&
	    !processes_parse_policy(value, &policy, &restart_max))
		log_warn("procfault=%s: not stop, restart, restart:N or panic; using stop", value);

	unsigned slice_ms = TIMESLICE_MS_DEFAULT;
	if (cmdline_value("timeslice", value, sizeof(value))) {
		unsigned ms = 0;
		bool ok = value[0] != '\0';
		for (const char *c = value; *c && ok; c++) {
			ok = *c >= '0' && *c <= '9' && ms <= TIMESLICE_MS_MAX;
			ms = ms * 10 + (unsigned)(*c - '0');
		}
		if (ok && ms <= TIMESLICE_MS_MAX)
			slice_ms = ms;
		else
			log_warn("timeslice=%s: not a number of ms from 0 (off) to %u; using %u",
				 value, TIMESLICE_MS_MAX, TIMESLICE_MS_DEFAULT);
	}

	user_mode_init();
	processes_init(&processes, user_mode_hil(), policy, restart_max);
	processes_set_timeslice(&processes, &board_alarm_mux, slice_ms);
	console_driver_init(&console_driver, board_console(), GRANT_CONSOLE);
	alarm_driver_init(&alarm_driver, &board_alarm_mux, GRANT_ALARM);
	rng_driver_init(&rng_driver, board_rng(), GRANT_RNG,
			&board_alarm_mux); /* after board_wire_virtio_rng() */
	block_driver_init(&block_driver, board_block(), board_block_client(), GRANT_BLOCK);
	/* Apps beyond the table are named in one line, not one each. */
	char refused[160] = "";
	size_t refused_len = 0;
	unsigned refused_count = 0;
	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		module_name(m, name, sizeof(name));
		if (choose && !listed(apps, name))
			continue;
		if (processes.count == PROCESSES_MAX) {
			refused_count++;
			if (refused_len < sizeof(refused))
				refused_len += (size_t)ksnprintf(
					refused + refused_len, sizeof(refused) - refused_len,
					"%s%s", refused_count > 1 ? " " : "", name);
			continue;
		}
		processes_load(&processes, name, (const uint8_t *)(uintptr_t)m->start,
			       m->end - m->start, regions[processes.count], PROCESS_REGION_SIZE);
	}
	if (refused_count)
		log_warn("processes: %u more apps than the table's %u, not loaded (apps= chooses): "
			 "%s%s",
			 refused_count, PROCESSES_MAX, refused,
			 refused_len >= sizeof(refused) ? "..." : "");
	/* The shell's ps, kill and restart exist only with processes, so
	 * they are registered here rather than in wire_shell.c. */
	process_commands_init(&process_cmds, &processes, &console_driver);
	shell_register(board_shell(), &process_cmds.set);
	if (processes.count)
		loop_set_idle_work(processes_run_one, &processes);
}
