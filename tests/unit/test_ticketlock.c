/*
 * kernel/ticketlock.h in one thread: tickets and serving, the debug checks
 * (re-taking a held lock, releasing a lock not held, taking one outside
 * loop context), and parking: the test plays the other CPU from the fake
 * arch's hooks (a relax, the interrupts-off step, the halt), so each step
 * of the handshake can be placed exactly. Mutual exclusion, FIFO order and
 * parking under real threads are in tests/tsan/test_ticketlock_threads.c;
 * the handshake against every interleaving in tests/model/parklock.pml.
 * Also the benchmark's plain ticket lock and test-and-set lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/lab/taslock.h"
#include "kernel/lab/ticketlock_plain.h"
#include "kernel/ticketlock.h"
#include "fake_arch.h"
#include "fake_log.h"

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	return 0;
}

static void test_lock_draws_a_ticket_and_unlock_serves_the_next(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("t");

	(void)state;
	ticketlock_lock(&l);
	assert_int_equal(l.next, 1);
	assert_int_equal(l.serving, 0);
	assert_int_equal(l.holder, fake_cpu.id + 1);
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 1);
	assert_int_equal(l.holder, 0);
	for (int i = 0; i < 5; i++) {
		ticketlock_lock(&l);
		ticketlock_unlock(&l);
	}
	assert_int_equal(l.next, 6);
	assert_int_equal(l.serving, 6);
}

static void test_tickets_wrap_around(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("wrap");

	(void)state;
	l.next = l.serving = UINT32_MAX;
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_int_equal(l.next, 0);
	assert_int_equal(l.serving, 0);
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 1);
}

static void test_taking_it_twice_panics_instead_of_waiting_forever(void **state)
{
	struct ticketlock l;

	(void)state;
	ticketlock_init(&l, "twice");
	ticketlock_lock(&l);
	expect_assert_failure(ticketlock_lock(&l));
	assert_non_null(
		strstr(fake_log, "ticketlock twice: cpu 0 takes it again while holding it"));
	/* The check came before the ticket: the lock is not left wedged. */
	assert_int_equal(l.next, 1);
}

static void test_release_by_a_cpu_that_does_not_hold_it_panics(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("foreign");
	struct cpu other = { .id = 3 };

	(void)state;
	expect_assert_failure(ticketlock_unlock(&l));
	assert_non_null(
		strstr(fake_log, "ticketlock foreign: cpu 0 releases it without holding it"));

	fake_log_clear();
	panic_reset_for_test(); /* the first panic is still "in progress" */
	other.self = &other;
	fake_arch_set_this_cpu(&other);
	ticketlock_lock(&l);
	fake_arch_set_this_cpu(NULL);
	expect_assert_failure(ticketlock_unlock(&l));
	assert_non_null(strstr(fake_log, "cpu 0 releases it without holding it"));
}

static void test_taking_it_in_an_exception_handler_panics(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("handler");

	(void)state;
	fake_cpu.handler_depth = 1;
	expect_assert_failure(ticketlock_lock(&l));
	assert_non_null(strstr(fake_log, "ticketlock_lock outside loop context"));
	assert_int_equal(l.next, 0);
}

static void test_taking_it_leaves_interrupts_alone(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("irq");

	(void)state;
	fake_irq_enabled = true;
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_true(fake_irq_enabled);
	assert_string_equal(fake_arch_trace, "");
}

/* --- parking ------------------------------------------------------------ */

/* The other CPU, which holds the lock when the test's CPU (0) asks. */
static struct cpu other;
static struct ticketlock *shared;
static unsigned release_at; /* the relax (or halt) at which `other` releases */
static unsigned halts;
static uint32_t slot_seen; /* cpu 0's parked slot, read inside the halt */
static char trace_seen[16];

static void as_other(void (*fn)(struct ticketlock *))
{
	other.self = &other;
	other.id = 3;
	fake_arch_set_this_cpu(&other);
	fn(shared);
	fake_arch_set_this_cpu(NULL);
}

static void other_takes(struct ticketlock *l)
{
	ticketlock_lock(l);
}

static void other_releases(struct ticketlock *l)
{
	ticketlock_unlock(l);
}

static void setup_contended(struct ticketlock *l)
{
	shared = l;
	fake_cpus[3] = &other;
	as_other(other_takes);
	fake_irq_enabled = true; /* loop context */
	halts = 0;
	slot_seen = 0;
	release_at = 0;
}

static void release_in_halt(void)
{
	/* What cpu 0 left for the releaser before halting. */
	slot_seen = shared->parked[(shared->next - 1) % CPU_MAX]; /* cpu 0 drew the last ticket */
	strncpy(trace_seen, fake_arch_trace, sizeof(trace_seen) - 1);
	if (++halts == release_at)
		as_other(other_releases);
}

