/*
 * The small IPv4 host (net_stack.h).
 *
 * Specs: RFC 826 (ARP), RFC 791 (IPv4), RFC 792 (ICMP echo), RFC 768
 * (UDP), RFC 862 (echo), RFC 1071 (checksum), RFC 6864 (identification).
 *
 * Every multi-byte field is read and written byte by byte in network
 * order (get16/put16), so nothing here depends on the CPU's byte order or
 * on alignment, and no header is ever overlaid with a struct.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/net_checksum.h"
#include "capsules/net_stack.h"
#include "kernel/string.h"

/* Ethernet II. */
#define ETH_DST 0
#define ETH_SRC 6
#define ETH_TYPE 12
#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

/* ARP for IPv4 over Ethernet, from the end of the Ethernet header. */
#define ARP_HTYPE 0
#define ARP_PTYPE 2
#define ARP_HLEN 4
#define ARP_PLEN 5
#define ARP_OP 6
#define ARP_SHA 8
#define ARP_SPA 14
#define ARP_THA 18
#define ARP_TPA 24
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

/* IPv4. */
#define IP_VIHL 0
#define IP_TOS 1
#define IP_TOTAL 2
#define IP_ID 4
#define IP_FRAG 6
#define IP_TTL 8
#define IP_PROTO 9
#define IP_CSUM 10
#define IP_SRC 12
#define IP_DST 16
#define IP_HDR 20
#define IP_DF 0x4000
#define IP_MF_OFFSET 0x3fff /* more fragments, fragment offset */
#define IP_TTL_OUT 64
#define PROTO_ICMP 1
#define PROTO_UDP 17

/* ICMP echo, UDP. */
#define ICMP_TYPE 0
#define ICMP_CODE 1
#define ICMP_CSUM 2
#define ICMP_HDR 8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define UDP_SPORT 0
#define UDP_DPORT 2
#define UDP_LEN 4
#define UDP_CSUM 6
#define UDP_HDR 8

const char *const net_drop_names[NET_DROP_REASONS] = {
	[NET_DROP_SHORT] = "short frame",
	[NET_DROP_NOT_FOR_US] = "not for us",
	[NET_DROP_BAD_HEADER] = "bad header",
	[NET_DROP_BAD_CHECKSUM] = "bad checksum",
	[NET_DROP_BAD_LENGTH] = "bad length",
	[NET_DROP_FRAGMENT] = "fragment",
	[NET_DROP_BAD_ADDRESS] = "bad source address",
	[NET_DROP_UNKNOWN_PROTO] = "unknown protocol",
	[NET_DROP_NO_SERVICE] = "no service on port",
};

