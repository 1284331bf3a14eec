/*
 * rng: the random-bytes example. Asks the rng driver (virtio-rng behind
 * it) for 16 bytes twice and prints them in hex; says so if the machine
 * has no source.
 */
#include "libknock/knock.h"

static void show(int round)
{
	uint8_t buf[16];
	int n = knock_rng(buf, sizeof(buf));

	if (n == -KNOCK_ENODEVICE) {
		knock_puts("rng: no random number source\n");
		return;
	}
	if (n == -KNOCK_EBUSY) {
		knock_puts("rng: the random number source is busy or did not answer\n");
		return;
	}
	if (n < 0) {
		knock_printf("rng: error %d\n", -n);
		return;
	}
	char hex[2 * sizeof(buf) + 1];
	for (int i = 0; i < n; i++) {
		hex[2 * i] = "0123456789abcdef"[buf[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[buf[i] & 15];
	}
	hex[2 * n] = '\0';
	knock_printf("rng %d: %s\n", round, hex);
}

int main(void)
{
	show(1);
	show(2);
	return 0;
}
