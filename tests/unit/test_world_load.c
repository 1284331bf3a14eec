/*
 * capsules/lab/world_load.h: the bake-off's seeded load as the outside
 * world plays it. Exactly the keys asked for, each a make code and its
 * break; the serial data, then the terminator, and the terminator again
 * only once the data is out; the CRC-32 of the data against one computed
 * here from the generator's definition (xorshift32 from seed 5, the low
 * byte of each step), not from the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/crc32.h"
#include "capsules/lab/world_load.h"

#define TERMINATOR "END!"

static uint32_t step(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void test_exactly_the_keys_asked_for_in_echo_lines(void **state)
{
	(void)state;
	static const uint64_t counts[] = { 0, 1, 6, 7, 40, 300 };
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct world_load w;
		world_load_init(&w, counts[c], 0, NULL);
		uint64_t n = 0;
		uint8_t make, brk;
		while (world_load_next_key(&w, &make, &brk)) {
			assert_true(n < 1000);
			assert_int_not_equal(make, 0); /* every character has a key */
			assert_int_equal(brk, make | 0x80);
			n++;
		}
		assert_int_equal(n, counts[c]);
	}
	/* The text itself: lines of "echo" and words, each ended by Enter. */
	struct world_load w;
	world_load_init(&w, 300, 0, NULL);
	char line[80];
	size_t len = 0, lines = 0;
	for (char ch; (ch = world_load_next_char(&w));) {
		if (ch != '\n') {
			assert_true(len < sizeof(line) - 1);
			line[len++] = ch;
			continue;
		}
		line[len] = 0;
		assert_memory_equal(line, "echo ", 5);
		assert_int_not_equal(line[len - 1], ' ');
		len = 0;
		lines++;
	}
	assert_true(lines >= 5);
}

static void test_data_then_terminator_and_its_crc(void **state)
{
	(void)state;
	struct world_load w;
	uint8_t byte, data[1000];
	uint32_t x = WORLD_SERIAL_SEED;

	world_load_init(&w, 0, sizeof(data), TERMINATOR);
	for (size_t i = 0; i < sizeof(data); i++) {
		assert_true(world_load_next_serial(&w, &byte));
		x = step(x);
		data[i] = (uint8_t)x;
		assert_int_equal(byte, data[i]);
	}
	for (size_t i = 0; i < strlen(TERMINATOR); i++) {
		assert_true(world_load_next_serial(&w, &byte));
		assert_int_equal(byte, (uint8_t)TERMINATOR[i]);
	}
	assert_false(world_load_next_serial(&w, &byte));
	assert_int_equal(w.data_sent, sizeof(data));
	assert_int_equal(w.data_crc, crc32_update(0, data, sizeof(data)));

	/* Again: the terminator only, and the data's count and CRC stay. */
	world_load_resend_terminator(&w);
	for (size_t i = 0; i < strlen(TERMINATOR); i++) {
		assert_true(world_load_next_serial(&w, &byte));
		assert_int_equal(byte, (uint8_t)TERMINATOR[i]);
	}
	assert_false(world_load_next_serial(&w, &byte));
	assert_int_equal(w.data_sent, sizeof(data));
	assert_int_equal(w.data_crc, crc32_update(0, data, sizeof(data)));
}

static void test_no_resend_while_data_is_left(void **state)
{
	(void)state;
	struct world_load w;
	uint8_t byte;

	world_load_init(&w, 0, 3, TERMINATOR);
	assert_true(world_load_next_serial(&w, &byte));
	world_load_resend_terminator(&w); /* ignored: two data bytes left */
	assert_true(world_load_next_serial(&w, &byte));
	assert_true(world_load_next_serial(&w, &byte));
	assert_int_equal(w.data_sent, 3);
	for (size_t i = 0; i < strlen(TERMINATOR); i++)
		assert_true(world_load_next_serial(&w, &byte));
	assert_false(world_load_next_serial(&w, &byte));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_the_keys_asked_for_in_echo_lines),
		cmocka_unit_test(test_data_then_terminator_and_its_crc),
		cmocka_unit_test(test_no_resend_while_data_is_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
