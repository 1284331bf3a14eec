/*
 * The lab image's top halves (top_halves_lab.h).
 *
 * Spec: Intel SDM vol. 3A 6.12.1 (interrupt gates), vol. 2B RDTSC.
 */
#include "chips/x86_64/lab/top_halves_lab.h"

#include "chips/x86_64/lapic.h"
#include "chips/x86_64/top_halves.h"
#include "kernel/log.h"

extern const struct top_half_entry lab_top_half_table[];
extern const uint64_t lab_top_half_count;
extern const struct top_half_entry lab_x2apic_top_half_table[];
extern const uint64_t lab_x2apic_top_half_count;
extern const struct top_half_entry top_half_stamped_table[];
extern const uint64_t top_half_stamped_count;

static bool stamped_installed;

void top_halves_lab_install(bool stamped)
{
	if (lapic_x2apic()) {
		/* The stamped stubs end with the xAPIC's MMIO EOI. */
		if (stamped)
			log_warn("irq: stubs=stamped needs xAPIC mode; the plain top halves run");
		top_halves_install_table(lab_x2apic_top_half_table, lab_x2apic_top_half_count);
		stamped_installed = false;
		return;
	}
	top_halves_install_table(lab_top_half_table, lab_top_half_count);
	if (stamped)
		top_halves_install_table(top_half_stamped_table, top_half_stamped_count);
	stamped_installed = stamped;
}

bool top_halves_stamped(void)
{
	return stamped_installed;
}
