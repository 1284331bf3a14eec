/*
 * One CPU of knock: device top halves knock (set a bit), the loop answers
 * (takes every bit at once, dispatches lowest first) and sleeps without
 * racing the next knock. The model follows kernel/loop.c
 * (loop_round_inline, loop_sleep_if_idle) and chips/x86_64/arch.c
 * (arch_irq_disable = cli, arch_irq_enable = sti,
 * arch_enable_irq_and_idle = sti; hlt) instruction by instruction where
 * the instructions matter, and in one atomic step where they do not.
 *
 * Interrupts interleave with the loop between any two of its steps while
 * IF = 1 and no `sti` shadow is active, exactly as on x86: a maskable
 * interrupt is recognised only on an instruction boundary. A top half runs
 * with IF = 0 (interrupt gate) from its `lock bts` to its `iretq`, so it is
 * one atomic step here.
 *
 * Mutants (each must fail; tests/model/run_model.py builds them with -D):
 *   MUTANT_RECHECK_IRQ_ON  pending is checked with interrupts on (no cli)
 *   MUTANT_INSN_BEFORE_HLT one instruction between sti and hlt
 *   MUTANT_CLEAR_EACH      no atomic take: read the word, then clear each
 *                          bit with a plain load/and/store before its call
 *   MUTANT_REREAD          take one bit at a time (atomically), re-reading
 *                          pending until it is empty: nothing is lost but a
 *                          busy source runs twice in a round
 */

/* bits 0 and 1: device sources (say the keyboard and the uart) */
#define DEFERRED 2     /* bit 2: a deferred call the keyboard client sets */
#define NBITS 3
#ifndef MAX_RAISE
#define MAX_RAISE 2    /* events per source: bounds the state space */
#endif
#define NONE 255

#define BIT(b) (1 << (b))

byte pending;          /* the CPU's pending word (struct cpu.pending) */
bool IF = true;        /* RFLAGS.IF */
bool shadow;           /* the one-instruction interrupt shadow of sti */
bool halted;           /* inside hlt */
byte irr;              /* interrupts requested, not yet delivered (LAPIC IRR) */

/* Ghost state: never read by the loop, only by the properties. */
byte raised[NBITS];    /* events raised by each source (its sequence counter) */
byte served[NBITS];    /* events drained by the loop (the served counter) */
byte dispatched[NBITS];/* calls of each bit in the current round */
byte last_bit = NONE;  /* the bit called last in this round */
bool in_order = true;  /* every round called its bits in increasing order */
bool held_irq_woke_hlt;/* witness: an interrupt held across sti woke hlt */
bool knocked_after_call;/* witness: a bit knocked again after its call, before
                        * the next take (so it belongs to the next round) */

/*
 * One loop instruction: it runs, then any sti shadow is over (the shadow
 * covers exactly the instruction after sti).
 */
#define insn(stmt) atomic { stmt; shadow = false }

/* x86 sti: IF = 1; interrupts stay blocked for one more instruction, but
 * only if IF was 0 before (sti with IF already set opens no shadow). */
#define STI atomic { shadow = !IF; IF = true }
#define CLI insn(IF = false)
/* hlt: the CPU halts; an interrupt held by the shadow is delivered now,
 * and any interrupt delivered while halted ends the halt. */
#define HLT atomic { held_irq_woke_hlt = held_irq_woke_hlt || (irr != 0); \
                     halted = true; shadow = false }; \
            !halted

/* A device: raises MAX_RAISE events at arbitrary times. Raising is two
 * steps (the data, then the interrupt request) so the loop can drain the
 * data before its interrupt is even requested. */
proctype device(byte b)
{
	do
	:: raised[b] < MAX_RAISE ->
		raised[b]++;
		irr = irr | BIT(b)
	:: else -> break
	od
}

/* The interrupt controller and the generated top half: deliver any
 * requested interrupt when the CPU accepts one (IF = 1, no shadow):
 * `lock bts [gs:0], bit; EOI; iretq`, which also ends a hlt. */
