/*
 * The pc board's virtio-blk: the first virtio block device the PCI scan
 * found (QEMU: -drive file=IMG,format=raw,if=virtio), started on its
 * interrupt (an MSI-X vector, or INTx without MSI-X) with DMA memory for
 * its queue and request headers.
 */
#ifndef KNOCK_BOARD_PC_WIRE_VIRTIO_BLK_H
#define KNOCK_BOARD_PC_WIRE_VIRTIO_BLK_H

#include "kernel/hil/block.h"

/* After board_wire_pci() and board_wire_memory(). One log line either way. */
void board_wire_virtio_blk(void);

/* The block device, or NULL if there is none (or it refused to start). */
const struct hil_block *board_block(void);

/* The device's client now (the shell's `blk`), or NULL: the processes'
 * block driver takes its place and passes its requests on to it. */
const struct hil_block_client *board_block_client(void);

#endif
