/*
 * Starting the other CPUs (application processors, APs): INIT, STARTUP,
 * STARTUP through the local APIC, a real-mode trampoline below 1 MiB
 * (boot/ap_trampoline.asm), and the wake-up IPI that ends another CPU's
 * `hlt` (arch_wake_cpu()). docs/smp.md walks through it.
 */
#ifndef KNOCK_CHIPS_SMP_H
#define KNOCK_CHIPS_SMP_H

#include <stdint.h>

/* The page the trampoline is copied to (boot/ap_trampoline.asm
 * AP_TRAMPOLINE_BASE): free conventional memory below 1 MiB, page aligned,
 * since a STARTUP IPI names a page number below 256. The board checks that
 * the memory map says it is RAM. */
#define SMP_TRAMPOLINE_BASE 0x8000u
#define SMP_TRAMPOLINE_PAGE_BYTES 4096u

/* The start-up delays (Intel SDM, "MP initialization"): INIT, wait 10 ms,
 * STARTUP, wait 200 us, a second STARTUP only if the CPU has not started
 * running the trampoline yet, wait 200 us. Measured with the TSC. */
#define SMP_INIT_DELAY_US 10000u
#define SMP_STARTUP_DELAY_US 200u
/* After the STARTUP IPIs: how long a CPU may take to show it runs the
 * trampoline, and then to finish its set-up and enter its loop. */
#define SMP_STARTED_TIMEOUT_US 100000u
#define SMP_ONLINE_TIMEOUT_US 2000000u

/* Each AP's kernel stack, with an unmapped guard page below it. */
#define SMP_AP_STACK_BYTES 16384u

struct smp_config {
	uint64_t tsc_hz;          /* the calibrated TSC rate, for the delays */
	uint8_t wakeup_vector;    /* the wake-up IPI's IDT vector */
	const uint32_t *apic_ids; /* the CPUs to start, not this one */
	unsigned count;
	/* Each AP's code after its chip set-up, on that AP: enable its LAPIC,
	 * wire its loop, call smp_ap_online(), run the loop. Never returns. */
	void (*ap_main)(unsigned cpu);
};

/*
 * On the boot CPU, once its LAPIC is enabled and the TSC calibrated:
 * install the wake-up IPI's stub, then start the CPUs one at a time, each
 * with the next CPU id, waiting for each to come online. A CPU that does
 * not answer in time is logged by APIC id, marked CPU_FAILED, and the others
 * are still started. Returns the number of CPUs online, this one included.
 */
unsigned smp_start_aps(const struct smp_config *cfg);

/* On an AP, at the end of its ap_main set-up: the boot CPU may go on, and
 * other CPUs may knock on this one. */
void smp_ap_online(void);

/* Wake-up IPIs: tries of arch_wake_cpu() before it gives up, tries that
 * found the ICR busy, and sends that failed because it stayed busy. */
#define SMP_WAKE_TRIES 3
extern uint64_t smp_wake_send_retries;
extern uint64_t smp_wake_send_failures;

#endif
