/*
 * HIL: an interrupt that software raises on its own CPU (a self-IPI on
 * x86). It arrives like any device interrupt: its top half knocks its bit
 * and the loop calls the bit's client. The storm capsule uses one to make
 * a synthetic interrupt storm.
 */
#ifndef KNOCK_KERNEL_HIL_SOFT_IRQ_H
#define KNOCK_KERNEL_HIL_SOFT_IRQ_H

struct hil_soft_irq {
	void *hw;
	void (*raise)(void *hw);
};

#endif
