/*
 * hello: the smallest capsule. It prints the ready banner from a deferred
 * call, so the very first thing the loop does is dispatch a bit.
 */
#ifndef KNOCK_CAPSULES_HELLO_H
#define KNOCK_CAPSULES_HELLO_H

#include "kernel/deferred.h"

struct hello {
	struct deferred_call dc;
	const char *banner;
	unsigned printed;
};

/* Declares the deferred call and registers this capsule as its client. */
void hello_init(struct hello *h, const char *banner);
/* Ask for the banner; it is printed later, from the loop. */
void hello_start(struct hello *h);

#endif
