/* Host fake of a UART: see fake_uart.h. */
#include <string.h>

#include "fake_uart.h"

static void set_client(void *hw, const struct hil_uart_client *client)
{
	struct fake_uart *u = hw;
	u->client = client;
}

static int transmit(void *hw, const uint8_t *buf, size_t len)
{
	struct fake_uart *u = hw;

	if (u->buf || !len)
		return -1;
	u->buf = buf;
	u->len = len;
	u->transmits++;
	return 0;
}

static void service(void *hw)
{
	(void)hw;
}

void fake_uart_init(struct fake_uart *u)
{
	memset(u, 0, sizeof(*u));
	u->hil = (struct hil_uart){
		.hw = u,
		.set_client = set_client,
		.transmit = transmit,
		.service = service,
	};
}

bool fake_uart_complete(struct fake_uart *u)
{
	const uint8_t *buf = u->buf;
	size_t len = u->len;

	if (!buf)
		return false;
	if (u->wire_len + len < sizeof(u->wire)) {
		memcpy(u->wire + u->wire_len, buf, len);
		u->wire_len += len;
		u->wire[u->wire_len] = '\0';
	}
	u->buf = NULL;
	u->len = 0;
	u->client->transmitted(u->client->ctx, buf, len);
	return true;
}

void fake_uart_receive(struct fake_uart *u, const void *bytes, size_t n)
{
	u->client->received(u->client->ctx, bytes, n, 0);
}
