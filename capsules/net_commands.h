/*
 * The network interface's state, as a shell command set (capsules/shell.h):
 *   net     the MAC and IP address, frames in and out, the answers given,
 *           and every drop counter by reason: the stack's
 *           (capsules/net_stack.h) and the link driver's, which the board
 *           names (virtio-net's ring full, runt, oversized)
 *
 *	static struct net_commands net_cmds;
 *	net_commands_init(&net_cmds, &stack, link, n);   (stack NULL: no interface)
 *	shell_register(&shell, &net_cmds.set);
 */
#ifndef KNOCK_CAPSULES_NET_COMMANDS_H
#define KNOCK_CAPSULES_NET_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/net_stack.h"
#include "capsules/shell.h"

/* One of the link driver's counters, read when `net` runs. */
struct net_counter {
	const char *name;
	const uint64_t *value;
	bool is_drop; /* listed with the drops (else with the traffic) */
};

struct net_commands {
	const struct net_stack *stack;
	const struct net_counter *link;
	unsigned link_count;
	struct shell_command_set set;
};

void net_commands_init(struct net_commands *c, const struct net_stack *stack,
		       const struct net_counter *link, unsigned link_count);

#endif
