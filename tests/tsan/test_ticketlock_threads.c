/*
 * kernel/ticketlock.h with real threads, under ThreadSanitizer: each
 * pthread is one "CPU" (its own struct cpu through the fake arch).
 *
 * - Mutual exclusion: threads increment a plain, non-atomic counter under
 *   the lock. The total must be exact, no two threads may be inside at
 *   once, and TSan reports the counter as a data race (failing the test)
 *   if the lock ever let two in without ordering them.
 * - FIFO: while the main thread holds the lock, waiters arrive one at a
 *   time (each starts only after the previous one has drawn its ticket);
 *   they must get the lock in the order they arrived, round after round.
 * - Parking: the same, but each waiter is let in only after it has parked
 *   (halted in the fake arch until an IPI for its CPU: tests/unit/
 *   fake_arch.h); every one must get the lock in ticket order, knocked
 *   once or twice (early, then for its turn), and no halt may wait for a
 *   knock that never comes. The mutual exclusion run
 *   parks too (more threads than host cores), and it must lose no
 *   wake-up either.
 *
 * Worker threads never call cmocka (it is not thread-safe): they record,
 * the main thread checks.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "kernel/ticketlock.h"
#include "tests/unit/fake_arch.h"

#define THREADS 4
#define ITERATIONS 20000
#define FIFO_WAITERS 4
#define FIFO_ROUNDS 50
#define WAIT_LIMIT_S 30 /* a wait that takes this long is a failure, not slowness */

struct worker {
	pthread_t thread;
	struct cpu cpu;
	unsigned index;
};

static struct ticketlock lock = TICKETLOCK_INIT("tsan");

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Before the thread starts: arch_cpu(id) must find it (a releaser knocks
 * on it by id). */
static void make_cpu(struct worker *w, unsigned id)
{
	memset(&w->cpu, 0, sizeof(w->cpu));
	w->cpu.self = &w->cpu;
	w->cpu.id = id;
	fake_cpus[id] = &w->cpu;
}

/* In the thread: be that CPU, in loop context (interrupts on). */
static void be_cpu(struct worker *w)
{
	fake_arch_set_this_cpu(&w->cpu);
	fake_irq_enabled = true;
}

/* --- mutual exclusion ------------------------------------------------------ */

static uint64_t counter;    /* plain: only the lock orders the increments */
static unsigned inside;     /* plain: >1 would mean two holders */
static unsigned overlapped; /* atomic: times a holder found another inside */

