/*
 * The cross-CPU knock (docs/smp.md): a CPU S asks another CPU T to do work
 * by setting a bit in T's pending word (`lock or`) and then sending T a
 * wake-up IPI, whose top half is only EOI and iretq (the bit is already
 * set). T runs the loop of loop.pml: take all, call, and the sleep sequence
 * cli; check pending; sti; hlt with the sti shadow.
 *
 * The question is whether T can sleep through the knock. The base model
 * (always send the IPI) must pass. The IPI is an optimisation target
 * (issue 6: "skip it when the target is running"), and whether skipping is
 * safe depends entirely on how S decides that T is awake, so each way is a
 * variant here:
 *
 *   VARIANT_SKIP_IPI_FLAG    safe, must PASS. T publishes `asleep = 1` with
 *                            an xchg (a full barrier) *before* its re-check
 *                            of pending, and clears it after waking (or on
 *                            the no-sleep path). S sets the bit with its
 *                            `lock or` (also a full barrier) and then reads
 *                            `asleep`; it skips the IPI only if it reads 0.
 *                            Each side stores, then loads what the other
 *                            stores, both behind a barrier: at least one of
 *                            them sees the other (S sees asleep = 1 and
 *                            sends, or T's re-check sees the bit).
 *
 * Mutants (each must fail):
 *   MUTANT_NO_IPI            the bit alone, no IPI
 *   MUTANT_IPI_BEFORE_BIT    the IPI first, then the bit
 *   MUTANT_SKIP_IPI_COUNTERS awake means cpu->sleeps == cpu->wakeups, which
 *                            kernel/loop.c counts *after* its re-check:
 *                            T checks, S sets the bit and reads "awake",
 *                            T counts the sleep and halts
 *   MUTANT_SKIP_IPI_UNFENCED the flag of VARIANT_SKIP_IPI_FLAG written with
 *                            a plain mov: x86 (TSO) lets the store sit in
 *                            T's store buffer while T's later load of
 *                            pending goes ahead (the store-buffer litmus)
 *   MUTANT_SKIP_IPI_CHECK_FIRST the flag as in VARIANT_SKIP_IPI_FLAG, but S
 *                            reads it before setting the bit
 *
 * Memory: every access to pending is a locked instruction or a plain load,
 * and the only plain store that another CPU reads is T's `asleep` flag, so
 * the model is sequentially consistent except for that one store, which
 * MUTANT_SKIP_IPI_UNFENCED sends through a one-entry store buffer.
 */

#if defined(MUTANT_SKIP_IPI_COUNTERS) || defined(MUTANT_SKIP_IPI_UNFENCED) || \
    defined(MUTANT_SKIP_IPI_CHECK_FIRST)
#define SKIP_IPI 1
#elif defined(VARIANT_SKIP_IPI_FLAG)
#define SKIP_IPI 1
#endif

#define REMOTE 1       /* T's pending bit for S's cross-CPU deferred call */
#define BIT_REMOTE (1 << REMOTE)
#ifndef MAX_KNOCK
#define MAX_KNOCK 2    /* knocks S sends: bounds the state space */
#endif

/* T, the target CPU */
byte pending;          /* T's pending word */
bool IF = true;
bool shadow;
bool halted;
bool ipi_irr;          /* the wake-up IPI is requested at T's LAPIC */
bool asleep;           /* the "T is asleep" flag, as S reads it from memory */
bool sb_full;          /* MUTANT_SKIP_IPI_UNFENCED: T's buffered store */
bool sb_value;

/* Ghost state */
byte raised;           /* work S has handed to T */
byte served;           /* work T has done */
bool in_flight;        /* S has set the bit and not yet sent or skipped the IPI */
bool ipi_woke_halt;    /* witness: the IPI woke a halted T */
bool ipi_skipped;      /* witness: S skipped an IPI (the optimisation acted) */

#define insn(stmt) atomic { stmt; shadow = false }
#define STI atomic { shadow = !IF; IF = true }
#define CLI insn(IF = false)
#define HLT atomic { halted = true; shadow = false }; !halted

/* T's plain store to its flag. Under TSO it may wait in the store buffer
 * (MUTANT_SKIP_IPI_UNFENCED); stores leave the buffer in order. */
