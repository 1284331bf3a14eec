/*
 * fw_cfg over I/O ports: write a 16-bit selector to 0x510, read bytes from
 * 0x511. Selector 0 holds the signature "QEMU"; selector 0x19 the file
 * directory: a big-endian count, then 64-byte entries (size, selector,
 * reserved, 56-byte name), all big-endian.
 *
 * Spec: QEMU's docs/specs/fw_cfg.rst (QEMU Firmware Configuration Device:
 * the I/O port interface and the file directory).
 */
#include <stdint.h>

#include "chips/x86_64/fw_cfg.h"
#include "chips/x86_64/io.h"
#include "kernel/string.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_NAME_LEN 56

static void read_bytes(void *dst, size_t n)
{
	uint8_t *p = dst;
	for (size_t i = 0; i < n; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int present(void)
{
	char sig[4];
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	read_bytes(sig, sizeof(sig));
	return memcmp(sig, "QEMU", 4) == 0;
}

long fw_cfg_read_file(const char *name, char *buf, size_t cap)
{
	if (cap == 0 || !present())
		return -1;
	uint8_t raw[4];
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	read_bytes(raw, 4);
	uint32_t count = be32(raw);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t entry[8];
		char entry_name[FW_CFG_NAME_LEN];
		read_bytes(entry, sizeof(entry));
		read_bytes(entry_name, sizeof(entry_name));
		entry_name[FW_CFG_NAME_LEN - 1] = '\0';
		if (strcmp(entry_name, name) != 0)
			continue;
		uint32_t size = be32(entry);
		uint16_t select = (uint16_t)(entry[4] << 8 | entry[5]);
		size_t n = size < cap - 1 ? size : cap - 1;
		outw(FW_CFG_PORT_SEL, select);
		read_bytes(buf, n);
		buf[n] = '\0';
		return (long)size;
	}
	return -1;
}
