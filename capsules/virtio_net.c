/*
 * virtio-net (virtio_net.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, 5.1 (network device:
 * receiveq1 is queue 0, transmitq1 queue 1; the device configuration
 * starts with the MAC when VIRTIO_NET_F_MAC is offered; 5.1.6: every
 * buffer starts with struct virtio_net_hdr, 12 bytes for a modern device;
 * 5.1.6.3.1: without VIRTIO_NET_F_MRG_RXBUF and the GUEST_ offloads, each
 * receive buffer must hold a whole frame and its header, 1526 bytes).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtio.h"
#include "capsules/virtio_net.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define RECEIVEQ 0
#define TRANSMITQ 1
#define MIN_BUF 1526

/* The device address of a buffer of the pool. */
static uint64_t addr_of(const struct virtio_net *n, const uint8_t *buf)
{
	return n->bufs_addr + (uint64_t)(buf - n->bufs);
}

/* Lend `buf` to the device to receive into. */
static bool post_rx(struct virtio_net *n, uint8_t *buf)
{
	struct virtq_buf b = { .addr = addr_of(n, buf),
			       .len = VIRTIO_NET_BUF_BYTES,
			       .device_writes = true };
	return virtq_add(&n->rx, &b, 1, buf) == 0;
}

void virtio_net_rx_service(void *ctx)
{
	struct virtio_net *n = ctx;
	bool sent = false, posted = false;
	uint32_t len;
	uint8_t *buf;

	n->stats.rx_services++;
	while ((buf = virtq_get_used(&n->rx, &len)) != NULL) {
		n->stats.rx_frames++;
		size_t answer = 0;
		if (len < VIRTIO_NET_HDR_BYTES)
			n->stats.runt++;
		else if (len > VIRTIO_NET_BUF_BYTES)
			n->stats.oversized++;
		else if (n->client)
			answer = n->client->receive(n->client->ctx, buf + VIRTIO_NET_HDR_BYTES,
						    len - VIRTIO_NET_HDR_BYTES,
						    VIRTIO_NET_BUF_BYTES - VIRTIO_NET_HDR_BYTES);
		if (answer) {
			/* No offload asked for: flags, gso_type and the rest all 0. */
			memset(buf, 0, VIRTIO_NET_HDR_BYTES);
			struct virtq_buf b = { .addr = addr_of(n, buf),
					       .len = (uint32_t)(VIRTIO_NET_HDR_BYTES + answer),
					       .device_writes = false };
			if (virtq_add(&n->tx, &b, 1, buf) == 0) {
				n->stats.tx_frames++;
				sent = true;
				continue;
			}
			n->stats.ring_full++;
		}
		posted |= post_rx(n, buf); /* cannot fail: the buffer just left this queue */
	}
	if (sent && virtq_kick_needed(&n->tx))
		n->dev.notify(n->dev.hw, TRANSMITQ);
	if (posted && virtq_kick_needed(&n->rx))
		n->dev.notify(n->dev.hw, RECEIVEQ);
}

void virtio_net_tx_service(void *ctx)
{
	struct virtio_net *n = ctx;
	bool posted = false;
	uint32_t len;
	uint8_t *buf;

	n->stats.tx_services++;
	while ((buf = virtq_get_used(&n->tx, &len)) != NULL) {
		n->stats.tx_done++;
		posted |= post_rx(n, buf);
	}
	if (posted && virtq_kick_needed(&n->rx))
		n->dev.notify(n->dev.hw, RECEIVEQ);
}

void virtio_net_service(void *ctx)
{
	virtio_net_tx_service(ctx);
	virtio_net_rx_service(ctx);
}

static void mac(void *hw, uint8_t out[ETH_ADDR_LEN])
{
	const struct virtio_net *n = hw;
	memcpy(out, n->mac, ETH_ADDR_LEN);
}

static void set_client(void *hw, const struct hil_ethernet_client *client)
{
	struct virtio_net *n = hw;
	n->client = client;
}

static int fail(const struct hil_virtio *dev, const char *why)
{
	log_warn("virtio-net: %s: not driven", why);
	dev->set_status(dev->hw, VIRTIO_STATUS_FAILED);
	return -1;
}

int virtio_net_init(struct virtio_net *n, const struct hil_virtio *dev, void *rx_mem,
		    uint64_t rx_addr, void *tx_mem, uint64_t tx_addr, uint8_t *bufs,
		    uint64_t bufs_addr, unsigned nbufs, uint16_t rx_entry, uint16_t tx_entry)
{
	uint64_t agreed;

	memset(n, 0, sizeof(*n));
	n->dev = *dev;
	n->bufs = bufs;
	n->bufs_addr = bufs_addr;
	n->hil = (struct hil_ethernet){ .hw = n, .mac = mac, .set_client = set_client };
	_Static_assert(VIRTIO_NET_BUF_BYTES >= MIN_BUF, "a receive buffer holds a whole frame");
	if (virtio_begin(dev, "net", VIRTIO_NET_F_MAC, &agreed) != 0)
		return -1;
	uint16_t size = VIRTIO_NET_QUEUE_SIZE;
	while (size > dev->queue_max(dev->hw, RECEIVEQ) ||
	       size > dev->queue_max(dev->hw, TRANSMITQ))
		size /= 2;
	if (size == 0)
		return fail(dev, "the device has no receive or no transmit queue");
	if (virtq_init(&n->rx, RECEIVEQ, size, rx_mem, rx_addr) != 0 ||
	    virtq_init(&n->tx, TRANSMITQ, size, tx_mem, tx_addr) != 0 ||
	    dev->queue_setup(dev->hw, RECEIVEQ, size, n->rx.desc_addr, n->rx.avail_addr,
			     n->rx.used_addr, rx_entry) != 0 ||
	    dev->queue_setup(dev->hw, TRANSMITQ, size, n->tx.desc_addr, n->tx.avail_addr,
			     n->tx.used_addr, tx_entry) != 0)
		return fail(dev, "the device did not take its queues");
	if (agreed & VIRTIO_NET_F_MAC) {
		for (unsigned i = 0; i < ETH_ADDR_LEN; i++)
			n->mac[i] = (uint8_t)dev->config_read(dev->hw, i, 1);
		n->mac_from_device = true;
	} else {
		/* A locally administered unicast address of our own. */
		const uint8_t own[ETH_ADDR_LEN] = { 0x02, 0, 0, 0, 0, 0x01 };
		memcpy(n->mac, own, ETH_ADDR_LEN);
	}
	/* 5.1.6.3: receive buffers may be given before DRIVER_OK. */
	n->nbufs = nbufs < size ? nbufs : size;
	for (unsigned i = 0; i < n->nbufs; i++)
		post_rx(n, bufs + (size_t)i * VIRTIO_NET_BUF_BYTES);
	if (virtio_ready(dev, "net") != 0)
		return -1;
	n->ready = true;
	dev->notify(dev->hw, RECEIVEQ);
	log_info("virtio-net: ready, MAC %02x:%02x:%02x:%02x:%02x:%02x (%s), queues of %u, "
		 "%u buffers",
		 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5],
		 n->mac_from_device ? "the device's" : "our own", size, n->nbufs);
	return 0;
}
