/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of 16-bit words. Portable, over bytes.
 *
 * The sum is taken four bytes at a time in the CPU's own byte order into a
 * 64-bit accumulator (RFC 1071, 2(B): the ones' complement sum does not
 * depend on byte order, so the order is fixed once, at the end), which is
 * about four times fewer instructions than a byte-pair loop on the echo's
 * path. Regions are added one after another (a pseudo-header, then a
 * segment); every region but the last must have an even length.
 *
 *	uint64_t acc = net_sum_add(0, hdr, 20);
 *	uint16_t c = net_sum_finish(acc);   // 0 if hdr carries a right checksum
 *	// else: the checksum to store, as a big-endian 16-bit field
 */
#ifndef KNOCK_CAPSULES_NET_CHECKSUM_H
#define KNOCK_CAPSULES_NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add `len` bytes at `p` to the running sum `acc`. */
uint64_t net_sum_add(uint64_t acc, const uint8_t *p, size_t len);

/* Fold the running sum to 16 bits and complement it: the checksum, as the
 * number a big-endian field holds. Over data that includes its own right
 * checksum, 0. */
uint16_t net_sum_finish(uint64_t acc);

#endif