static void release_at_relax(void)
{
	if (fake_relaxes == release_at)
		as_other(other_releases);
}

static void test_a_waiter_parks_after_its_spins_and_the_releaser_knocks_it(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("park");

	(void)state;
	setup_contended(&l);
	release_at = 1;
	fake_on_halt = release_in_halt;
	ticketlock_lock(&l);
	/* Spun its turns, then: interrupts off, published, halted. */
	assert_int_equal(fake_relaxes, TICKETLOCK_SPINS);
	assert_string_equal(trace_seen, "DH");
	assert_int_equal(slot_seen, fake_cpu.id + 1);
	/* The releaser knocked on exactly cpu 0, once. */
	assert_int_equal(fake_wakes[0], 1);
	assert_int_equal(fake_wakes[3], 0);
	assert_int_equal(l.parks, 1);
	assert_int_equal(l.kicks, 1);
	/* Holding it now; the slot is clear again. */
	assert_int_equal(l.holder, fake_cpu.id + 1);
	for (unsigned i = 0; i < CPU_MAX; i++)
		assert_int_equal(l.parked[i], 0);
	assert_true(fake_irq_enabled);
	ticketlock_unlock(&l);
	assert_int_equal(fake_wakes[0], 1);
}

static void test_a_waiter_whose_turn_comes_while_it_spins_is_not_knocked(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("spun");

	(void)state;
	setup_contended(&l);
	release_at = 10;
	fake_on_relax = release_at_relax;
	ticketlock_lock(&l);
	assert_int_equal(fake_relaxes, 10);
	assert_string_equal(fake_arch_trace, "");
	assert_int_equal(l.parks, 0);
	assert_int_equal(l.kicks, 0);
	assert_int_equal(fake_wakes[0], 0);
}

/* The turn comes after the waiter turned interrupts off but before it
 * published its slot: the releaser sees no slot and sends nothing, so the
 * waiter must see its turn in its re-check and not halt (with no hook,
 * the fake's halt waits for an IPI that never comes: a lost wake-up). */
static void release_when_irq_off(void)
{
	as_other(other_releases);
}

static void test_the_waiter_rechecks_its_turn_before_it_halts(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("recheck");

	(void)state;
	setup_contended(&l);
	fake_on_irq_disable = release_when_irq_off;
	ticketlock_lock(&l);
	fake_on_irq_disable = NULL;
	assert_string_equal(fake_arch_trace, "DE");
	assert_int_equal(fake_lost_wakeups, 0);
	assert_int_equal(l.parks, 0);
	assert_int_equal(l.kicks, 0);
	assert_int_equal(fake_wakes[0], 0);
	assert_int_equal(l.holder, fake_cpu.id + 1);
	assert_int_equal(l.parked[1], 0);
}

static void test_a_waiter_woken_by_another_interrupt_parks_again(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("again");

	(void)state;
	setup_contended(&l);
	release_at = 3; /* two halts end with no knock (a timer, say) */
	fake_on_halt = release_in_halt;
	ticketlock_lock(&l);
	assert_int_equal(halts, 3);
	assert_int_equal(l.parks, 3);
	assert_int_equal(l.kicks, 1);
	assert_int_equal(fake_wakes[0], 1);
	/* It spun its turns again before each park. */
	assert_int_equal(fake_relaxes, 3 * TICKETLOCK_SPINS);
	assert_string_equal(fake_arch_trace, "DHDHDH");
}

static void test_with_interrupts_off_a_waiter_spins_and_never_halts(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("irqoff");

	(void)state;
	setup_contended(&l);
	fake_irq_enabled = false;
	release_at = 3 * TICKETLOCK_SPINS;
	fake_on_relax = release_at_relax;
	ticketlock_lock(&l);
	assert_int_equal(fake_relaxes, 3 * TICKETLOCK_SPINS);
	assert_string_equal(fake_arch_trace, "");
	assert_int_equal(l.parks, 0);
	assert_false(fake_irq_enabled);
}

/* CPU c, holding the lock (as far as the checks can tell), releases it. */
static void release_as(struct ticketlock *l, struct cpu *c)
{
	c->self = c;
	fake_arch_set_this_cpu(c);
	l->holder = c->id + 1;
	ticketlock_unlock(l);
	fake_arch_set_this_cpu(NULL);
}

/* Slots filled by hand: CPUs 4, 5 and 6 stand for waiters on tickets 1, 2
 * and 3 while cpu 0 holds ticket 0. */
