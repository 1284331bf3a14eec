/*
 * The shell's `reboot`, on the reset HIL (kernel/hil/reset.h), as a
 * command set (capsules/shell.h). The answer "rebooting" is written out
 * first; REBOOT_COMMANDS_DELAY_MS later (on the alarm mux, if there is
 * one) the machine resets, so the UART gets to send it. No prompt comes
 * back.
 *
 *	static struct reboot_commands reboot_cmds;
 *	reboot_commands_init(&reboot_cmds, &reset, &mux);
 *	shell_register(&shell, &reboot_cmds.set);
 */
#ifndef KNOCK_CAPSULES_REBOOT_COMMANDS_H
#define KNOCK_CAPSULES_REBOOT_COMMANDS_H

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "kernel/hil/reset.h"

/* Time the UART gets to send "rebooting" before the reset. */
#define REBOOT_COMMANDS_DELAY_MS 50

struct reboot_commands {
	const struct hil_reset *reset;
	struct alarm_mux *mux; /* NULL: reset as soon as the answer is out */
	struct alarm delay;
	struct shell_command_set set;
};

void reboot_commands_init(struct reboot_commands *c, const struct hil_reset *reset,
			  struct alarm_mux *mux);

#endif
