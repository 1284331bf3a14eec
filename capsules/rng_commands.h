/*
 * The random-byte command, as a shell command set (capsules/shell.h):
 *   rng <n>   n random bytes (1 to RNG_COMMANDS_MAX) from the rng HIL, in hex
 *
 * The answer comes from the source's callback: the shell shows no prompt
 * until the bytes are there, or until RNG_COMMANDS_TIMEOUT_MS have passed
 * without them (a device that never answers must not hang the shell). The
 * request then stays with the source, which is busy until it answers; the
 * late bytes are dropped and said so above the prompt.
 *
 *	static struct rng_commands rng_cmds;
 *	rng_commands_init(&rng_cmds, &virtio_rng.hil, &mux);   (NULL: no source)
 *	shell_register(&shell, &rng_cmds.set);
 */
#ifndef KNOCK_CAPSULES_RNG_COMMANDS_H
#define KNOCK_CAPSULES_RNG_COMMANDS_H

#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "kernel/hil/rng.h"

#define RNG_COMMANDS_MAX 256
/* Far above what a source needs for 256 bytes (QEMU's virtio-rng: well
 * under a millisecond), short enough that a silent one is noticed. */
#define RNG_COMMANDS_TIMEOUT_MS 5000

struct rng_commands {
	const struct hil_rng *rng;
	struct hil_rng_client client;
	uint8_t buf[RNG_COMMANDS_MAX]; /* the source's while a request is out */
	struct alarm_mux *mux;
	struct alarm timeout; /* armed while the shell waits for the request out */
	struct shell_command_set set;
};

void rng_commands_init(struct rng_commands *c, const struct hil_rng *rng, struct alarm_mux *mux);

#endif
