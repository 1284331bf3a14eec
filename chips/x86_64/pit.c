/*
 * The 8254 programmable interval timer (Intel 8254 datasheet, order number
 * 231164: modes 0 and 2, the gate and the count load).
 *
 * Calibration: PIT channel 2 in mode 0 (interrupt on terminal count) from
 * 0xffff, with its gate on port 0x61, as a down-counter that the boot
 * reads with the counter latch command while it does other work
 * (chips/x86_64/calibration.c). OUT2, readable as bit 5 of port 0x61,
 * goes high when the count reaches zero (after 54.9 ms), so a reading
 * that may have wrapped is known. Nothing is wired to an interrupt.
 *
 * The watchdog's tick: channel 0 in mode 2, whose OUT0 drives ISA IRQ 0.
 *
 * Spec: Intel 8254 Programmable Interval Timer datasheet (order 231164):
 * control word, mode 0, the counter latch command and reading a latched
 * count (low byte, then high); the PC wiring of channel 2 through
 * port 0x61 from the IBM PC AT Technical Reference.
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/pit.h"
#include "kernel/rate_bound.h"

#define PIT_CH0_DATA 0x40
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define MODE_CH2_LOHI_MODE0 0xb0
#define LATCH_CH2 0x80 /* counter latch command, channel 2 */
#define MODE_CH0_LOHI_MODE2 0x34

void pit_count_start(void)
{
	uint8_t b = inb(PORT_B) & ~(PORT_B_SPEAKER | PORT_B_GATE2);
	outb(PORT_B, b);
	outb(PIT_MODE, MODE_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, PIT_COUNT_FROM & 0xff);
	outb(PIT_CH2_DATA, PIT_COUNT_FROM >> 8);
	outb(PORT_B, b | PORT_B_GATE2); /* the 8254 counts while the gate is high */
}

bool pit_count_read(struct counter_reading *r)
{
	/* The latch command freezes the count at the moment the 8254 takes
	 * it, inside the out instruction; the two bytes are read after, at
	 * leisure. OUT2 is read after the latch: low then means the count
	 * had not reached zero when it was latched. */
	r->before = rdtsc();
	outb(PIT_MODE, LATCH_CH2);
	r->after = rdtsc();
	uint8_t lo = inb(PIT_CH2_DATA);
	uint8_t hi = inb(PIT_CH2_DATA);
	r->count = (uint32_t)lo | (uint32_t)hi << 8;
	return !(inb(PORT_B) & PORT_B_OUT2);
}

void pit_periodic(uint16_t divisor)
{
	outb(PIT_MODE, MODE_CH0_LOHI_MODE2);
	outb(PIT_CH0_DATA, divisor & 0xff);
	outb(PIT_CH0_DATA, divisor >> 8);
}
