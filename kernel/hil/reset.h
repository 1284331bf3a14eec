/* HIL: reset the machine (Ctrl-Alt-Del, the shell's `reboot`). */
#ifndef KNOCK_KERNEL_HIL_RESET_H
#define KNOCK_KERNEL_HIL_RESET_H

struct hil_reset {
	void *hw;
	/* Never returns. (C11's _Noreturn cannot qualify a pointer member;
	 * GCC's attribute can, and in front cppcheck parses it too.) */
	__attribute__((noreturn)) void (*reset)(void *hw);
};

#endif
