/*
 * The pc board's network interface: the first virtio-net PCI function
 * (1af4:1041, or the transitional 1af4:1000) driven by capsules/virtio_net
 * over the modern PCI transport, its receive and transmit queues each
 * signalled through its own MSI-X vector from the board's pool, and the
 * small IPv4 host of capsules/net_stack on it, at the static address
 * 10.0.2.15 (the address QEMU's user networking gives its guest, so no
 * DHCP is needed). Absent or refusing, it costs one log line and knock
 * goes on without it.
 */
#ifndef KNOCK_BOARD_PC_WIRE_VIRTIO_NET_H
#define KNOCK_BOARD_PC_WIRE_VIRTIO_NET_H

#include "capsules/net_commands.h"

/* After board_wire_pci() and board_wire_memory(), before loop_verify(). */
void board_wire_virtio_net(void);

/* For `net`: the host (NULL if there is no interface) and the link
 * driver's counters. */
const struct net_stack *board_net_stack(void);
const struct net_counter *board_net_link_counters(unsigned *count);

#endif
