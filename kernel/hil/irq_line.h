/*
 * HIL: a level-triggered interrupt line (a PCI device's INTx) whose top
 * half masked it before its EOI. Its capsule unmasks it once it has
 * drained the device: if the device asserts the line again meanwhile, the
 * unmask delivers it at once, so nothing is lost, and until then the line
 * cannot storm (docs/interrupts.md, "Level-triggered INTx").
 */
#ifndef KNOCK_KERNEL_HIL_IRQ_LINE_H
#define KNOCK_KERNEL_HIL_IRQ_LINE_H

struct hil_irq_line {
	void *hw;
	void (*unmask)(void *hw);
};

#endif
