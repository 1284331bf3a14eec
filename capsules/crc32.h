/*
 * CRC-32 as zlib, Ethernet and Python's binascii.crc32 compute it
 * (reflected polynomial 0xedb88320, initial value and final xor
 * 0xffffffff), so a test can check the guest's figure with one call.
 *
 *   uint32_t crc = crc32_update(0, a, na);   // start from 0
 *   crc = crc32_update(crc, b, nb);          // same as over a then b
 */
#ifndef KNOCK_CAPSULES_CRC32_H
#define KNOCK_CAPSULES_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, size_t n);

#endif
