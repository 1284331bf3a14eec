/*
 * Fuzz the system call layer (kernel/syscall.c) with a process loaded in
 * an allocation of exactly its region, and a driver that writes every
 * byte of the read-write buffer it is given and reads every byte of the
 * read-only one. Whatever the process passes, a driver must only ever see
 * the process's own memory: ASan reports any byte outside the region, and
 * after every call the harness checks what syscall.h and
 * process_memory.h promise:
 *   - the result's variant is one TRD 104 defines;
 *   - the break and the grants never share a page, and both stay in the
 *     region;
 *   - an upcall to run is a function in the process's executable memory.
 *
 * Input: calls of 33 bytes each: the class (one byte), then four 64-bit
 * little-endian arguments, each either taken as it is or, when the
 * class byte's high bits say so, as an offset into the process's window
 * (so that valid-looking addresses are common).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/syscall.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_elf.h"

#define BASE PROCESS_USER_BASE
#define REGION (16 * PROC_PAGE)
#define RECORD 33

static uint8_t *region;
static struct process proc;
static uint8_t file[2048];
static size_t file_len;

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2);

static const struct syscall_driver drv = {
	.number = 1,
	.name = "fuzz",
	.grant = 3,
	.state_size = 40,
	.upcalls = 2,
	.allows_rw = 1,
	.allows_ro = 2,
	.command = command,
};

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	(void)ctx;
	void *w;
	const void *r;
	size_t n;
	uint8_t sum = 0;

	switch (cmd) {
	case 1:
		if (syscall_buffer_rw(&drv, p, 0, &w, &n))
			memset(w, (int)a1, n);
		return syscall_success();
	case 2:
		if (syscall_buffer_ro(&drv, p, (unsigned)(a1 & 1), &r, &n))
			for (size_t i = 0; i < n; i++)
				sum += ((const uint8_t *)r)[i];
		return syscall_success_u32(sum);
	case 3:
		syscall_schedule_upcall(&drv, p, (unsigned)(a1 & 3), a1, a2, 0);
		return syscall_success();
	case 4: {
		uint8_t *s = syscall_driver_state(&drv, p);
		if (!s)
			return syscall_failure(ERR_NOMEM);
		memset(s, 0x5a, drv.state_size);
		return syscall_success();
	}
	default:
		return cmd == 0 ? syscall_success() : syscall_failure(ERR_NOSUPPORT);
	}
}

static void load(void)
{
	FUZZ_CHECK(process_load(&proc, "fuzz", file, file_len, region, REGION) == NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t text[256] = { 0xc3 };
	static const uint8_t data[64] = { 1, 2, 3 };
	const struct fake_elf_segment seg[] = {
		{ 5, BASE, text, sizeof(text), sizeof(text) },
		{ 6, BASE + PROC_PAGE, data, sizeof(data), 2 * PROC_PAGE },
	};

	(void)argc;
	(void)argv;
	file_len = fake_elf_build(file, sizeof(file), BASE, seg, 2);
	region = aligned_alloc(PROC_PAGE, REGION);
	return 0;
}

static void check_after(enum syscall_action act, const struct syscall_result *r,
			const struct upcall *u)
{
	const struct process_memory *m = &proc.mem;
	uint64_t end = m->base + m->size;

	if (act == SYSCALL_RETURN)
		FUZZ_CHECK(
			r->variant <= SYSCALL_FAILURE_U64 ||
			(r->variant >= SYSCALL_SUCCESS && r->variant <= SYSCALL_SUCCESS_U32_U64));
	FUZZ_CHECK(m->stack_hi <= m->app_break && m->app_break <= m->kernel_break);
	FUZZ_CHECK(m->kernel_break <= end);
	FUZZ_CHECK(((m->app_break + PROC_PAGE - 1) & ~(uint64_t)(PROC_PAGE - 1)) <=
		   (m->kernel_break & ~(uint64_t)(PROC_PAGE - 1)));
	if (act == SYSCALL_UPCALL)
		FUZZ_CHECK(process_memory_check(m, u->fn, 1, PROC_READ | PROC_EXEC));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	syscall_reset_for_test();
	syscall_register(&drv);
	load();
	for (size_t at = 0; at + RECORD <= size; at += RECORD) {
		struct syscall_args a = { data[at] & 7, { 0, 0, 0, 0 } };
		for (int i = 0; i < 4; i++) {
			uint64_t v = fuzz_le(data + at + 1 + 8 * i, 8);
			/* Bits 3-6 of the class byte: argument i is an offset in the window. */
			a.a[i] = (data[at] & (8u << i)) ? BASE + (v % (REGION + PROC_PAGE)) : v;
		}
		struct syscall_result r = { 0 };
		struct upcall u = { 0 };
		enum syscall_action act = syscall_handle(&proc, &a, &r, &u);
		check_after(act, &r, &u);
		if (act == SYSCALL_EXITED || act == SYSCALL_RESTART) {
			syscall_release(&proc);
			FUZZ_CHECK(process_restart(&proc) == NULL);
		}
		if (act == SYSCALL_BLOCK)
			proc.state = PROCESS_READY; /* as if an upcall had come */
	}
	return 0;
}
