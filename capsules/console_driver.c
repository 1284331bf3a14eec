/*
 * The console as a syscall driver (see console_driver.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "capsules/console_driver.h"

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	struct console_driver *cd = ctx;
	const void *buf;
	size_t len;

	(void)a2;
	switch (cmd) {
	case 0:
		return syscall_success();
	case 1:
		if (!syscall_buffer_ro(&cd->driver, p, 0, &buf, &len))
			return syscall_failure(ERR_RESERVE);
		if (a1 < len)
			len = (size_t)a1;
		size_t n = console_write(cd->console, buf, len);
		cd->bytes += n;
		syscall_schedule_upcall(&cd->driver, p, 0, n, 0, 0);
		return syscall_success();
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant)
{
	cd->console = c;
	cd->bytes = 0;
	cd->driver = (struct syscall_driver){
		.number = CONSOLE_DRIVER_NUMBER,
		.name = "console",
		.grant = grant,
		.state_size = 0,
		.upcalls = 1,
		.allows_rw = 0,
		.allows_ro = 1,
		.command = command,
		.ctx = cd,
	};
	syscall_register(&cd->driver);
}
