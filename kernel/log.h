/*
 * Leveled log. Each line goes to every registered sink (the pc board adds
 * the UART and the VGA console, so every log line reaches both).
 *
 * Prefixes: "error: ", "warning: ", none for info, "debug: ".
 */
#ifndef KNOCK_KERNEL_LOG_H
#define KNOCK_KERNEL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

typedef void (*log_sink_fn)(const char *s, size_t n);

#define LOG_MAX_SINKS 4
#define LOG_LINE_MAX 256
/* Text written from an interrupt while a line was being written, held
 * until that line is out (log.c): a watchdog report's worth. */
#define LOG_HELD_BYTES 4096

/* Returns 0, or -1 when all sink slots are taken. */
int log_add_sink(log_sink_fn sink);
/* Forget every sink, panic sinks included, and leave panic mode (a board
 * switching its sinks, tests). */
void log_remove_all_sinks(void);

/*
 * Panic mode. Normal sinks may queue (the console's ring, drained by the
 * UART's interrupt), and a panic runs with interrupts off and the loop
 * stopped, so its report would never come out. Panic sinks write
 * synchronously (polled UART, VGA memory). panic_enter() calls
 * log_panic_mode(); from then on every line goes to the panic sinks only,
 * or to the normal sinks if no panic sink was registered.
 */
int log_add_panic_sink(log_sink_fn sink);
void log_panic_mode(void);
/* Called once by log_panic_mode(), before the switch: the board writes out
 * synchronously whatever its normal sinks still hold queued. */
void log_set_panic_flush(void (*flush)(void));
bool log_in_panic_mode(void);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kvlog(enum log_level level, const char *fmt, va_list ap);
/* Raw output to every sink: no prefix, no newline added. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kwrite(const char *s, size_t n);

/*
 * Re-entrancy (log.c): text written from an interrupt while a line was
 * being written is held, then handed on right after that line. While it
 * is, this is true: a sink that queues (the console) must write it the
 * way it writes from an interrupt, synchronously, since the interrupted
 * writer may be a callback that keeps the loop (and so the queue's
 * drain) stuck: a stall report must come out while the stall lasts.
 */
bool log_writing_held(void);
/* kwrite() calls held so since boot (the lab's busy logs it). */
unsigned long long log_held_writes(void);

#define log_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define log_info(...) klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
