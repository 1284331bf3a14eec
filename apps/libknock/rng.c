/*
 * The rng driver (TRD 104 driver 0x40001) from the app's side: allow the
 * buffer read-write, ask for n bytes, wait in yield for the upcall that
 * says how many came (or, from a source that did not answer in time, BUSY).
 */
#include "knock.h"

#define RNG 0x40001

static int done;
static uint64_t got, error;

static void rng_done(uint64_t n, uint64_t err, uint64_t a2, uint64_t ud)
{
	(void)a2;
	(void)ud;
	got = n;
	error = err;
	done = 1;
}

int knock_rng(void *buf, size_t n)
{
	struct knock_result r;

	knock_subscribe(RNG, 0, rng_done, 0);
	r = knock_allow_rw(RNG, 0, buf, n);
	if (r.variant < KNOCK_SUCCESS)
		return -(int)r.v[0];
	done = 0;
	r = knock_command(RNG, 1, n, 0);
	if (r.variant < KNOCK_SUCCESS) {
		knock_allow_rw(RNG, 0, NULL, 0);
		return -(int)r.v[0];
	}
	while (!done)
		knock_yield();
	knock_allow_rw(RNG, 0, NULL, 0);
	return error ? -(int)error : (int)got;
}
