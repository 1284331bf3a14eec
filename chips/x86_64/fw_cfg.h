/* QEMU's fw_cfg device: named files the emulator hands the guest. knock
 * reads opt/knock/cmdline from it, so tests pass kernel options with
 * `-fw_cfg name=opt/knock/cmdline,string=...` and need no extra ISO. */
#ifndef KNOCK_CHIPS_FW_CFG_H
#define KNOCK_CHIPS_FW_CFG_H

#include <stddef.h>

/* Copy the file `name` into buf (NUL-terminated, truncated to fit).
 * Returns its length in the device, or -1 if there is no fw_cfg device or
 * no such file. */
long fw_cfg_read_file(const char *name, char *buf, size_t cap);

#endif
