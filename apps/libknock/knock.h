/*
 * libknock: what an app includes to talk to knock (docs/processes.md).
 * The five system calls with Tock's meaning (TRD 104), the console, the
 * alarm, and a small printf. Apps include this header and nothing else.
 */
#ifndef KNOCK_APPS_LIBKNOCK_H
#define KNOCK_APPS_LIBKNOCK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* What a call returns: TRD 104's variant and up to three values. */
struct knock_result {
	uint64_t variant; /* < 128 failure (value 0 is the error code), >= 128 success */
	uint64_t v[3];
};

#define KNOCK_SUCCESS 128
#define KNOCK_EBUSY 2
#define KNOCK_EINVAL 6
#define KNOCK_ENOMEM 9
#define KNOCK_ENODEVICE 11

typedef void (*knock_upcall)(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t userdata);

/* yield: wait until an upcall has run; or run one if queued and return. */
void knock_yield(void);
/* Returns 1 if an upcall ran, 0 if there was none. */
int knock_yield_no_wait(void);
struct knock_result knock_subscribe(uint32_t driver, uint32_t n, knock_upcall fn, uint64_t ud);
struct knock_result knock_command(uint32_t driver, uint32_t cmd, uint64_t a1, uint64_t a2);
struct knock_result knock_allow_rw(uint32_t driver, uint32_t n, void *buf, size_t len);
struct knock_result knock_allow_ro(uint32_t driver, uint32_t n, const void *buf, size_t len);
struct knock_result knock_memop(uint32_t op, uint64_t arg);
/* Does driver `driver` exist? Command 0, which every driver answers with
 * success (TRD 104). Its `syscall` instruction and the next carry the
 * labels knock_exists_syscall and knock_exists_done (for `make bench`:
 * the no-op command's round trip, tools/bench_processes.py). */
int knock_driver_exists(uint32_t driver);
_Noreturn void knock_exit(uint64_t code);
_Noreturn void knock_restart(void);
/* An int3: knock reports it as the process's fault (a breakpoint). */
void knock_breakpoint(void);

/* The rng driver: fill buf with n random bytes (n at most 256). Returns
 * how many came, or minus the error code (KNOCK_ENODEVICE: no source;
 * KNOCK_EBUSY: a request is out, or the source did not answer in time). */
int knock_rng(void *buf, size_t n);

/* The console: write all of s (waits while the serial line drains). */
void knock_write(const char *s, size_t len);
void knock_puts(const char *s);
/* Read a line (no end of line, no NUL) into buf; its length, or -1. The
 * shell's `input` gives the console to the process for one line. */
int knock_read_line(char *buf, size_t cap);
int knock_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int knock_vsnprintf(char *out, size_t cap, const char *fmt, va_list ap);

size_t knock_strlen(const char *s);

/* The alarm: microseconds since boot; sleep (in yield) until a time or
 * for a while. -1 if the driver refused (more than an hour away). */
uint64_t knock_alarm_now_us(void);
int knock_alarm_sleep_until_us(uint64_t deadline);
int knock_alarm_sleep_us(uint64_t us);

/* The block device (driver 0x3), read-only: its size in sectors of
 * KNOCK_BLOCK_SECTOR bytes, or minus the error (-KNOCK_ENODEVICE: no
 * disk); read `sectors` (1 .. KNOCK_BLOCK_MAX_SECTORS) from `lba` into
 * buf, waiting in yield: 0, or the error code. */
#define KNOCK_BLOCK_SECTOR 512
#define KNOCK_BLOCK_MAX_SECTORS 8
int64_t knock_block_sectors(void);
int knock_block_read(uint64_t lba, void *buf, uint32_t sectors);

/* What every app defines; its return value is the exit code. */
int main(void);

#endif