static void test_the_releaser_knocks_the_served_and_the_next_ticket_only_if_parked(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("next");
	struct cpu c4 = { .id = 4 }, c5 = { .id = 5 }, c6 = { .id = 6 };

	(void)state;
	fake_cpus[4] = &c4;
	fake_cpus[5] = &c5;
	fake_cpus[6] = &c6;
	ticketlock_lock(&l);
	l.next = 4;
	l.parked[3] = 6 + 1; /* ticket 3's waiter parked; 1's spins, 2's spins */
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 1);
	assert_int_equal(l.kicks, 0); /* neither 1 nor 2 parked; 3 is two away */
	for (unsigned i = 0; i < CPU_MAX; i++)
		assert_int_equal(fake_wakes[i], 0);

	/* Ticket 1 (cpu 4) releases to ticket 2: ticket 3's waiter is next
	 * in line now and is knocked early, and no one else. */
	release_as(&l, &c4);
	assert_int_equal(l.serving, 2);
	assert_int_equal(l.kicks, 1);
	assert_int_equal(fake_wakes[6], 1);
	assert_int_equal(fake_wakes[5], 0);
	assert_int_equal(fake_wakes[4], 0);
	assert_int_equal(fake_wakes[0], 0);

	/* Ticket 2 (cpu 5) releases to ticket 3, whose slot still names cpu
	 * 6 (it has not woken yet): knocked again, now as the one served. */
	release_as(&l, &c5);
	assert_int_equal(l.serving, 3);
	assert_int_equal(l.kicks, 2);
	assert_int_equal(fake_wakes[6], 2);
	assert_int_equal(fake_wakes[5], 0);
}

/* Cpu 0 draws ticket 2 while `other` holds 0 and a phantom waiter (cpu 4)
 * holds ticket 1: two from its turn. */
static struct cpu phantom;

static void setup_two_behind(struct ticketlock *l)
{
	setup_contended(l);
	phantom = (struct cpu){ .id = 4 };
	phantom.self = &phantom;
	fake_cpus[4] = &phantom;
	l->next++; /* ticket 1: the phantom's */
}

static void phantom_releases(void)
{
	release_as(shared, &phantom);
}

static void phantom_releases_at_relax(void)
{
	if (fake_relaxes == release_at)
		phantom_releases();
}

/* Halt 1 (parked two behind): `other` releases to the phantom, which
 * knocks cpu 0 early. Halt 2 (parked next in line): the phantom releases
 * to cpu 0 and knocks it. */
static void release_two_steps(void)
{
	slot_seen = shared->parked[2];
	if (++halts == 1)
		as_other(other_releases);
	else
		phantom_releases();
}

static void test_a_waiter_two_behind_parks_sooner_and_is_knocked_next_in_line(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("behind");

	(void)state;
	setup_two_behind(&l);
	fake_on_halt = release_two_steps;
	ticketlock_lock(&l);
	/* A short spin two behind, a halt until knocked next in line, the
	 * full spin next in line, a halt until its turn. */
	assert_int_equal(halts, 2);
	assert_int_equal(fake_relaxes, TICKETLOCK_SPINS_BEHIND + TICKETLOCK_SPINS);
	assert_string_equal(fake_arch_trace, "DHDH");
	assert_int_equal(slot_seen, fake_cpu.id + 1);
	assert_int_equal(l.parks, 2);
	assert_int_equal(l.kicks, 2);
	assert_int_equal(fake_wakes[0], 2); /* early by `other`, then by the phantom */
	assert_int_equal(l.holder, fake_cpu.id + 1);
	for (unsigned i = 0; i < CPU_MAX; i++)
		assert_int_equal(l.parked[i], 0);
}

/* The release that makes cpu 0 next in line lands between its cli and its
 * publish: that releaser read an empty slot and knocked no one, so cpu 0
 * must see in its re-check that it is next in line and spin, not halt
 * two behind's halt (it would sleep through its early knock). */
static void test_an_early_park_rechecks_and_spins_once_next_in_line(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("behind-recheck");

	(void)state;
	setup_two_behind(&l);
	fake_on_irq_disable = release_when_irq_off; /* `other` releases to the phantom */
	release_at = TICKETLOCK_SPINS_BEHIND + 100;
	fake_on_relax = phantom_releases_at_relax;
	ticketlock_lock(&l);
	fake_on_irq_disable = NULL;
	/* Re-checked, found itself next in line, spun until the phantom's
	 * release: no halt, no knock needed. */
	assert_string_equal(fake_arch_trace, "DE");
	assert_int_equal(fake_relaxes, TICKETLOCK_SPINS_BEHIND + 100);
	assert_int_equal(l.parks, 0);
	assert_int_equal(l.kicks, 0);
	assert_int_equal(fake_wakes[0], 0);
	assert_int_equal(l.holder, fake_cpu.id + 1);
	assert_int_equal(l.parked[2], 0);
}

