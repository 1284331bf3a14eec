/*
 * The ticker (kernel/ticker.h, docs/smp.md "The stall watchdog on every
 * CPU"): CPU T takes the watchdog's periodic tick and passes it on; it may
 * mask the tick for a sleep only while the other CPU A sleeps too, and A,
 * waking while T sleeps masked, unmasks it. The question: can A run a
 * callback while T sleeps with the tick masked for good (A's stall never
 * seen)?
 *
 * T, going to sleep (chips/x86_64/idle.h, x86_idle_tick_stays_on()):
 *   mask the tick; flag = 1 (`lock or` into T's own idle mark, whose
 *   bit TICKER_ASLEEP the flag is, kernel/ticker.h); A's idle mark down?
 *     yes: unmask; flag = 0; sleep with the tick on
 *     no:  sleep masked (only the tick wakes T: it has nothing else here);
 *          woken: unmask; flag = 0 (the loop's store of T's idle mark)
 * A, waking (ticker_note_awake()): idle = 0 (xchg); flag? clear it
 *   (`lock and`) and, if it was 1, unmask; then its callback (a_busy).
 *
 * Every shared access is a locked instruction or an MMIO write (uncached,
 * in order) or a plain load, so the model is sequentially consistent.
 *
 * Mutants (each must fail):
 *   MUTANT_MASK_AFTER_LOOK  T raises the flag and looks first, masks last:
 *                           A's unmask can land before T's mask
 *   MUTANT_CHECK_FIRST      A reads the flag before lowering its idle mark
 *   MUTANT_NO_UNMASK        A never unmasks (the flag is not there)
 */

bool masked;        /* the tick's IOAPIC pin */
bool flag;          /* T's flag: bit TICKER_ASLEEP of T's idle mark */
bool a_idle;        /* A's idle mark */
bool a_busy;        /* A is in a callback */
bool a_unmasked;    /* witness: A turned the tick on */
bool t_kept_tick;   /* witness: T saw A awake and kept its tick */

active proctype ticker()
{
	do
	:: /* go to sleep */
#ifdef MUTANT_MASK_AFTER_LOOK
		flag = true;
		if
		:: !a_idle -> flag = false; t_kept_tick = true
		:: else -> masked = true
		fi;
#else
		masked = true;
		flag = true;
		if
		:: !a_idle -> masked = false; flag = false; t_kept_tick = true
		:: else -> skip
		fi;
#endif
		/* halted until the tick comes, which needs it unmasked */
		!masked;
		/* woken by the tick: unmask (already), flag down; the tick
		 * passes on to A if A is awake */
		masked = false;
		flag = false
	od
}

active proctype other()
{
	do
	:: /* going to sleep: the idle mark up (xchg), then halted until
	    * something wakes it (its own alarm, a knock: any time) */
		a_idle = true;
		/* woken */
#ifdef MUTANT_CHECK_FIRST
		if
		:: atomic { flag -> flag = false }; masked = false; a_unmasked = true
		:: else -> skip
		fi;
		a_idle = false;
#else
		a_idle = false;
#ifndef MUTANT_NO_UNMASK
		if
		:: atomic { flag -> flag = false }; masked = false; a_unmasked = true
		:: else -> skip
		fi;
#endif
#endif
		/* a callback: maybe one that never returns */
		a_busy = true;
		if
		:: a_busy = false
		:: true -> end_stall: false /* it never returns */
		fi
	od
}

/* A stall on A is seen: while A runs a callback, the tick comes (unmasked)
 * sooner or later. */
ltl tick_reaches_busy_cpu { [] (a_busy -> <> !masked) }

/* Witnesses (must fail): A does unmask; T does keep its tick for A. */
ltl witness_other_unmasks { [] !a_unmasked }
ltl witness_ticker_keeps_tick { [] !t_kept_tick }
