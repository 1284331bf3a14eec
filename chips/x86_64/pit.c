/*
 * The 8254 programmable interval timer (Intel 8254 datasheet, order number
 * 231164: modes 0 and 2, the gate and the count load).
 *
 * Calibration: PIT channel 2 in mode 0 (interrupt on terminal count) with
 * its gate on port 0x61: OUT2, readable as bit 5 of port 0x61, goes high
 * when the count reaches zero. Nothing is wired to an interrupt; we poll,
 * once, at boot.
 *
 * The watchdog's tick: channel 0 in mode 2, whose OUT0 drives ISA IRQ 0.
 *
 * Spec: Intel 8254 Programmable Interval Timer datasheet (order 231164):
 * control word, mode 0, counter latch; the PC wiring of channel 2 through
 * port 0x61 from the IBM PC AT Technical Reference.
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/pit.h"

#define PIT_CH0_DATA 0x40
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define MODE_CH2_LOHI_MODE0 0xb0
#define MODE_CH0_LOHI_MODE2 0x34

/* Far more polls than 65535 PIT ticks (55 ms) can take on any machine or
 * emulator, yet finite: a PC without a PIT must not hang the boot. */
#define POLL_LIMIT 50000000u

bool pit_measure(uint16_t pit_ticks, uint64_t *tsc_min, uint64_t *tsc_max)
{
	uint8_t b = inb(PORT_B) & ~(PORT_B_SPEAKER | PORT_B_GATE2);
	outb(PORT_B, b);
	outb(PIT_MODE, MODE_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, pit_ticks & 0xff);

	/* The window starts when the count is written (QEMU's 8254 ignores
	 * the gate in mode 0) or at the rising gate edge (the datasheet):
	 * both lie between start0 and start1. It ends after the last poll
	 * that still saw OUT2 low began and before the one that saw it high
	 * ended. */
	uint64_t start0 = rdtsc();
	outb(PIT_CH2_DATA, pit_ticks >> 8);
	outb(PORT_B, b | PORT_B_GATE2); /* rising gate edge starts the count */
	uint64_t start1 = rdtsc();

	uint32_t polls = 0;
	uint64_t end0 = start1;
	for (;;) {
		uint64_t poll = rdtsc();
		if (inb(PORT_B) & PORT_B_OUT2)
			break;
		if (++polls == POLL_LIMIT)
			break;
		end0 = poll;
	}
	uint64_t end1 = rdtsc();
	outb(PORT_B, b);

	*tsc_min = end0 - start1;
	*tsc_max = end1 - start0;
	return polls < POLL_LIMIT;
}

void pit_periodic(uint16_t divisor)
{
	outb(PIT_MODE, MODE_CH0_LOHI_MODE2);
	outb(PIT_CH0_DATA, divisor & 0xff);
	outb(PIT_CH0_DATA, divisor >> 8);
}
