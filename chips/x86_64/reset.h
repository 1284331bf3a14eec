/* Machine reset, most polite method first. */
#ifndef KNOCK_CHIPS_RESET_H
#define KNOCK_CHIPS_RESET_H

_Noreturn void x86_reset(void);

#endif
