/*
 * The ticket lock (kernel/ticketlock, docs/smp.md): take a ticket
 * with one fetch-and-add on `next`, spin (pause) until `serving` equals the
 * ticket, release by advancing `serving`, which only the holder writes.
 *
 * NCPU CPUs take the lock forever. Tickets wrap modulo TICKET_MOD, as a
 * fixed-width counter does: the lock stays correct as long as the counter
 * has at least as many values as there are CPUs, and the model checks the
 * wrap-around too.
 *
 * The lock never disables interrupts: top halves take no lock, so an
 * interrupt in the middle of a critical section only sets a bit and leaves
 * the lock alone. That is why interrupts do not appear here at all.
 *
 * Mutants (each must fail):
 *   MUTANT_SPLIT_FETCH_ADD  the ticket is read, then written back + 1 (two
 *                           accesses, no lock prefix): two CPUs can draw
 *                           the same ticket
 *   MUTANT_NARROW_TICKET    a counter with fewer values than CPUs
 *   MUTANT_TEST_AND_SET     a test-and-set lock (the benchmarks' baseline):
 *                           exclusive but neither FIFO nor starvation-free
 */

#define NCPU 3
#ifdef MUTANT_NARROW_TICKET
#define TICKET_MOD 2
#else
#define TICKET_MOD 4
#endif

byte next;             /* the next ticket to hand out */
byte serving;          /* the ticket that may enter */
bool tas_lock;         /* MUTANT_TEST_AND_SET only */

/* Ghost state for the properties. */
byte inside;           /* CPUs in the critical section */
bool waiting[NCPU];    /* took a ticket (or started trying), not yet inside */
bool holding[NCPU];
byte queue[NCPU];      /* CPUs in the order they took their ticket */
byte queued;
bool fifo = true;      /* every CPU entered in the order it queued */
bool contended;        /* witness: a CPU waited while another held the lock */

/* Ghost: record the order of arrival (atomic with the ticket). */
inline arrive(id)
{
	waiting[id] = true;
	queue[queued] = id;
	queued++
}

/* Ghost: entering must be the oldest waiter; take `id` out of the queue
 * (wherever it is, so a mutant that overtakes keeps a sane queue). */
byte qk;
inline enter(id)
{
	fifo = fifo && (queue[0] == id);
	qk = 0;
	do
	:: queue[qk] == id -> break
	:: else -> qk++
	od;
	do
	:: qk + 1 < queued -> queue[qk] = queue[qk + 1]; qk++
	:: else -> break
	od;
	queued--;
	queue[queued] = 0;
	qk = 0;
	waiting[id] = false;
	holding[id] = true;
	inside++
}

proctype cpu(byte id)
{
	byte ticket, t;
	do
	::
#if defined(MUTANT_TEST_AND_SET)
		atomic { arrive(id) };
		do
		:: atomic { !tas_lock -> tas_lock = true; enter(id) }; break
		:: atomic { tas_lock -> contended = true }   /* pause */
		od;
		atomic { inside--; holding[id] = false };
		tas_lock = false;
#else
#if defined(MUTANT_SPLIT_FETCH_ADD)
		atomic { t = next; arrive(id) };
		atomic { next = (t + 1) % TICKET_MOD; ticket = t; t = 0 };
#else
		/* lock xadd */
		atomic { ticket = next; next = (next + 1) % TICKET_MOD; arrive(id) };
#endif
		do
		:: atomic { serving == ticket -> enter(id) }; break
		:: atomic { serving != ticket -> contended = true }  /* pause */
		od;
		/* critical section */
		atomic { inside--; holding[id] = false };
		/* release: only the holder writes serving, so a plain load and
		 * store is enough */
		t = serving;
		atomic { serving = (t + 1) % TICKET_MOD; t = 0; ticket = 0 };
#endif
	od
}

init
{
	atomic {
		run cpu(0);
		run cpu(1);
		run cpu(2)
	}
}

ltl mutual_exclusion { [] (inside <= 1) }

/* First come, first served: a CPU enters only when every CPU that took
 * its ticket earlier has entered. */
ltl fifo_order { [] fifo }

/* Every CPU that waits eventually holds the lock (needs weak fairness:
 * see docs/verification.md). */
ltl no_starvation { [] ((waiting[0] -> <> holding[0]) && (waiting[1] -> <> holding[1]) &&
                        (waiting[2] -> <> holding[2])) }

ltl witness_contended { [] !contended }
