/* The keyboard's shell command (keyboard_commands.h). */
#include "capsules/keyboard_commands.h"
#include "kernel/string.h"

static void cmd_keys(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct keyboard_commands *c = ctx;
	struct keyboard_recent_entry recent[KEYBOARD_COMMANDS_KEYS_SHOWN];
	struct keyboard_stats st;
	char text[80];

	(void)argc;
	(void)argv;
	size_t n = keyboard_recent(c->keyboard, recent, KEYBOARD_COMMANDS_KEYS_SHOWN);
	if (n == 0)
		shell_say(sh, "no keyboard input yet\n");
	else
		shell_say(sh, "last %zu keyboard events, oldest first (bytes, meaning):\n", n);
	for (size_t i = 0; i < n; i++) {
		keyboard_describe(&recent[i], text, sizeof(text));
		shell_say(sh, "  %s\n", text);
	}
	keyboard_get_stats(c->keyboard, &st);
	shell_say(sh, "bytes %llu, key events %llu, unknown %llu, broken sequences %llu\n",
		  (unsigned long long)st.bytes, (unsigned long long)st.keys,
		  (unsigned long long)st.unknown, (unsigned long long)st.sequence_errors);
}

static const struct shell_command commands[] = {
	{ "keys", "", "recent keyboard bytes and the keys they made", cmd_keys },
};

void keyboard_commands_init(struct keyboard_commands *c, const struct keyboard *keyboard)
{
	memset(c, 0, sizeof(*c));
	c->keyboard = keyboard;
	c->set = (struct shell_command_set){
		.name = "keyboard",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
