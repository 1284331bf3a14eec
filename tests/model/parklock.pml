/*
 * The ticket lock that knocks (kernel/ticketlock.c): the ticket lock of
 * ticketlock.pml, plus parking. A waiter may stop spinning at any turn (the
 * model leaves the spin bound free, which covers every TICKETLOCK_SPINS)
 * and park, as the loop sleeps in loop.pml. The distance it parks for
 * (min) is read before, as the code reads it before its spin: 1 when it
 * was next in line then, 2 (an early park) when it was further back:
 *
 *     cli
 *     parked[ticket] = me + 1     (xchg: a full barrier)
 *     if ticket - serving >= min: sti; hlt
 *     else: sti
 *     parked[ticket] = 0
 *     ... and check the turn again
 *
 * The releaser stores serving + 1 (xchg: a release and a full barrier),
 * then reads parked[serving + 1] and, if a CPU is parked there, latches the
 * wake-up IPI at that CPU's LAPIC; then the same for parked[serving + 2],
 * the waiter now next in line (the early knock). The IPI's top half only
 * ends a `hlt`.
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
 *   MUTANT_EARLY_BEFORE_STORE    the releaser reads the early slot before
 *                                it stores `serving`: an early parker that
 *                                publishes in between sleeps next in line
 *   MUTANT_EARLY_HALTS_NEXT      an early park re-checks for its turn only,
 *                                so it halts when already next in line
 */

#define NCPU 3
#define TICKET_MOD 4

/* Tickets from CPU i's turn while it waits: 0 is its turn. */
#define DIST(i) ((tk[i] + TICKET_MOD - serving) % TICKET_MOD)

byte next;             /* the next ticket to hand out */
byte serving;          /* the ticket that may enter */
byte parked[TICKET_MOD];  /* id + 1 of the CPU parked on that ticket, 0: none */

/* Per CPU: the processor and its LAPIC */
bool IF[NCPU];
bool halted[NCPU];
bool early[NCPU];      /* ghost: halted by an early park (min 2) */
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
bool early_kick_woke;  /* witness: an early knock ended the halt of a CPU next in line */
bool early_recheck_saw_next; /* witness: an early park's re-check found it next in line */

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
	byte t, p, md;
	do
	::
		/* lock xadd */
		insn(tk[id] = next; next = (next + 1) % TICKET_MOD; arrive(id));
		do
		:: atomic { serving == tk[id] -> TAKE; enter(id) }; break
		:: atomic { serving != tk[id] -> TAKE; contended = true }  /* pause */
		:: serving != tk[id] ->
			/* the distance read before the spin: it may be stale by
			 * the time the waiter parks */
			md = (DIST(id) == 1 -> 1 : 2);
			/* park(): cli, then publish with an xchg (no other CPU
			 * looks at this CPU's IF, so the two are one step) */
			insn(IF[id] = false; parked[tk[id]] = id + 1);
#ifdef MUTANT_NO_RECHECK
			atomic { IF[id] = true; halted[id] = true; early[id] = (md == 2) }; /* sti; hlt */
#else
#ifdef MUTANT_EARLY_HALTS_NEXT
#define HALT_MIN 1
#else
#define HALT_MIN md
#endif
			if
			:: atomic { DIST(id) >= HALT_MIN -> IF[id] = true; halted[id] = true;
				    early[id] = (md == 2) }
			:: atomic { DIST(id) < HALT_MIN ->
				    recheck_saw_turn = recheck_saw_turn || serving == tk[id];
				    early_recheck_saw_next = early_recheck_saw_next || DIST(id) == 1;
				    IF[id] = true; parked[tk[id]] = 0 }
			fi;
#endif
			md = 0;
			/* halted: only a knock ends it; then the slot is cleared
			 * (merged: a releaser reading the slot in between would
			 * only send a spurious IPI) */
			if
			:: atomic { halted[id] && irr[id] -> irr[id] = false; halted[id] = false;
				    kick_woke = true;
				    early_kick_woke = early_kick_woke || DIST(id) == 1;
				    early[id] = false; parked[tk[id]] = 0 }
			:: atomic { !halted[id] -> skip }
			fi
		od;
		/* leave the critical section; ticketlock_unlock(): only the
		 * holder writes serving, so its load and the xchg that stores
		 * it are one step here */
#define READ_SLOT_AND_KNOCK(slot) \
		p = parked[slot]; \
		wrong_kick = wrong_kick || (p != 0 && !(waiting[p - 1] && tk[p - 1] == slot)); \
		if :: p != 0 -> irr[p - 1] = true :: else fi
#define EARLY (t + 1) % TICKET_MOD
#ifdef MUTANT_CHECK_BEFORE_PUBLISH
		insn(inside--; holding[id] = false; tk[id] = 0; t = (serving + 1) % TICKET_MOD);
		insn(READ_SLOT_AND_KNOCK(t));
		insn(serving = t; releasing++);
		insn(READ_SLOT_AND_KNOCK(EARLY); releasing--; t = 0; p = 0)
#elif defined(MUTANT_EARLY_BEFORE_STORE)
		insn(inside--; holding[id] = false; tk[id] = 0; t = (serving + 1) % TICKET_MOD);
		insn(READ_SLOT_AND_KNOCK(EARLY));
		insn(serving = t; releasing++);
		insn(READ_SLOT_AND_KNOCK(t); releasing--; t = 0; p = 0)
#else
		insn(inside--; holding[id] = false; tk[id] = 0; t = (serving + 1) % TICKET_MOD;
		     serving = t; releasing++);
		insn(READ_SLOT_AND_KNOCK(t));
		insn(READ_SLOT_AND_KNOCK(EARLY); releasing--; t = 0; p = 0)
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

/* An early parker is never halted next in line (or at its turn) with no
 * knock on the way: the early knock reaches it. */
#define LATE(i) (halted[i] && early[i] && DIST(i) <= 1 && !irr[i] && releasing == 0)
ltl no_late_early_park { [] !(LATE(0) || LATE(1) || LATE(2)) }

/* The releaser knocks only on the CPUs parked on the ticket it serves and
 * on the one after it. */
ltl kick_only_next_two { [] !wrong_kick }

/* Witnesses (must FAIL): the race is really reached. */
ltl witness_contended { [] !contended }
ltl witness_kick_wakes_halt { [] !kick_woke }
ltl witness_recheck_saw_turn { [] !recheck_saw_turn }
ltl witness_early_kick_wakes { [] !early_kick_woke }
ltl witness_early_recheck_saw_next { [] !early_recheck_saw_next }