static const uint8_t broadcast[ETH_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t drop(struct net_stack *n, enum net_drop why)
{
	n->stats.drops[why]++;
	return 0;
}

/* An address no answer may go to: a group MAC (broadcast included). */
static bool group_mac(const uint8_t *mac)
{
	return mac[0] & 1;
}

/* 0.0.0.0, a multicast (224/4) or the limited broadcast address. */
static bool bad_source_ip(const uint8_t *ip)
{
	return (ip[0] | ip[1] | ip[2] | ip[3]) == 0 || (ip[0] & 0xf0) == 0xe0 ||
	       (ip[0] & ip[1] & ip[2] & ip[3]) == 0xff;
}

/* Short answers are padded to Ethernet's minimum with zeros (never with
 * what the buffer held before). */
static size_t pad(uint8_t *frame, size_t len, size_t cap)
{
	if (len < NET_ETH_MIN_FRAME && cap >= NET_ETH_MIN_FRAME) {
		memset(frame + len, 0, NET_ETH_MIN_FRAME - len);
		len = NET_ETH_MIN_FRAME;
	}
	return len;
}

/* The answer's Ethernet header: back to the sender, from us. */
static void eth_answer(const struct net_stack *n, uint8_t *frame)
{
	memcpy(frame + ETH_DST, frame + ETH_SRC, ETH_ADDR_LEN);
	memcpy(frame + ETH_SRC, n->mac, ETH_ADDR_LEN);
}

static size_t arp_input(struct net_stack *n, uint8_t *frame, size_t len, size_t cap)
{
	uint8_t *a = frame + ETH_HDR;

	if (len < ETH_HDR + ARP_LEN)
		return drop(n, NET_DROP_SHORT);
	if (get16(a + ARP_HTYPE) != 1 || get16(a + ARP_PTYPE) != ETHERTYPE_IPV4 ||
	    a[ARP_HLEN] != ETH_ADDR_LEN || a[ARP_PLEN] != 4)
		return drop(n, NET_DROP_BAD_HEADER);
	if (get16(a + ARP_OP) != ARP_REQUEST)
		return drop(n, NET_DROP_UNKNOWN_PROTO); /* we never ask, so a reply is unasked */
	if (memcmp(a + ARP_TPA, n->ip, 4) != 0)
		return drop(n, NET_DROP_NOT_FOR_US);
	if (group_mac(a + ARP_SHA) || group_mac(frame + ETH_SRC) || bad_source_ip(a + ARP_SPA))
		return drop(n, NET_DROP_BAD_ADDRESS);

	/* The answer goes to the hardware address the request names. */
	memcpy(frame + ETH_DST, a + ARP_SHA, ETH_ADDR_LEN);
	memcpy(frame + ETH_SRC, n->mac, ETH_ADDR_LEN);
	put16(a + ARP_OP, ARP_REPLY);
	memcpy(a + ARP_THA, a + ARP_SHA, ETH_ADDR_LEN);
	memcpy(a + ARP_TPA, a + ARP_SPA, 4);
	memcpy(a + ARP_SHA, n->mac, ETH_ADDR_LEN);
	memcpy(a + ARP_SPA, n->ip, 4);
	n->stats.arp_replies++;
	return pad(frame, ETH_HDR + ARP_LEN, cap);
}

/* ICMP: only echo requests are answered. `m` is the message, `mlen` long. */
static size_t icmp_input(struct net_stack *n, uint8_t *m, size_t mlen)
{
	if (mlen < ICMP_HDR)
		return drop(n, NET_DROP_SHORT);
	if (net_sum_finish(net_sum_add(0, m, mlen)) != 0)
		return drop(n, NET_DROP_BAD_CHECKSUM);
	if (m[ICMP_TYPE] != ICMP_ECHO_REQUEST || m[ICMP_CODE] != 0)
		return drop(n, NET_DROP_UNKNOWN_PROTO);
	m[ICMP_TYPE] = ICMP_ECHO_REPLY;
	put16(m + ICMP_CSUM, 0);
	put16(m + ICMP_CSUM, net_sum_finish(net_sum_add(0, m, mlen)));
	n->stats.pings++;
	return mlen;
}

/* UDP: only port 7 is served. `ip` is the IPv4 header (for the
 * pseudo-header's addresses), `u` the datagram, `plen` the IP payload's
 * length. */
static size_t udp_input(struct net_stack *n, const uint8_t *ip, uint8_t *u, size_t plen)
{
	if (plen < UDP_HDR)
		return drop(n, NET_DROP_SHORT);
	size_t ulen = get16(u + UDP_LEN);
	if (ulen < UDP_HDR || ulen > plen)
		return drop(n, NET_DROP_BAD_LENGTH);
	if (get16(u + UDP_CSUM) != 0) { /* 0: the sender computed none (RFC 768) */
		uint8_t pseudo[4] = { 0, PROTO_UDP, (uint8_t)(ulen >> 8), (uint8_t)ulen };
		uint64_t acc = net_sum_add(0, ip + IP_SRC, 8); /* source and destination */
		acc = net_sum_add(acc, pseudo, sizeof(pseudo));
		if (net_sum_finish(net_sum_add(acc, u, ulen)) != 0)
			return drop(n, NET_DROP_BAD_CHECKSUM);
	}
	if (get16(u + UDP_DPORT) != NET_ECHO_PORT)
		return drop(n, NET_DROP_NO_SERVICE);
	/* Swap the ports. The checksum stays right as it is: the answer's
	 * pseudo-header has the same two addresses swapped, and a sum does
	 * not care about order, so the same field covers it. */
	uint16_t sport = get16(u + UDP_SPORT);
	put16(u + UDP_SPORT, get16(u + UDP_DPORT));
	put16(u + UDP_DPORT, sport);
	n->stats.udp_echoes++;
	return ulen;
}

static size_t ipv4_input(struct net_stack *n, uint8_t *frame, size_t len, size_t cap)
{
	uint8_t *ip = frame + ETH_HDR;

	if (len < ETH_HDR + IP_HDR)
		return drop(n, NET_DROP_SHORT);
	size_t hlen = (size_t)(ip[IP_VIHL] & 0xf) * 4;
	if (ip[IP_VIHL] >> 4 != 4 || hlen < IP_HDR)
		return drop(n, NET_DROP_BAD_HEADER);
	if (len < ETH_HDR + hlen)
		return drop(n, NET_DROP_SHORT);
	if (net_sum_finish(net_sum_add(0, ip, hlen)) != 0)
		return drop(n, NET_DROP_BAD_CHECKSUM);
	/* Bytes after the total length are the link's padding: ignored. */
	size_t total = get16(ip + IP_TOTAL);
	if (total < hlen || ETH_HDR + total > len)
		return drop(n, NET_DROP_BAD_LENGTH);
	if (memcmp(ip + IP_DST, n->ip, 4) != 0)
		return drop(n, NET_DROP_NOT_FOR_US);
	if (get16(ip + IP_FRAG) & IP_MF_OFFSET)
		return drop(n, NET_DROP_FRAGMENT);
	if (group_mac(frame + ETH_SRC) || bad_source_ip(ip + IP_SRC))
		return drop(n, NET_DROP_BAD_ADDRESS);

	uint8_t *payload = ip + hlen;
	size_t plen = total - hlen, out;
	uint8_t proto = ip[IP_PROTO];
	if (proto == PROTO_ICMP)
		out = icmp_input(n, payload, plen);
	else if (proto == PROTO_UDP)
		out = udp_input(n, ip, payload, plen);
	else
		return drop(n, NET_DROP_UNKNOWN_PROTO);
	if (out == 0)
		return 0;

	/* The answer has a plain 20-byte header: options are not echoed
	 * (none of them asks for it), so the payload moves up to meet it. */
	if (hlen > IP_HDR)
		memmove(ip + IP_HDR, payload, out);
	uint8_t src[4];
	memcpy(src, ip + IP_SRC, 4);
	ip[IP_VIHL] = 0x45;
	ip[IP_TOS] = 0;
	put16(ip + IP_TOTAL, (uint16_t)(IP_HDR + out));
	put16(ip + IP_ID, n->ip_id++);
	put16(ip + IP_FRAG, IP_DF);
	ip[IP_TTL] = IP_TTL_OUT;
	ip[IP_PROTO] = proto;
	memcpy(ip + IP_DST, src, 4);
	memcpy(ip + IP_SRC, n->ip, 4);
	put16(ip + IP_CSUM, 0);
	put16(ip + IP_CSUM, net_sum_finish(net_sum_add(0, ip, IP_HDR)));
	eth_answer(n, frame);
	return pad(frame, ETH_HDR + IP_HDR + out, cap);
}

size_t net_stack_input(struct net_stack *n, uint8_t *frame, size_t len, size_t cap)
{
	n->stats.frames++;
	if (len > cap)
		return drop(n, NET_DROP_BAD_LENGTH);
	if (len < ETH_HDR)
		return drop(n, NET_DROP_SHORT);
	if (memcmp(frame + ETH_DST, n->mac, ETH_ADDR_LEN) != 0 &&
	    memcmp(frame + ETH_DST, broadcast, ETH_ADDR_LEN) != 0)
		return drop(n, NET_DROP_NOT_FOR_US);
	switch (get16(frame + ETH_TYPE)) {
	case ETHERTYPE_ARP:
		return arp_input(n, frame, len, cap);
	case ETHERTYPE_IPV4:
		return ipv4_input(n, frame, len, cap);
	default:
		return drop(n, NET_DROP_UNKNOWN_PROTO);
	}
}

static size_t receive(void *ctx, uint8_t *frame, size_t len, size_t cap)
{
	return net_stack_input(ctx, frame, len, cap);
}

void net_stack_init(struct net_stack *n, const uint8_t mac[ETH_ADDR_LEN], const uint8_t ip[4])
{
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, mac, ETH_ADDR_LEN);
	memcpy(n->ip, ip, 4);
	n->client = (struct hil_ethernet_client){ .receive = receive, .ctx = n };
}
