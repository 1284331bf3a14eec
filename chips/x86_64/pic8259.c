/*
 * 8259A pair (Intel 8259A Programmable Interrupt Controller datasheet).
 * Initialisation: ICW1 (edge, cascade, ICW4 follows), ICW2 (vector base),
 * ICW3 (slave on IRQ2), ICW4 (8086 mode, and Automatic EOI when the 8259s
 * carry the interrupts), then mask all.
 *
 * Automatic EOI (ICW4 bit 1, AEOI): the 8259 performs a non-specific EOI
 * itself at the trailing edge of the last interrupt-acknowledge pulse, so
 * a handler owes it nothing. (Early 8259As did this only as a master;
 * every IRQ knock unmasks, 0, 1 and 4, is on the master anyway.) What
 * AEOI gives up, nesting by priority inside one 8259, knock never uses:
 * its handlers run with interrupts off.
 *
 * So knock's device top halves keep their three instructions (set a bit,
 * EOI the local APIC, iretq) in this mode. The 8259's interrupt reaches
 * the CPU through LINT0 as ExtINT, which sets no bit in the local APIC's
 * in-service register; the Intel SDM (vol. 3, "Interrupt Handling with
 * the Pentium 4 and Intel Xeon Processors") says an ExtINT handler must
 * not write the EOI register, because that write retires the highest
 * in-service interrupt, which would be some other one's. In knock none is
 * ever in service when an ExtINT is taken: every handler runs with
 * interrupts off and writes its EOI before iretq, so interrupts are only
 * on while the in-service register is empty, and an EOI write then
 * changes nothing.
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
#define ICW4_AEOI 0x02
#define OCW3_READ_ISR 0x0b
#define PIC_EOI 0x20

#define CASCADE_IRQ 2

struct pic_counters pic_counters;
static uint8_t pic_base[2];
static uint8_t pic_mask[2] = { 0xff, 0xff };

static void init(uint8_t master_base, uint8_t slave_base, uint8_t icw4)
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
	outb(PIC1_DATA, icw4);
	io_wait();
	outb(PIC2_DATA, icw4);
	io_wait();
	pic_mask[0] = pic_mask[1] = 0xff;
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void pic_remap_and_mask(uint8_t master_base, uint8_t slave_base)
{
	init(master_base, slave_base, ICW4_8086);
}

void pic_auto_eoi_mode(void)
{
	init(pic_base[0], pic_base[1], ICW4_8086 | ICW4_AEOI);
}

static void write_mask(unsigned chip, uint8_t bit, bool masked)
{
	pic_mask[chip] = masked ? (uint8_t)(pic_mask[chip] | bit) :
				  (uint8_t)(pic_mask[chip] & ~bit);
	outb(chip ? PIC2_DATA : PIC1_DATA, pic_mask[chip]);
}

void pic_set_masked(unsigned irq, bool masked)
{
	if (irq >= 16)
		return;
	write_mask(irq >= 8, (uint8_t)(1u << (irq & 7)), masked);
	if (irq >= 8 && !masked)
		write_mask(0, 1u << CASCADE_IRQ, false); /* the slave's line into the master */
}

static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

/*
 * In Automatic EOI mode the in-service bit is gone before any handler
 * runs, so every IRQ7 looks spurious here; that is what it is, since the
 * board never unmasks IRQ7. The EOIs below are then no-ops.
 */
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
