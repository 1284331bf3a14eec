/*
 * The keyboard's shell command, as a command set (capsules/shell.h):
 *   keys    the last keyboard events (bytes and the keys they made) and
 *           the keyboard capsule's counters
 *
 *	static struct keyboard_commands keyboard_cmds;
 *	keyboard_commands_init(&keyboard_cmds, &keyboard);
 *	shell_register(&shell, &keyboard_cmds.set);
 */
#ifndef KNOCK_CAPSULES_KEYBOARD_COMMANDS_H
#define KNOCK_CAPSULES_KEYBOARD_COMMANDS_H

#include "capsules/keyboard.h"
#include "capsules/shell.h"

#define KEYBOARD_COMMANDS_KEYS_SHOWN 16

struct keyboard_commands {
	const struct keyboard *keyboard;
	struct shell_command_set set;
};

void keyboard_commands_init(struct keyboard_commands *c, const struct keyboard *keyboard);

#endif
