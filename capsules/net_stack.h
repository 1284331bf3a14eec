/*
 * A very small IPv4 host for one Ethernet interface: it answers ARP
 * requests for its address, ICMP echo requests, and UDP datagrams to port 7
 * (echo, RFC 862), each in place in the frame that asked (the HIL lends
 * it: kernel/hil/ethernet.h). Nothing else: it never starts a conversation,
 * so it keeps no ARP table and no connection state.
 *
 * Every frame comes from outside and is trusted in nothing: each length
 * and field is checked against the frame before it is used, and a frame
 * that fails a check is dropped and counted under one reason
 * (enum net_drop), never answered. Portable and pure: host tests feed it
 * frames (tests/unit/test_net_stack.c), and libFuzzer feeds it anything
 * (tests/fuzz/fuzz_net_stack.c).
 *
 * Answers are atomic datagrams (DF set, never fragmented), whose IP
 * identification field has no meaning (RFC 6864, 4.1): a plain counter,
 * so the stack needs no randomness.
 */
#ifndef KNOCK_CAPSULES_NET_STACK_H
#define KNOCK_CAPSULES_NET_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/ethernet.h"

#define NET_ECHO_PORT 7
#define NET_ETH_MIN_FRAME 60 /* without the FCS: shorter answers are padded with zeros */

/* Why a frame was dropped. One reason per frame: the first check it fails,
 * from the outside in (Ethernet, then ARP or IPv4, then ICMP or UDP). */
enum net_drop {
	NET_DROP_SHORT,         /* ends before a fixed-size header does */
	NET_DROP_NOT_FOR_US,    /* another MAC (not broadcast) or another IP */
	NET_DROP_BAD_HEADER,    /* IP version or header length, ARP sizes and types */
	NET_DROP_BAD_CHECKSUM,  /* IP header, ICMP or UDP checksum */
	NET_DROP_BAD_LENGTH,    /* IP total length or UDP length disagrees with the frame */
	NET_DROP_FRAGMENT,      /* part of a fragmented datagram: never reassembled */
	NET_DROP_BAD_ADDRESS,   /* from a broadcast or multicast MAC or IP, or 0.0.0.0 */
	NET_DROP_UNKNOWN_PROTO, /* ethertype, IP protocol, ICMP type, ARP operation */
	NET_DROP_NO_SERVICE,    /* UDP to a port other than 7 */
	NET_DROP_REASONS
};

/* The reasons' names, as `net` shows them ("short frame", ...). */
extern const char *const net_drop_names[NET_DROP_REASONS];

struct net_stack_stats {
	uint64_t frames;      /* frames received */
	uint64_t arp_replies; /* ARP requests for our address answered */
	uint64_t pings;       /* ICMP echo requests answered */
	uint64_t udp_echoes;  /* UDP datagrams to port 7 sent back */
	uint64_t drops[NET_DROP_REASONS];
};

struct net_stack {
	uint8_t mac[ETH_ADDR_LEN];
	uint8_t ip[4];
	uint16_t ip_id; /* identification of the next answer */
	struct net_stack_stats stats;
	struct hil_ethernet_client client;
};

/* A host with address `ip` on the interface whose address is `mac`. */
void net_stack_init(struct net_stack *n, const uint8_t mac[ETH_ADDR_LEN], const uint8_t ip[4]);

/*
 * One frame of `len` bytes in a buffer of `cap`: the answer's length, the
 * answer written over the frame; or 0, the frame dropped and counted. The
 * HIL client's receive() is this.
 */
size_t net_stack_input(struct net_stack *n, uint8_t *frame, size_t len, size_t cap);

#endif
