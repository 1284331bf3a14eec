/* trace dump (see trace_dump.h): the rings as text, a whole line at a time. */
#include "capsules/trace_dump.h"
#include "kernel/fmt.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "kernel/string.h"
#include "kernel/trace.h"

static const struct trace_ring *ring_at(struct trace_dump *d, struct cpu **cpu_out)
{
	struct cpu *c = d->cpu(d->cpu_ctx, d->cpu_at);

	*cpu_out = c;
	return c ? trace_ring(c->id) : NULL;
}

static unsigned cpu_count(struct trace_dump *d)
{
	unsigned n = 0;
	while (d->cpu(d->cpu_ctx, n))
		n++;
	return n;
}

/* A name as one word of the dump: spaces become '_', none is "-". */
static const char *word(char *buf, size_t size, const char *s)
{
	size_t i = 0;

	if (!s || !*s)
		return "-";
	for (; s[i] && i + 1 < size; i++)
		buf[i] = (char)(s[i] == ' ' ? '_' : s[i]);
	buf[i] = '\0';
	return buf;
}

/* Format the next line into d->line; false when there is none left. */
static bool next_line(struct trace_dump *d)
{
	struct cpu *c;
	const struct trace_ring *r;
	char name[24], client[24];
	int n = 0;

	for (;;) {
		switch (d->phase) {
		case TRACE_DUMP_HEADER:
			n = ksnprintf(d->line, sizeof(d->line), "@trace 1 hz=%llu cpus=%u\n",
				      (unsigned long long)d->hz, cpu_count(d));
			d->phase = TRACE_DUMP_BITS;
			d->bit = 0;
			break;
		case TRACE_DUMP_BITS:
			for (; d->bit < PENDING_BITS; d->bit++)
				if (loop_slot_kind(d->bit) != LOOP_SLOT_FREE)
					break;
			if (d->bit == PENDING_BITS) {
				d->phase = TRACE_DUMP_CPU;
				d->cpu_at = 0;
				continue;
			}
			n = ksnprintf(d->line, sizeof(d->line), "@bit %u %s %s %s\n", d->bit,
				      loop_slot_kind(d->bit) == LOOP_SLOT_INTERRUPT ? "irq" :
										      "defer",
				      word(name, sizeof(name), loop_slot_name(d->bit)),
				      word(client, sizeof(client), loop_slot_client(d->bit)));
			d->bit++;
			break;
		case TRACE_DUMP_CPU:
			r = ring_at(d, &c);
			if (!c) {
				d->phase = TRACE_DUMP_END;
				continue;
			}
			if (!r) {
				/* A CPU without a ring recorded nothing, but it
				 * is in the header's count: an empty section. */
				n = ksnprintf(d->line, sizeof(d->line),
					      "@cpu %u events=0 overwritten=0 t0=0\n", c->id);
				d->cpu_at++;
				break;
			}
			d->seq = trace_oldest(r);
			d->prev = trace_held(r) ? r->events[d->seq % TRACE_RING_EVENTS].tsc : 0;
			n = ksnprintf(d->line, sizeof(d->line),
				      "@cpu %u events=%llu overwritten=%llu t0=%llu\n", c->id,
				      (unsigned long long)trace_held(r),
				      (unsigned long long)trace_oldest(r),
				      (unsigned long long)d->prev);
			d->phase = TRACE_DUMP_EVENTS;
			break;
		case TRACE_DUMP_EVENTS: {
			r = ring_at(d, &c);
			if (d->seq == r->head) {
				d->cpu_at++;
				d->phase = TRACE_DUMP_CPU;
				continue;
			}
			const struct trace_event *e = &r->events[d->seq++ % TRACE_RING_EVENTS];
			unsigned kind = e->kind == TRACE_FRESH ? trace_fresh_kind(e->bit) : e->kind;
			n = ksnprintf(d->line, sizeof(d->line), "@%llu %c %u %u\n",
				      (unsigned long long)(e->tsc - d->prev), kind, e->bit, e->arg);
			d->prev = e->tsc;
			break;
		}
		case TRACE_DUMP_END:
			n = ksnprintf(d->line, sizeof(d->line), "@end\n");
			d->phase = TRACE_DUMP_DONE;
			break;
		default:
			return false;
		}
		d->line_len = n > 0 ? (unsigned)n : 0;
		return true;
	}
}

/* Write lines while the console has room for whole ones. */
static void pump(struct trace_dump *d)
{
	for (;;) {
		if (!d->line_len && !next_line(d))
			break;
		/* The console turns "\n" into "\r\n": one byte more. */
		if (console_room(d->console) < d->line_len + 1) {
			if (console_notify_when_room(d->console, &d->room) != 0)
				deferred_call_set(&d->dc); /* too many waiters: retry later */
			return;
		}
		console_write(d->console, d->line, d->line_len);
		d->line_len = 0;
		d->lines++;
	}
	const struct trace_dump_client *client = d->client;
	d->phase = TRACE_DUMP_IDLE;
	d->client = NULL;
	trace_pause(false);
	if (client)
		client->done(client->ctx, d->lines);
}

static void on_room(void *ctx)
{
	pump(ctx);
}

static void dump_deferred(void *ctx)
{
	struct trace_dump *d = ctx;

	if (d->phase != TRACE_DUMP_IDLE)
		pump(d);
}

void trace_dump_init(struct trace_dump *d, struct console *console,
		     struct cpu *(*cpu)(void *ctx, unsigned index), void *cpu_ctx, uint64_t hz)
{
	memset(d, 0, sizeof(*d));
	d->console = console;
	d->cpu = cpu;
	d->cpu_ctx = cpu_ctx;
	d->hz = hz;
	d->room = (struct console_room_client){ .ctx = d, .room = on_room };
	deferred_call_init(&d->dc, "trace_dump");
	deferred_call_register(&d->dc, "trace_dump", dump_deferred, d);
}

int trace_dump_start(struct trace_dump *d, const struct trace_dump_client *client)
{
	if (d->phase != TRACE_DUMP_IDLE)
		return -1;
	trace_pause(true);
	d->client = client;
	d->phase = TRACE_DUMP_HEADER;
	d->lines = 0;
	d->line_len = 0;
	deferred_call_set(&d->dc);
	return 0;
}
