/*
 * The interrupts-off meter of the bake-off (docs/bakeoff.md): how long
 * interrupts stay disabled, and how long the CPU sleeps.
 *
 * Windows are measured with the TSC (under QEMU -icount shift=0 it counts
 * instructions) where interrupts go off and on again:
 *   - the arch interface (chips/x86_64/arch.c): arch_irq_disable() starts a
 *     window, arch_irq_enable() and arch_enable_irq_and_idle() end it: the
 *     loop's sleep check, and in the other designs the callbacks the loop
 *     runs with interrupts off and the queue operations;
 *   - interrupt handlers that run C (chips/x86_64/irq_handler.c): entry to
 *     iretq.
 * knock's own top halves run no C; their window is their few instructions,
 * which `make bench` counts in the ELF (top_half_instructions).
 *
 * Idle time: arch_enable_irq_and_idle() notes when the CPU goes to sleep;
 * the first interrupt entry after it ends the sleep (irq_off_meter_woke(),
 * called by irq_handler.c and, for knock's top halves, by the board with
 * the stamped top half's entry time). Under -icount sleep=off the TSC
 * jumps over a sleep, so elapsed minus idle is the instructions executed.
 *
 * The bake-off's outside world runs from NMIs, inside any window; what its
 * steps take (irq_off_meter_stolen) is subtracted from the window they
 * fell in.
 *
 * Off (the default) it costs arch_irq_disable(), arch_irq_enable() and
 * arch_enable_irq_and_idle() one test of `on` each, all before the halt, so
 * no wake-up latency grows. Boot CPU only: the bake-off runs one CPU.
 */
#ifndef KNOCK_CHIPS_IRQ_OFF_METER_H
#define KNOCK_CHIPS_IRQ_OFF_METER_H

#include <stdbool.h>
#include <stdint.h>

enum irq_off_kind {
	IRQ_OFF_LOOP,    /* arch_irq_disable() .. arch_irq_enable() or the sti of sti;hlt */
	IRQ_OFF_HANDLER, /* a C interrupt handler, entry to iretq */
	IRQ_OFF_KINDS
};

struct irq_off_meter {
	bool on;
	uint64_t overhead;               /* two back-to-back TSC reads, subtracted */
	uint64_t since;                  /* TSC when the loop turned interrupts off; 0: on */
	uint64_t longest[IRQ_OFF_KINDS]; /* longest window of each kind, TSC ticks */
	uint64_t windows[IRQ_OFF_KINDS]; /* windows seen */
	uint64_t total[IRQ_OFF_KINDS];   /* their sum */
	uint64_t idle_since;             /* TSC when the CPU went to sleep; 0: awake */
	uint64_t last_sleep;             /* TSC of the latest sleep (idle_since of it) */
	uint64_t idle_total;             /* TSC ticks asleep, sleeps that ended */
	uint64_t sleeps;
	/* When interrupts last came back on (the loop's sti, or a C
	 * handler's iretq), and when the stretch with them off that ended
	 * then had begun: an interrupt that enters right after on_at was held
	 * pending by that stretch (irq_handler.c). */
	uint64_t on_at;
	uint64_t closed_since;
	uint64_t held; /* C-handled interrupts that such a stretch held pending */
	/* irq_off_meter_stolen when the loop's window began and when the
	 * CPU went to sleep: what the outside world takes during either is
	 * not the design's, so it is taken out. */
	uint64_t stolen_at_since;
	uint64_t stolen_at_sleep;
};

extern struct irq_off_meter irq_off_meter;

/* TSC cycles (instructions, under -icount shift=0) the bake-off's outside
 * world has taken from this CPU since boot: world_nmi_entry
 * (chips/x86_64/lab/world_nmi.asm) adds each of its NMIs whole, from the
 * first instruction to iretq. Not the design's work: the meter takes it
 * out of the windows and idle waits it fell in. */
extern uint64_t irq_off_meter_stolen;

static inline uint64_t irq_off_meter_stolen_now(void)
{
	return __atomic_load_n(&irq_off_meter_stolen, __ATOMIC_RELAXED);
}

/*
 * While the meter is on, the loop's idle wait polls instead of halting
 * (chips/x86_64/lab/arch_irq_metered.c), when set (the bake-off's outside
 * world sets it, world.h). Why: under QEMU -icount sleep=off a halt makes
 * QEMU move the clock on to the next timer's deadline, and with halts two
 * runs differed (once in tens of thousands of halts, an NMI woke the CPU
 * 32 instructions past its deadline, at host pace): most likely QEMU
 * 7.2's main loop moving the clock before the halted CPU's last
 * instructions are counted. A CPU that never halts moves the clock only
 * by the instructions it runs, and the runs agree. The idle time is
 * measured the same way either way (from the sleep to the interrupt that
 * ends it).
 */
extern bool irq_idle_spins;

/* Forget everything measured and start (calibrates `overhead`). */
void irq_off_meter_start(void);

/* arch.c's hooks, called only while `on`. */
void irq_off_meter_begin(void);
void irq_off_meter_end(void);
void irq_off_meter_sleep(void);

/* The CPU woke at TSC `at` (an interrupt's entry): ends a sleep. */
void irq_off_meter_woke(uint64_t at);

/* A window of `ticks` of the given kind. */
void irq_off_meter_record(enum irq_off_kind kind, uint64_t ticks);

#endif
