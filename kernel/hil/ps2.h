/*
 * HIL: a PS/2 keyboard port (the i8042 on a PC).
 *
 * The port's interrupt is a pending bit; its owner (the keyboard capsule)
 * calls service() from the loop, which reads every byte waiting in the
 * controller's output buffer and hands them over in order.
 */
#ifndef KNOCK_KERNEL_HIL_PS2_H
#define KNOCK_KERNEL_HIL_PS2_H

#include <stddef.h>
#include <stdint.h>

struct hil_ps2_client {
	void *ctx;
	void (*received)(void *ctx, const uint8_t *bytes, size_t n);
};

struct hil_ps2 {
	void *hw;
	void (*set_client)(void *hw, const struct hil_ps2_client *client);
	void (*service)(void *hw);
	/* Send one byte to the keyboard (e.g. 0xed, then the LED mask).
	 * Returns 0, or -1 if the controller cannot take it now. */
	int (*send)(void *hw, uint8_t byte);
};

#endif
