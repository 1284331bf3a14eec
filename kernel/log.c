/*
 * Leveled log (see log.h).
 *
 * panic() logs through here, so nothing in this file allocates, takes a
 * lock or can fail: a line is formatted into a buffer on the stack and
 * handed to each sink in one call, which also keeps lines from different
 * CPUs from interleaving inside a sink that writes a call at a time.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "fmt.h"
#include "log.h"
#include "string.h"

static log_sink_fn sinks[LOG_MAX_SINKS];
static int sink_count;
static log_sink_fn panic_sinks[LOG_MAX_SINKS];
static int panic_sink_count;
static bool panic_mode;
static void (*panic_flush)(void);
static enum log_level current_level = LOG_INFO;
/* Re-entrancy (kwrite() below). */
static unsigned writing; /* kwrite() calls under way (atomic) */
static char held[LOG_HELD_BYTES];
static size_t held_len;       /* bytes of held[] in use: entries of a 2-byte length and text */
static unsigned held_dropped; /* calls that did not fit, reported with the next flush */
static bool flushing_held;    /* flush_held() is handing entries on */
static unsigned long long held_writes;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

int log_add_sink(log_sink_fn sink)
{
	if (sink_count == LOG_MAX_SINKS)
		return -1;
	sinks[sink_count++] = sink;
	return 0;
}

void log_remove_all_sinks(void)
{
	writing = 0;
	held_len = 0;
	held_dropped = 0;
	sink_count = 0;
	panic_sink_count = 0;
	panic_flush = NULL;
	__atomic_store_n(&panic_mode, false, __ATOMIC_RELEASE);
}

int log_add_panic_sink(log_sink_fn sink)
{
	if (panic_sink_count == LOG_MAX_SINKS)
		return -1;
	panic_sinks[panic_sink_count++] = sink;
	return 0;
}

/* Atomic: another CPU's log call must see the switch, not a torn flag. */
void log_set_panic_flush(void (*flush)(void))
{
	panic_flush = flush;
}

void log_panic_mode(void)
{
	/* Lines queued before the panic (in the console's ring) come out
	 * first, so the report follows what led to it instead of erasing it. */
	if (!log_in_panic_mode() && panic_flush)
		panic_flush();
	__atomic_store_n(&panic_mode, true, __ATOMIC_RELEASE);
}

bool log_in_panic_mode(void)
{
	return __atomic_load_n(&panic_mode, __ATOMIC_ACQUIRE);
}

/* The sinks a line goes to now; returns how many. */
static int active_sinks(const log_sink_fn **list)
{
	if (log_in_panic_mode() && panic_sink_count > 0) {
		*list = panic_sinks;
		return panic_sink_count;
	}
	*list = sinks;
	return sink_count;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void to_sinks(const char *s, size_t n)
{
	const log_sink_fn *list;
	int count = active_sinks(&list);

	for (int i = 0; i < count; i++)
		list[i](s, n);
}

/*
 * Re-entrancy. The stall watchdog prints its report from its tick, an
 * interrupt that may land while the CPU is inside kwrite(), with a sink
 * halfway through a line (and a sink's state, a ring's indices, halfway
 * updated). Writing the report there would cut the line in two, or worse.
 * So a kwrite() that finds another one under way holds its text here, a
 * call per entry, and the kwrite() under way hands the entries on, whole
 * and in order, right after its own line. Only the boot CPU logs outside a
 * panic; a panic writes directly (it never returns to the writer it
 * interrupted) and stops the other CPUs first.
 */

bool log_writing_held(void)
{
	return flushing_held;
}

unsigned long long log_held_writes(void)
{
	return __atomic_load_n(&held_writes, __ATOMIC_RELAXED);
}

static void hold(const char *s, size_t n)
{
	__atomic_fetch_add(&held_writes, 1, __ATOMIC_RELAXED);
	if (held_len + 2 + n > sizeof(held)) {
		held_dropped++;
		return;
	}
	held[held_len] = (char)(n & 0xff);
	held[held_len + 1] = (char)(n >> 8);
	memcpy(held + held_len + 2, s, n);
	held_len += 2 + n;
}

/* Hand the held entries on, with interrupts off so that no new one lands
 * in the middle (the sinks only queue or poll: they are quick). */
static void flush_held(void)
{
	bool irq_on = arch_irq_save();

	flushing_held = true;
	for (size_t at = 0; at < held_len;) {
		size_t n = (size_t)(unsigned char)held[at] | (size_t)(unsigned char)held[at + 1]
								     << 8;
		to_sinks(held + at + 2, n);
		at += 2 + n;
	}
	held_len = 0;
	if (held_dropped) {
		char note[64];
		int n = ksnprintf(note, sizeof(note), "log: %u line%s written during a line lost\n",
				  held_dropped, held_dropped == 1 ? "" : "s");
		held_dropped = 0;
		to_sinks(note, (size_t)n);
	}
	flushing_held = false;
	arch_irq_restore(irq_on);
}

void kwrite(const char *s, size_t n)
{
	if (log_in_panic_mode()) {
		to_sinks(s, n);
		return;
	}
	if (__atomic_fetch_add(&writing, 1, __ATOMIC_ACQUIRE) != 0) {
		hold(s, n);
		__atomic_fetch_sub(&writing, 1, __ATOMIC_RELEASE);
		return;
	}
	to_sinks(s, n);
	for (;;) {
		if (__atomic_load_n(&held_len, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&held_dropped, __ATOMIC_RELAXED))
			flush_held();
		__atomic_store_n(&writing, 0, __ATOMIC_RELEASE);
		/* Held between the last look and the store above: flush it now,
		 * unless another kwrite() started meanwhile (it will). */
		if (!__atomic_load_n(&held_len, __ATOMIC_ACQUIRE))
			return;
		if (__atomic_fetch_add(&writing, 1, __ATOMIC_ACQUIRE) != 0) {
			__atomic_fetch_sub(&writing, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

/*
 * Format at buf[start..] and return the length to write. Text that does
 * not fit is cut so that it ends in "...\n": a reader sees the cut instead
 * of a line that silently runs into the next one.
 */
static size_t format_cut(char buf[LOG_LINE_MAX], size_t start, bool add_newline, const char *fmt,
			 va_list ap)
{
	static const char cut_mark[] = "...\n";
	size_t room = LOG_LINE_MAX - start;
	int n = kvsnprintf(buf + start, room, fmt, ap);
	size_t len = start + (size_t)(n < 0 ? 0 : n);

	/* It all fits when kvsnprintf stored every character (and there is
	 * then room for the newline where its NUL went). */
	if ((size_t)(n < 0 ? 0 : n) < room) {
		if (add_newline)
			buf[len++] = '\n';
		return len;
	}
	memcpy(buf + LOG_LINE_MAX - (sizeof(cut_mark) - 1), cut_mark, sizeof(cut_mark) - 1);
	return LOG_LINE_MAX;
}

void kvlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	const log_sink_fn *list;
	if (level > current_level || active_sinks(&list) == 0)
		return;

	const char *prefix = level_prefix[(unsigned)level > LOG_DEBUG ? LOG_DEBUG : level];
	size_t plen = strlen(prefix);
	/* Not a C string: format_cut() writes the rest and returns the length. */
	memcpy(line, prefix, plen); // NOLINT(bugprone-not-null-terminated-result)
	kwrite(line, format_cut(line, plen, true, fmt, ap));
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvlog(level, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	const log_sink_fn *list;
	if (active_sinks(&list) == 0)
		return;
	va_start(ap, fmt);
	size_t len = format_cut(text, 0, false, fmt, ap);
	va_end(ap);
	kwrite(text, len);
}
