/*
 * echo: the example that reads lines. It waits for a line (the shell's
 * `input` hands it the console for one), says it back, and waits again;
 * "exit" ends it.
 */
#include "libknock/knock.h"

int main(void)
{
	char line[80];

	knock_puts("echo: waiting for a line (type 'input' at the shell)\n");
	for (;;) {
		int n = knock_read_line(line, sizeof(line) - 1);
		if (n < 0)
			return 1;
		line[n] = '\0';
		if (n == 4 && line[0] == 'e' && line[1] == 'x' && line[2] == 'i' && line[3] == 't')
			return 0;
		knock_printf("echo: %s\n", line);
	}
}
