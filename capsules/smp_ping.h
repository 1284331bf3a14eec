/*
 * smp_ping: the cross-CPU knock, end to end. Every online CPU knocks on
 * every other one (a cross-CPU call) and each knocked CPU answers with a
 * knock back; the CPU that started the round reports, per pair, whether
 * the answer came and how long the round trip took.
 *
 * One cross-CPU call (kernel/xcall.h) carries everything. Per-CPU
 * mailboxes of atomic masks say what a knock is for: `go` (start
 * knocking), `knocked_by` (CPUs waiting for this one's answer),
 * `answered_by` (CPUs that answered this one).
 */
#ifndef KNOCK_CAPSULES_SMP_PING_H
#define KNOCK_CAPSULES_SMP_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/cpu.h"
#include "kernel/xcall.h"

#define SMP_PING_TIMEOUT_MS 5000

struct smp_ping_result {
	uint64_t participants;             /* mask of CPUs in the round */
	unsigned pairs, answered;          /* ordered pairs (i knocks on j), answers */
	uint64_t answers[CPU_MAX];         /* answers[i] bit j: j answered i's knock */
	uint64_t rtt_us[CPU_MAX][CPU_MAX]; /* [i][j]: i's knock on j, there and back */
	uint64_t slowest_us;
};

typedef void (*smp_ping_done_fn)(void *ctx, const struct smp_ping_result *r);

/* One CPU's mailbox and its own bookkeeping, on cache lines of its own. */
struct smp_ping_cpu {
	uint32_t go;          /* atomic: knock on every other participant */
	uint64_t knocked_by;  /* atomic mask: CPUs owed an answer */
	uint64_t answered_by; /* atomic mask: CPUs that answered */
	/* This CPU's own. */
	uint64_t sent_at;             /* cycles, when it knocked */
	uint64_t got;                 /* answers so far */
	uint64_t rtt_cycles[CPU_MAX]; /* per answering CPU */
	bool done;
} __attribute__((aligned(64)));

struct smp_ping {
	struct xcall xc;
	/* The round: written by the starter before it raises the go flags. */
	uint64_t participants;
	unsigned starter;
	uint64_t finished; /* atomic mask: CPUs with every answer in */
	/* The starter's own. */
	bool running;
	bool busy;
	struct alarm_mux *mux;
	struct alarm timeout;
	smp_ping_done_fn done;
	void *done_ctx;
	struct smp_ping_result result;
	struct smp_ping_cpu cpu[CPU_MAX];
};

/* Boot CPU, before the others start: declare the call, answer it here. */
void smp_ping_init(struct smp_ping *p);
/* Every other CPU, before it goes online. */
void smp_ping_join(struct smp_ping *p);

/*
 * Knock every online CPU on every other; done(ctx, result) comes later on
 * this CPU (after SMP_PING_TIMEOUT_MS at most, if `mux` is given, with the
 * pairs that did not answer). `mux` is this CPU's and also converts the
 * round trips to microseconds. Returns -1 if a round is still going.
 */
int smp_ping_start(struct smp_ping *p, struct alarm_mux *mux, smp_ping_done_fn done, void *ctx);

#endif
