/*
 * 8259A pair. Initialisation: ICW1 (edge, cascade, ICW4 follows), ICW2
 * (vector base), ICW3 (slave on IRQ2), ICW4 (8086 mode), then mask all.
 *
 * A spurious IRQ7 (or IRQ15 on the slave) is what the 8259 delivers when an
 * interrupt request goes away before it is acknowledged. It can happen even
 * with everything masked, and it must not get an EOI: the In-Service
 * Register tells the two apart (bit 7 clear means spurious). A spurious
 * IRQ15 still owes the master an EOI, because the master did see IRQ2.
 *
 * Spec: Intel 8259A Programmable Interrupt Controller datasheet (order
 * 231468): initialisation command words ICW1-ICW4, OCW1 (mask), OCW3 (read
 * ISR).
 */
#include <stdint.h>

#include "chips/x86_64/io.h"
#include "chips/x86_64/pic8259.h"
#include "kernel/log.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define OCW3_READ_ISR 0x0b
#define PIC_EOI 0x20

struct pic_counters pic_counters;
static uint8_t pic_base[2];

void pic_remap_and_mask(uint8_t master_base, uint8_t slave_base)
{
	pic_base[0] = master_base;
	pic_base[1] = slave_base;
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	io_wait();
	outb(PIC1_DATA, master_base);
	io_wait();
	outb(PIC2_DATA, slave_base);
	io_wait();
	outb(PIC1_DATA, 1 << 2); /* slave on IRQ2 */
	io_wait();
	outb(PIC2_DATA, 2); /* slave's cascade identity */
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

bool pic_handle_vector(unsigned vector)
{
	unsigned irq = vector - pic_base[0];
	if (irq == 7 && !(read_isr(PIC1_CMD) & 0x80)) {
		pic_counters.spurious_master++;
		return true;
	}
	if (irq == 15 && !(read_isr(PIC2_CMD) & 0x80)) {
		pic_counters.spurious_slave++;
		outb(PIC1_CMD, PIC_EOI);
		return true;
	}
	pic_counters.unexpected++;
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
	return false;
}
