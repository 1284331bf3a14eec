/*
 * The alarm mux's shell commands, as a command set (capsules/shell.h):
 *   uptime                  time since boot, from the calibrated clock
 *   alarm <ms> [periodic]   an alarm that prints a line when it fires
 *   alarms [cancel <id>]    list them, or cancel one
 * An alarm's line comes when it fires, above the prompt (shell_notify).
 * One set per shell, on that shell's CPU's mux.
 *
 *	static struct alarm_commands alarm_cmds;
 *	alarm_commands_init(&alarm_cmds, &mux);
 *	shell_register(&shell, &alarm_cmds.set);
 */
#ifndef KNOCK_CAPSULES_ALARM_COMMANDS_H
#define KNOCK_CAPSULES_ALARM_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"

#define ALARM_COMMANDS_SLOTS 8
#define ALARM_COMMANDS_MAX_MS 86400000u    /* one day */
#define ALARM_COMMANDS_PERIODIC_MIN_MS 10u /* faster would flood the console */

struct alarm_commands;

struct alarm_commands_slot {
	struct alarm alarm;
	struct alarm_commands *owner;
	unsigned id; /* 0: the slot is free */
	uint64_t ms;
	bool periodic;
	uint64_t set_at; /* alarm mux ticks */
};

struct alarm_commands {
	struct alarm_mux *mux;
	struct alarm_commands_slot slots[ALARM_COMMANDS_SLOTS];
	unsigned next_id; /* ids are never reused */
	struct shell_command_set set;
};

void alarm_commands_init(struct alarm_commands *c, struct alarm_mux *mux);

#endif
