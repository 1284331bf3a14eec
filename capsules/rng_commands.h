/*
 * The random-byte command, as a shell command set (capsules/shell.h):
 *   rng <n>   n random bytes (1 to RNG_COMMANDS_MAX) from the rng HIL, in hex
 *
 * The answer comes from the source's callback: the shell shows no prompt
 * until the bytes are there.
 *
 *	static struct rng_commands rng_cmds;
 *	rng_commands_init(&rng_cmds, &virtio_rng.hil);   (NULL: no source)
 *	shell_register(&shell, &rng_cmds.set);
 */
#ifndef KNOCK_CAPSULES_RNG_COMMANDS_H
#define KNOCK_CAPSULES_RNG_COMMANDS_H

#include <stdint.h>

#include "capsules/shell.h"
#include "kernel/hil/rng.h"

#define RNG_COMMANDS_MAX 256

struct rng_commands {
	const struct hil_rng *rng;
	struct hil_rng_client client;
	uint8_t buf[RNG_COMMANDS_MAX]; /* the source's while a request is out */
	struct shell_command_set set;
};

void rng_commands_init(struct rng_commands *c, const struct hil_rng *rng);

#endif