active proctype interrupts()
{
	byte b;
	do
	:: atomic {
		IF && !shadow && irr != 0 ->
		if
		:: irr & BIT(0) -> b = 0
		:: irr & BIT(1) -> b = 1
		fi;
		irr = irr & ~BIT(b);
		knocked_after_call = knocked_after_call || (dispatched[b] != 0);
		pending = pending | BIT(b);
		halted = false;
		b = 0
	   }
	od
}

/* A capsule's callback, one step: it drains its device (every event
 * raised so far is served: the bit carries no count), and the keyboard
 * client calls its own client back later through a deferred call, which
 * is one `lock or` on pending (deferred_call_set). */
inline call_client(b)
{
	atomic {
		dispatched[b]++;
		in_order = in_order && (last_bit == NONE || b > last_bit);
		last_bit = b;
		served[b] = raised[b];
		if
		:: b == 0 && raised[DEFERRED] < MAX_RAISE ->
			raised[DEFERRED]++;
			pending = pending | BIT(DEFERRED)
		:: else
		fi
	}
}

/* Ghost bookkeeping at the start of a round. */
#define NEW_ROUND dispatched[0] = 0; dispatched[1] = 0; dispatched[2] = 0; \
                  last_bit = NONE

/* work &= work - 1 after finding the lowest set bit (__builtin_ctzll). */
inline lowest_bit(w, b)
{
	b = 0;
	do
	:: (w & BIT(b)) != 0 -> break
	:: else -> b++
	od
}

active proctype loop()
{
	byte work, b, tmp;
	bool took;

	run device(0);
	run device(1);
round:
#if defined(MUTANT_REREAD)
	/* while (pending) { bit = lowest; lock btr; call } */
	took = false;
	do
	:: atomic { tmp = pending; shadow = false;
	            if
	            :: tmp == 0 -> goto round_done
	            :: else
	            fi;
	            if
	            :: !took -> NEW_ROUND
	            :: else
	            fi;
	            took = true;
	            lowest_bit(tmp, b);
	            pending = pending & ~BIT(b) };
		call_client(b)
	od;
round_done:
#elif defined(MUTANT_CLEAR_EACH)
	/* work = pending (a plain read); then per bit: pending &= ~bit as
	 * load, and, store, and call it. */
	insn(work = pending; NEW_ROUND);
	took = work != 0;
	do
	:: work == 0 -> break
	:: else ->
		lowest_bit(work, b);
		work = work & ~BIT(b);
		insn(tmp = pending);
		insn(pending = tmp & ~BIT(b));
		call_client(b)
	od;
#else
	/* work = xchg(&pending, 0): take everything at once */
	insn(work = pending; pending = 0; NEW_ROUND);
	took = work != 0;
	do
	:: work == 0 -> break
	:: else ->
		atomic { lowest_bit(work, b); work = work & ~BIT(b) };
		call_client(b)
	od;
#endif
	if
	:: took -> goto round
	:: else
	fi;

	/* loop_sleep_if_idle() */
#ifndef MUTANT_RECHECK_IRQ_ON
	CLI;
#endif
	insn(tmp = pending);
	if
	:: tmp != 0 ->
		STI
	:: else ->
		STI;
#ifdef MUTANT_INSN_BEFORE_HLT
		insn(skip);
#endif
		HLT
	fi;
	goto round
}

/* Every event raised is eventually served (per source). */
#define eventually_served(b) ((raised[b] != served[b]) -> <> (raised[b] == served[b]))
ltl no_lost_event {
	[] (eventually_served(0) && eventually_served(1) && eventually_served(2))
}

/* The CPU never halts with a bit pending while no interrupt is coming
 * to wake it. */
ltl no_lost_wakeup { [] !(halted && pending != 0 && irr == 0) }

/* Each bit is called at most once per round ... */
ltl once_per_round { [] (dispatched[0] <= 1 && dispatched[1] <= 1 && dispatched[2] <= 1) }

/* ... and lowest first. */
ltl lowest_first { [] in_order }

/* Witnesses: these must FAIL (the runner expects a trail). They show the
 * model really reaches the races the properties are about. */
ltl witness_held_irq_wakes_hlt { [] !held_irq_woke_hlt }
ltl witness_knocked_after_call { [] !knocked_after_call }
