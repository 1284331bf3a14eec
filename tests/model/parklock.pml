/*
 * The ticket lock that knocks (kernel/ticketlock.c): the ticket lock of
 * ticketlock.pml, plus parking. A waiter may stop spinning at any turn (the
 * model leaves the spin bound free, which covers every TICKETLOCK_SPINS)
 * and park, as the loop sleeps in loop.pml:
 *
 *     cli
 *     parked[ticket] = me + 1     (xchg: a full barrier)
 *     if serving != ticket: sti; hlt
 *     else: sti
 *     parked[ticket] = 0
 *     ... and check the turn again
 *
 * The releaser stores serving + 1 (xchg: a release and a full barrier),
 * then reads parked[serving + 1] and, if a CPU is parked there, latches the
 * wake-up IPI at that CPU's LAPIC. The IPI's top half only ends a `hlt`.
 *
 * Each CPU has its own interrupt flag, `sti` shadow and latched IPI (see
 * TAKE below), modelled as in loop.pml and cross_cpu.pml. No other
 * interrupt source is modelled: a timer would end every halt sooner or
 * later and hide a lost wake-up.
 *
 * NCPU CPUs take the lock forever; tickets wrap modulo TICKET_MOD, and
 * there is one parked slot per ticket value (the code has one per CPU_MAX
 * tickets, CPU_MAX >= the CPUs, which is the same as long as no two
 * outstanding tickets share a slot).
 *
 * Mutants (each must fail):
 *   MUTANT_CHECK_BEFORE_PUBLISH  the releaser reads the parked slot before
 *                                it stores `serving`: a waiter that
 *                                publishes in between is never knocked
 *   MUTANT_NO_RECHECK            the waiter halts without re-checking its
 *                                turn after publishing
 */

#define NCPU 3
#define TICKET_MOD 4

byte next;             /* the next ticket to hand out */
byte serving;          /* the ticket that may enter */
byte parked[TICKET_MOD];  /* id + 1 of the CPU parked on that ticket, 0: none */

/* Per CPU: the processor and its LAPIC */
bool IF[NCPU];
bool halted[NCPU];
bool irr[NCPU];        /* a wake-up IPI latched, not yet taken */

/* Ghost state for the properties. */
byte tk[NCPU];         /* each CPU's ticket while it waits */
byte inside;
bool waiting[NCPU];
bool holding[NCPU];
byte queue[NCPU];
byte queued;
bool fifo = true;
byte releasing;        /* releasers that stored serving and have not yet knocked or
                          decided not to (several: a slow one's successor may
                          release too before it gets there) */
bool wrong_kick;       /* a releaser's slot named a CPU not waiting on its ticket */
bool contended;        /* witness: a CPU spun while another held the lock */
bool kick_woke;        /* witness: a knock ended a halt */
bool recheck_saw_turn; /* witness: the re-check after publishing found the turn come */

inline arrive(id)
{
	waiting[id] = true;
	queue[queued] = id;
	queued++
}

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

/*
 * CPU id's LAPIC: a latched IPI is taken at the CPU's next instruction
 * boundary with IF = 1 (x86 takes a pending interrupt before the next
 * instruction), so every step of the CPU begins with TAKE. Taken while
 * running, the IPI only acknowledges (EOI; iretq); the one that matters is
 * held while IF = 0 and taken inside the `hlt`. `sti; hlt` is one step:
 * the sti shadow guarantees that nothing runs between them (loop.pml
 * checks the pair itself, with its shadow).
 */
#define TAKE if :: IF[id] && irr[id] -> irr[id] = false :: else fi
#define insn(stmt) atomic { TAKE; stmt }

proctype cpu(byte id)
{
	byte t, p;
	do
	::
		/* lock xadd */
		insn(tk[id] = next; next = (next + 1) % TICKET_MOD; arrive(id));
		do
		:: atomic { serving == tk[id] -> TAKE; enter(id) }; break
		:: atomic { serving != tk[id] -> TAKE; contended = true }  /* pause */
		:: serving != tk[id] ->
			/* park(): cli, then publish with an xchg (no other CPU
			 * looks at this CPU's IF, so the two are one step) */
			insn(IF[id] = false; parked[tk[id]] = id + 1);
#ifdef MUTANT_NO_RECHECK
			atomic { IF[id] = true; halted[id] = true };          /* sti; hlt */
#else
			if
			:: atomic { serving != tk[id] -> IF[id] = true; halted[id] = true }
			:: atomic { serving == tk[id] -> recheck_saw_turn = true; IF[id] = true;
				    parked[tk[id]] = 0 }
			fi;
#endif
			/* halted: only the knock ends it; then the slot is cleared
			 * (merged: a releaser reading the slot in between would
			 * only send a spurious IPI) */
			if
			:: atomic { halted[id] && irr[id] -> irr[id] = false; halted[id] = false;
				    kick_woke = true; parked[tk[id]] = 0 }
			:: atomic { !halted[id] -> skip }
			fi
		od;
		/* leave the critical section; ticketlock_unlock(): only the
		 * holder writes serving, so its load and the xchg that stores
		 * it are one step here */
#define READ_SLOT_AND_KNOCK insn(p = parked[t]; \
		wrong_kick = wrong_kick || (p != 0 && !(waiting[p - 1] && tk[p - 1] == t)); \
		if :: p != 0 -> irr[p - 1] = true :: else fi; \
		releasing = (releasing > 0 -> releasing - 1 : 0); t = 0; p = 0)
#ifdef MUTANT_CHECK_BEFORE_PUBLISH
		insn(inside--; holding[id] = false; tk[id] = 0; t = (serving + 1) % TICKET_MOD);
		READ_SLOT_AND_KNOCK;
		insn(serving = (serving + 1) % TICKET_MOD)
#else
		insn(inside--; holding[id] = false; tk[id] = 0; t = (serving + 1) % TICKET_MOD;
		     serving = t; releasing++);
		READ_SLOT_AND_KNOCK
#endif
	od
}

init
{
	atomic {
		IF[0] = true; IF[1] = true; IF[2] = true;
		run cpu(0);
		run cpu(1);
		run cpu(2)
	}
}

ltl mutual_exclusion { [] (inside <= 1) }

ltl fifo_order { [] fifo }

/* Every CPU that waits eventually holds the lock (weak fairness). */
ltl no_starvation { [] ((waiting[0] -> <> holding[0]) && (waiting[1] -> <> holding[1]) &&
                        (waiting[2] -> <> holding[2])) }

/* No CPU is halted when its turn has come with no knock on the way
 * (latched at its LAPIC, or about to be sent by the releaser). */
#define LOST(i) (halted[i] && waiting[i] && serving == tk[i] && !irr[i] && releasing == 0)
ltl no_lost_wakeup { [] !(LOST(0) || LOST(1) || LOST(2)) }

/* The releaser knocks only on the CPU parked on the next ticket. */
ltl kick_only_next { [] !wrong_kick }

/* Witnesses (must FAIL): the race is really reached. */
ltl witness_contended { [] !contended }
ltl witness_kick_wakes_halt { [] !kick_woke }
ltl witness_recheck_saw_turn { [] !recheck_saw_turn }
