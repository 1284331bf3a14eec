/*
 * Fields of tables that firmware or a file lays out byte by byte (ACPI,
 * MP tables, Multiboot2, ELF): little-endian whatever the CPU, and at
 * any alignment, since a table's fields need not be aligned in memory.
 * Assembled from single bytes, so nothing here depends on the CPU's own
 * byte order or on unaligned loads (GCC still makes one load of each on
 * x86).
 */
#ifndef KNOCK_KERNEL_BYTES_H
#define KNOCK_KERNEL_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

/* The 8-bit sum of n bytes: ACPI's and the MP spec's tables are valid
 * when all their bytes, the checksum byte included, sum to 0. */
static inline uint8_t bytes_sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

#endif
