/*
 * Fuzz the scancode set 1 decoder (capsules/scancode_set1.c) alone, and
 * check what scancode_set1.h promises for every byte:
 *   - a result's bytes and the partial sequence fit SET1_SEQ_MAX;
 *   - a key is a real key code (it has a name);
 *   - "feed again" only comes from a sequence under way and leaves the
 *     decoder idle, so feeding the byte again always ends;
 *   - the decoder is idle exactly when it reported something other than
 *     "more".
 *
 * Input: the bytes the keyboard sends, after the keyboard capsule took
 * out the protocol replies (it passes every other byte, error bytes too).
 */
#include <stdint.h>
#include <string.h>

#include "capsules/keycode.h"
#include "capsules/scancode_set1.h"
#include "tests/fuzz/fuzz.h"

static void check_result(const struct set1_decoder *d, const struct set1_result *r)
{
	uint8_t partial[SET1_SEQ_MAX];

	FUZZ_CHECK(r->seq_len <= SET1_SEQ_MAX);
	FUZZ_CHECK(set1_partial(d, partial) <= SET1_SEQ_MAX);
	FUZZ_CHECK(set1_is_idle(d) == (r->outcome != SET1_MORE));
	if (r->outcome == SET1_KEY) {
		FUZZ_CHECK(r->code > KEY_NONE && r->code < KEY_COUNT);
		FUZZ_CHECK(strcmp(key_code_name(r->code), "?") != 0);
		FUZZ_CHECK(r->seq_len >= 1);
	}
	if (r->feed_again)
		FUZZ_CHECK(r->outcome == SET1_BROKEN_E0 || r->outcome == SET1_BROKEN_E1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct set1_decoder d;
	struct set1_result r;

	set1_reset(&d);
	for (size_t i = 0; i < size; i++) {
		bool was_idle = set1_is_idle(&d);
		set1_feed(&d, data[i], &r);
		check_result(&d, &r);
		if (!r.feed_again)
			continue;
		FUZZ_CHECK(!was_idle);
		set1_feed(&d, data[i], &r);
		check_result(&d, &r);
		FUZZ_CHECK(!r.feed_again); /* the decoder was idle: never twice */
	}
	return 0;
}
