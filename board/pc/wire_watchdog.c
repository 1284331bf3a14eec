/* The pc board's watchdog wiring (wire_watchdog.h). */
#include "board/pc/wire_watchdog.h"

#include "board/pc/interrupts.h"
#include "board/pc/wire_acpi.h"
#include "board/pc/wire_intx.h"
#include "board/pc/wire_timer.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/pit.h"
#include "chips/x86_64/watchdog_tick.h"
#include "kernel/cmdline.h"
#include "kernel/cpus.h"
#include "kernel/log.h"
#include "kernel/ticker.h"
#include "kernel/loop.h"
#include "kernel/watchdog.h"

static struct watchdog_options options;
static void read_options(void)
{
	char value[32];

	watchdog_default_options(&options);
	if (cmdline_value("watchdog", value, sizeof(value)) &&
	    !watchdog_parse_option(value, &options))
		log_warn("options: watchdog=%s is not <ms>, panic, warn or off (joined by ':'); "
			 "keeping %u ms, %s",
			 value, options.limit_ms, options.panic ? "panic" : "warn");
	if (cmdline_value("storm", value, sizeof(value)) &&
	    !watchdog_parse_storm_option(value, &options))
		log_warn("options: storm=%s is not a rate per second or off; keeping %u/s", value,
			 options.storm_per_s);
}

void board_wire_watchdog(void)
{
	read_options();
	watchdog_init(&options, board_lapic_alarm.tsc_hz);
}

void board_watchdog_start(void)
{
	bool by_ipi = false;

	if (!options.limit_ms && !options.storm_per_s) {
		log_info("watchdog: off (watchdog=off storm=off)");
		return;
	}
	if (board_irq_routing == BOARD_ROUTING_8259) {
		/* The 8259s: no other CPU was started. */
		x86_watchdog_tick_start_pic(VEC_PIC_BASE + ISA_IRQ_PIT, ISA_IRQ_PIT);
		watchdog_set_tick_cpu(cpus_this(), NULL);
	} else {
		uint32_t gsi = board_route_isa_irq(ISA_IRQ_PIT, VEC_WATCHDOG);
		if (!x86_watchdog_tick_start(VEC_WATCHDOG, gsi)) {
			log_warn("watchdog: no IOAPIC serves GSI %u: no stall or storm detection",
				 gsi);
			return;
		}
		/* The other CPUs are online: the tick's CPU passes each tick
		 * on to those that are awake (its first tick may come before
		 * this and pass nothing on), and they turn it on when they
		 * wake while it sleeps masked (kernel/ticker.h): with two
		 * stores to the IOAPIC, unless a level row is claimed. Its
		 * top half (on this CPU too: the rows were routed here)
		 * selects its own entry through the same register select,
		 * and another CPU's window store landing after that select
		 * would rewrite the row's entry with the tick's. Then they
		 * wake this CPU instead, and it unmasks its tick itself, with
		 * interrupts off, on its way out of the halt. */
		x86_watchdog_poke_start(VEC_WATCHDOG_POKE);
		watchdog_set_tick_cpu(cpus_this(), x86_watchdog_poke);
		by_ipi = board_intx_claimed();
		ticker_set_cpu(cpus_this(), by_ipi ? NULL : x86_watchdog_tick_unmask);
	}
	char described[96];
	watchdog_options_describe(&options, described, sizeof(described));
	log_info("watchdog: PIT tick every %u us while busy, masked while idle; %s",
		 PIT_MAX_PERIOD_US, described);
	if (by_ipi && cpus_in_mask(cpus_online_mask()) > 1)
		log_info("watchdog: other cpus wake cpu %u to turn its tick on (a level line's top "
			 "half uses the IOAPIC's register select)",
			 cpus_this());
}
