/*
 * The pc board's entropy device: the first virtio-rng PCI function
 * (1af4:1044, or the transitional 1af4:1005) driven by capsules/virtio_rng
 * over the modern PCI transport, its queue signalled through MSI-X from
 * the board's pool. Absent or refusing, it costs one log line and knock
 * goes on without it.
 */
#ifndef KNOCK_BOARD_PC_WIRE_VIRTIO_RNG_H
#define KNOCK_BOARD_PC_WIRE_VIRTIO_RNG_H

#include "kernel/hil/rng.h"

/* After board_wire_pci() and board_wire_memory(), before loop_verify(). */
void board_wire_virtio_rng(void);

/* The random-byte source, or NULL if there is none. */
const struct hil_rng *board_rng(void);

#endif
