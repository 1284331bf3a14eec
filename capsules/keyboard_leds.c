/* The LED exchange as a state machine (see keyboard_leds.h). */
#include "capsules/keyboard_leds.h"

#include "kernel/log.h"
#include "kernel/string.h"

enum leds_state {
	LEDS_IDLE = 0,      /* keyboard_leds_byte() in the header knows it is 0 */
	LEDS_WAIT_CMD_ACK,  /* ed sent */
	LEDS_WAIT_MASK_ACK, /* mask sent */
};

void keyboard_leds_init(struct keyboard_leds *l, const struct hil_ps2 *ps2)
{
	memset(l, 0, sizeof(*l));
	l->ps2 = *ps2;
}

bool keyboard_leds_busy(const struct keyboard_leds *l)
{
	return l->state != LEDS_IDLE;
}

/* Send the next byte of the exchange; on refusal abandon the exchange
 * (nothing would ever move it on: no reply comes for a byte never sent). */
static void send_byte(struct keyboard_leds *l, uint8_t byte, enum leds_state next)
{
	l->last_sent = byte;
	l->bytes_waited = 0;
	if (l->ps2.send(l->ps2.hw, byte) != 0) {
		l->stats.send_failures++;
		log_warn("keyboard: controller refused LED byte %02x; LEDs may be wrong", byte);
		l->state = LEDS_IDLE;
		return;
	}
	l->state = next;
}

static void start(struct keyboard_leds *l)
{
	l->stats.commands++;
	l->in_flight = l->wanted;
	l->resends_of_byte = 0;
	send_byte(l, LEDS_CMD_SET, LEDS_WAIT_CMD_ACK);
}

void keyboard_leds_set(struct keyboard_leds *l, uint8_t mask)
{
	l->wanted = mask;
	if (l->state == LEDS_IDLE)
		start(l);
}

static void on_ack(struct keyboard_leds *l)
{
	l->resends_of_byte = 0;
	if (l->state == LEDS_WAIT_CMD_ACK) {
		send_byte(l, l->in_flight, LEDS_WAIT_MASK_ACK);
		return;
	}
	l->state = LEDS_IDLE;
	l->stats.completed++;
	if (l->wanted != l->in_flight)
		start(l);
}

static void on_resend(struct keyboard_leds *l)
{
	if (l->resends_of_byte >= LEDS_MAX_RESENDS) {
		l->stats.give_ups++;
		log_warn("keyboard: keyboard asked for LED byte %02x again %u times; giving up",
			 l->last_sent, (unsigned)l->resends_of_byte + 1);
		l->state = LEDS_IDLE;
		return;
	}
	l->resends_of_byte++;
	l->stats.resends++;
	send_byte(l, l->last_sent, l->state);
	/* send_byte reset the patience; keep counting resends of this byte. */
}

bool keyboard_leds_reply(struct keyboard_leds *l, uint8_t byte)
{
	if (l->state == LEDS_IDLE)
		return false;
	if (byte == LEDS_REPLY_ACK) {
		on_ack(l);
		return true;
	}
	if (byte == LEDS_REPLY_RESEND) {
		on_resend(l);
		return true;
	}
	if (++l->bytes_waited >= LEDS_PATIENCE_BYTES) {
		l->stats.lost_replies++;
		log_warn("keyboard: no reply to LED byte %02x after %u other bytes; giving up",
			 l->last_sent, (unsigned)l->bytes_waited);
		l->state = LEDS_IDLE;
	}
	return false;
}