static void *count_under_lock(void *arg)
{
	struct worker *w = arg;

	be_cpu(w);
	for (unsigned i = 0; i < ITERATIONS; i++) {
		ticketlock_lock(&lock);
		if (inside++ != 0)
			__atomic_fetch_add(&overlapped, 1, __ATOMIC_RELAXED);
		counter++;
		inside--;
		ticketlock_unlock(&lock);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	struct worker w[THREADS];

	(void)state;
	for (unsigned i = 0; i < THREADS; i++) {
		w[i].index = i;
		make_cpu(&w[i], i + 1);
		assert_int_equal(pthread_create(&w[i].thread, NULL, count_under_lock, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(w[i].thread, NULL);
	print_message("%u threads x %u: %llu parks, %llu knocks\n", THREADS, ITERATIONS,
		      (unsigned long long)lock.parks, (unsigned long long)lock.kicks);
	assert_int_equal(overlapped, 0);
	assert_int_equal(counter, (uint64_t)THREADS * ITERATIONS);
	assert_int_equal(lock.next, lock.serving);
	assert_int_equal(lock.holder, 0);
	assert_int_equal(__atomic_load_n(&fake_lost_wakeups, __ATOMIC_RELAXED), 0);
	/* Knocks only for parked waiters: at most two per park, the early one
	 * (next in line) and the one for its turn if it has not woken by then
	 * (a park can end without any: a waiter that saw its turn in its
	 * re-check). */
	assert_true(lock.kicks <= 2 * lock.parks);
}

/* --- FIFO order ------------------------------------------------------------ */

static unsigned order[FIFO_WAITERS]; /* who got the lock, in order: under the lock */
static unsigned granted;

static void *wait_in_line(void *arg)
{
	struct worker *w = arg;

	be_cpu(w);
	ticketlock_lock(&lock);
	order[granted++] = w->index;
	ticketlock_unlock(&lock);
	return NULL;
}

/* Until `next` shows `tickets` drawn; false after WAIT_LIMIT_S. */
static bool wait_for_tickets(uint32_t tickets)
{
	double limit = now_s() + WAIT_LIMIT_S;
	while (__atomic_load_n(&lock.next, __ATOMIC_ACQUIRE) != tickets) {
		if (now_s() > limit)
			return false;
		sched_yield();
	}
	return true;
}

static void test_fifo_order(void **state)
{
	struct worker w[FIFO_WAITERS];

	(void)state;
	fake_arch_set_this_cpu(NULL); /* the main thread is cpu 0 */
	for (unsigned round = 0; round < FIFO_ROUNDS; round++) {
		ticketlock_lock(&lock);
		uint32_t base = lock.next;
		granted = 0;
		/* Arrivals in the order 0, 1, 2, ... or reversed on odd rounds,
		 * so that thread creation order cannot explain a pass. */
		for (unsigned k = 0; k < FIFO_WAITERS; k++) {
			unsigned i = round % 2 ? FIFO_WAITERS - 1 - k : k;
			w[i].index = i;
			make_cpu(&w[i], i + 1);
			assert_int_equal(pthread_create(&w[i].thread, NULL, wait_in_line, &w[i]),
					 0);
			assert_true(wait_for_tickets(base + k + 1));
		}
		ticketlock_unlock(&lock);
		for (unsigned i = 0; i < FIFO_WAITERS; i++)
			pthread_join(w[i].thread, NULL);
		assert_int_equal(granted, FIFO_WAITERS);
		for (unsigned k = 0; k < FIFO_WAITERS; k++)
			assert_int_equal(order[k], round % 2 ? FIFO_WAITERS - 1 - k : k);
	}
}

/* --- parked waiters are knocked awake in ticket order ----------------------- */

/* Until `parks` reaches n and the parked slot of `ticket` names `cpu`
 * (the waiter is halted, or about to halt with its slot published); false
 * after WAIT_LIMIT_S. */
static bool wait_until_parked(uint64_t n, uint32_t ticket, unsigned cpu)
{
	double limit = now_s() + WAIT_LIMIT_S;
	while (__atomic_load_n(&lock.parks, __ATOMIC_ACQUIRE) < n ||
	       __atomic_load_n(&lock.parked[ticket % CPU_MAX], __ATOMIC_ACQUIRE) != cpu + 1) {
		if (now_s() > limit)
			return false;
		sched_yield();
	}
	return true;
}

static void test_parked_waiters_are_knocked_in_ticket_order(void **state)
{
	struct worker w[FIFO_WAITERS];

	(void)state;
	fake_arch_set_this_cpu(NULL);
	for (unsigned round = 0; round < FIFO_ROUNDS / 5; round++) {
		ticketlock_lock(&lock);
		uint32_t base = lock.next;
		uint64_t parks = __atomic_load_n(&lock.parks, __ATOMIC_RELAXED);
		uint64_t kicks = __atomic_load_n(&lock.kicks, __ATOMIC_RELAXED);
		unsigned wakes[FIFO_WAITERS];
		granted = 0;
		for (unsigned k = 0; k < FIFO_WAITERS; k++) {
			unsigned i = round % 2 ? FIFO_WAITERS - 1 - k : k;
			w[i].index = i;
			make_cpu(&w[i], i + 1);
			wakes[i] = __atomic_load_n(&fake_wakes[i + 1], __ATOMIC_RELAXED);
			assert_int_equal(pthread_create(&w[i].thread, NULL, wait_in_line, &w[i]),
					 0);
			assert_true(wait_until_parked(parks + k + 1, base + k, i + 1));
		}
		ticketlock_unlock(&lock);
		for (unsigned i = 0; i < FIFO_WAITERS; i++)
			pthread_join(w[i].thread, NULL);
		assert_int_equal(__atomic_load_n(&fake_lost_wakeups, __ATOMIC_RELAXED), 0);
		assert_int_equal(granted, FIFO_WAITERS);
		for (unsigned k = 0; k < FIFO_WAITERS; k++)
			assert_int_equal(order[k], round % 2 ? FIFO_WAITERS - 1 - k : k);
		/* The first in line was knocked once, for its turn. Each one
		 * behind it was knocked early, when the one before it became
		 * the holder, and again for its turn if it had not woken and
		 * cleared its slot by then: once or twice. */
		unsigned first = round % 2 ? FIFO_WAITERS - 1 : 0;
		uint64_t knocks = 0;
		for (unsigned i = 0; i < FIFO_WAITERS; i++) {
			unsigned n = fake_wakes[i + 1] - wakes[i];
			if (i == first)
				assert_int_equal(n, 1);
			else
				assert_in_range(n, 1, 2);
			knocks += n;
		}
		assert_int_equal(lock.kicks - kicks, knocks);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_parked_waiters_are_knocked_in_ticket_order),
	};
	fake_arch_reset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