#ifdef MUTANT_SKIP_IPI_UNFENCED
#define STORE_ASLEEP(v) insn(if :: sb_full -> asleep = sb_value :: else fi; \
                             sb_full = true; sb_value = v)
active proctype store_buffer()
{
	do
	:: atomic { sb_full -> asleep = sb_value; sb_full = false }
	od
}
#else
#define STORE_ASLEEP(v) insn(asleep = v)
#endif
/* xchg: a locked store, globally visible before the next instruction */
#define XCHG_ASLEEP(v) insn(asleep = v)

/* T's LAPIC and the IPI's top half (EOI; iretq): it only wakes T. */
active proctype t_interrupts()
{
	do
	:: atomic {
		IF && !shadow && ipi_irr ->
		ipi_irr = false;
		ipi_woke_halt = ipi_woke_halt || halted;
		halted = false
	   }
	od
}

#ifdef SKIP_IPI
#define SEND_OR_SKIP(saw_asleep) \
	if \
	:: saw_asleep -> atomic { ipi_irr = true; in_flight = false } \
	:: else -> atomic { in_flight = false; ipi_skipped = true } \
	fi
#endif

/* S: another CPU's capsule hands T work MAX_KNOCK times. */
active proctype sender()
{
	bool saw;
	do
	:: raised < MAX_KNOCK ->
		raised++;      /* the work item, stored before the bit */
#if defined(MUTANT_NO_IPI)
		atomic { pending = pending | BIT_REMOTE; in_flight = true };
		in_flight = false
#elif defined(MUTANT_IPI_BEFORE_BIT)
		ipi_irr = true;
		pending = pending | BIT_REMOTE
#elif defined(MUTANT_SKIP_IPI_CHECK_FIRST)
		saw = asleep;
		atomic { pending = pending | BIT_REMOTE; in_flight = true };
		SEND_OR_SKIP(saw);
		saw = false
#elif defined(SKIP_IPI)
		atomic { pending = pending | BIT_REMOTE; in_flight = true };
		saw = asleep;
		SEND_OR_SKIP(saw);
		saw = false
#else
		atomic { pending = pending | BIT_REMOTE; in_flight = true };
		atomic { ipi_irr = true; in_flight = false }
#endif
	:: else -> break
	od
}

/* T's loop: kernel/loop.c loop_run() with one client. */
active proctype target()
{
	byte work, tmp;
round:
	insn(work = pending; pending = 0);     /* xchg */
	if
	:: work != 0 ->
		atomic { served = raised; work = 0 };   /* the client drains its work */
		goto round
	:: else
	fi;

	/* loop_sleep_if_idle() */
	CLI;
#if defined(VARIANT_SKIP_IPI_FLAG) || defined(MUTANT_SKIP_IPI_CHECK_FIRST)
	XCHG_ASLEEP(true);
#elif defined(MUTANT_SKIP_IPI_UNFENCED)
	STORE_ASLEEP(true);
#endif
	insn(tmp = pending);
	if
	:: tmp != 0 ->
#if defined(VARIANT_SKIP_IPI_FLAG) || defined(MUTANT_SKIP_IPI_CHECK_FIRST) || \
    defined(MUTANT_SKIP_IPI_UNFENCED)
		STORE_ASLEEP(false);
#endif
		STI
	:: else ->
#ifdef MUTANT_SKIP_IPI_COUNTERS
		insn(asleep = true);            /* cpu->sleeps++ */
#endif
		STI;
		HLT;
#ifdef SKIP_IPI
		STORE_ASLEEP(false)             /* cpu->wakeups++, or clear the flag */
#else
		skip
#endif
	fi;
	tmp = 0;
	goto round
}

/* Every piece of work handed to T is eventually done. */
ltl no_lost_event { [] ((raised != served) -> <> (raised == served)) }

/* T never halts with its bit set while no IPI is on its way (requested at
 * its LAPIC, or about to be sent by S). */
ltl no_lost_wakeup { [] !(halted && pending != 0 && !ipi_irr && !in_flight) }

/* Witnesses (must FAIL): the IPI really wakes a halted T, and in the
 * skipping variants the IPI really is skipped sometimes. */
ltl witness_ipi_wakes_halt { [] !ipi_woke_halt }
ltl witness_ipi_skipped { [] !ipi_skipped }
