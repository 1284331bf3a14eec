/* The `net` command (net_commands.h). */
#include <stdint.h>

#include "capsules/net_commands.h"
#include "kernel/string.h"

static void cmd_net(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct net_commands *c = ctx;
	const struct net_stack *n = c->stack;
	(void)argc;
	(void)argv;

	if (!n) {
		shell_fail(sh, "no network interface on this machine\n");
		return;
	}
	shell_say(sh, "MAC %02x:%02x:%02x:%02x:%02x:%02x, IP %u.%u.%u.%u (static)\n", n->mac[0],
		  n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->ip[0], n->ip[1],
		  n->ip[2], n->ip[3]);
	shell_say(sh, "frames in %llu; answered: arp %llu, ping %llu, udp echo %llu\n",
		  (unsigned long long)n->stats.frames, (unsigned long long)n->stats.arp_replies,
		  (unsigned long long)n->stats.pings, (unsigned long long)n->stats.udp_echoes);
	for (unsigned i = 0; i < c->link_count; i++)
		if (!c->link[i].is_drop)
			shell_say(sh, "  %s: %llu\n", c->link[i].name,
				  (unsigned long long)*c->link[i].value);
	shell_say(sh, "dropped:\n");
	for (unsigned i = 0; i < NET_DROP_REASONS; i++)
		shell_say(sh, "  %s: %llu\n", net_drop_names[i],
			  (unsigned long long)n->stats.drops[i]);
	for (unsigned i = 0; i < c->link_count; i++)
		if (c->link[i].is_drop)
			shell_say(sh, "  %s: %llu\n", c->link[i].name,
				  (unsigned long long)*c->link[i].value);
}

static const struct shell_command commands[] = {
	{ "net", "", "the network interface: addresses, traffic, drops by reason", cmd_net },
};

void net_commands_init(struct net_commands *c, const struct net_stack *stack,
		       const struct net_counter *link, unsigned link_count)
{
	memset(c, 0, sizeof(*c));
	c->stack = stack;
	c->link = link;
	c->link_count = link_count;
	c->set = (struct shell_command_set){
		.name = "net",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