/* Slot indices wrap with the tickets: ticket CPU_MAX + 1 uses slot 1. */
static void test_slots_follow_the_ticket_across_wrap(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("wrapslot");
	struct cpu c6 = { .id = 6 };

	(void)state;
	fake_cpus[6] = &c6;
	l.next = l.serving = UINT32_MAX;
	ticketlock_lock(&l);
	l.next++;
	l.parked[0] = 6 + 1; /* ticket 0 (after the wrap) parked */
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 0);
	assert_int_equal(fake_wakes[6], 1);
	assert_int_equal(l.kicks_failed, 0);
}

/* A knock the interrupt controller never took is counted. */
static void test_a_knock_that_could_not_be_sent_is_counted(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("failed");
	struct cpu c6 = { .id = 6 };

	(void)state;
	fake_cpus[6] = &c6;
	fake_wake_fails = true;
	ticketlock_lock(&l);
	l.next++;
	l.parked[1] = 6 + 1;
	ticketlock_unlock(&l);
	assert_int_equal(l.kicks, 1);
	assert_int_equal(l.kicks_failed, 1);
}

static struct ticketlock_plain *shared_plain;

static void release_at_relax_plain(void)
{
	if (fake_relaxes != release_at)
		return;
	fake_arch_set_this_cpu(&other);
	ticketlock_plain_unlock(shared_plain);
	fake_arch_set_this_cpu(NULL);
}

static void test_the_plain_ticket_lock_spins_and_never_parks(void **state)
{
	struct ticketlock_plain p = TICKETLOCK_PLAIN_INIT("plain");

	(void)state;
	shared_plain = &p;
	fake_cpus[3] = &other;
	other.self = &other;
	other.id = 3;
	fake_arch_set_this_cpu(&other);
	ticketlock_plain_lock(&p);
	fake_arch_set_this_cpu(NULL);
	fake_irq_enabled = true;
	p.l.parked[2] = 3 + 1; /* would be knocked by the parking unlock */
	release_at = 4 * TICKETLOCK_SPINS;
	fake_on_relax = release_at_relax_plain;
	ticketlock_plain_lock(&p);
	assert_int_equal(fake_relaxes, 4 * TICKETLOCK_SPINS);
	assert_string_equal(fake_arch_trace, "");
	assert_int_equal(p.l.holder, fake_cpu.id + 1);
	ticketlock_plain_unlock(&p);
	assert_int_equal(p.l.serving, 2);
	for (unsigned i = 0; i < CPU_MAX; i++)
		assert_int_equal(fake_wakes[i], 0);
}

static void test_taslock_takes_and_releases(void **state)
{
	struct taslock t = { 0 };

	(void)state;
	taslock_lock(&t);
	assert_int_equal(t.locked, 1);
	taslock_unlock(&t);
	assert_int_equal(t.locked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lock_draws_a_ticket_and_unlock_serves_the_next, setup),
		cmocka_unit_test_setup(test_tickets_wrap_around, setup),
		cmocka_unit_test_setup(test_taking_it_twice_panics_instead_of_waiting_forever,
				       setup),
		cmocka_unit_test_setup(test_release_by_a_cpu_that_does_not_hold_it_panics, setup),
		cmocka_unit_test_setup(test_taking_it_in_an_exception_handler_panics, setup),
		cmocka_unit_test_setup(test_taking_it_leaves_interrupts_alone, setup),
		cmocka_unit_test_setup(
			test_a_waiter_parks_after_its_spins_and_the_releaser_knocks_it, setup),
		cmocka_unit_test_setup(test_a_waiter_whose_turn_comes_while_it_spins_is_not_knocked,
				       setup),
		cmocka_unit_test_setup(test_the_waiter_rechecks_its_turn_before_it_halts, setup),
		cmocka_unit_test_setup(test_a_waiter_woken_by_another_interrupt_parks_again, setup),
		cmocka_unit_test_setup(test_with_interrupts_off_a_waiter_spins_and_never_halts,
				       setup),
		cmocka_unit_test_setup(
			test_the_releaser_knocks_the_served_and_the_next_ticket_only_if_parked,
			setup),
		cmocka_unit_test_setup(
			test_a_waiter_two_behind_parks_sooner_and_is_knocked_next_in_line, setup),
		cmocka_unit_test_setup(test_an_early_park_rechecks_and_spins_once_next_in_line,
				       setup),
		cmocka_unit_test_setup(test_slots_follow_the_ticket_across_wrap, setup),
		cmocka_unit_test_setup(test_a_knock_that_could_not_be_sent_is_counted, setup),
		cmocka_unit_test_setup(test_the_plain_ticket_lock_spins_and_never_parks, setup),
		cmocka_unit_test_setup(test_taslock_takes_and_releases, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
