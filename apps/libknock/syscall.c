/*
 * The five system calls (docs/processes.md): `syscall` with the class in
 * RAX and the arguments in RDI, RSI, RDX, R10; the result's variant comes
 * back in RAX and its values in RDI, RSI, RDX. The kernel saves and
 * restores every other register except RCX and R11, which `syscall`
 * itself uses.
 */
#include "knock.h"

enum {
	YIELD = 0,
	SUBSCRIBE = 1,
	COMMAND = 2,
	ALLOW_RW = 3,
	ALLOW_RO = 4,
	MEMOP = 5,
	EXIT = 6
};

static struct knock_result call(uint64_t cls, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t rax __asm__("rax") = cls;
	register uint64_t rdi __asm__("rdi") = a0;
	register uint64_t rsi __asm__("rsi") = a1;
	register uint64_t rdx __asm__("rdx") = a2;
	register uint64_t r10 __asm__("r10") = a3;

	/* RCX and R11 are the CPU's (the return address, RFLAGS); R8-R10
	 * come back zero (docs/processes.md, "The five calls"). */
	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
			 :
			 : "rcx", "r8", "r9", "r11", "memory");
	return (struct knock_result){ rax, { rdi, rsi, rdx } };
}

/*
 * yield may come back through an upcall: the kernel runs the upcall's
 * function on this stack (below the red zone), and it returns to the
 * instruction after `syscall` with RSP where its frame was. RBX, which
 * the function preserves, carries our RSP across; everything else the
 * function may clobber is declared so.
 */
static void yield(uint64_t kind, uint64_t flag)
{
	register uint64_t rax __asm__("rax") = YIELD;
	register uint64_t rdi __asm__("rdi") = kind;
	register uint64_t rsi __asm__("rsi") = flag;

	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "syscall\n\t"
			 "mov %%rbx, %%rsp"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi)
			 :
			 : "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

void knock_yield(void)
{
	yield(1, 0);
}

int knock_yield_no_wait(void)
{
	uint8_t ran = 0;
	yield(0, (uint64_t)(uintptr_t)&ran);
	return ran;
}

struct knock_result knock_subscribe(uint32_t driver, uint32_t n, knock_upcall fn, uint64_t ud)
{
	return call(SUBSCRIBE, driver, n, (uint64_t)(uintptr_t)fn, ud);
}

struct knock_result knock_command(uint32_t driver, uint32_t cmd, uint64_t a1, uint64_t a2)
{
	return call(COMMAND, driver, cmd, a1, a2);
}

struct knock_result knock_allow_rw(uint32_t driver, uint32_t n, void *buf, size_t len)
{
	return call(ALLOW_RW, driver, n, (uint64_t)(uintptr_t)buf, len);
}

struct knock_result knock_allow_ro(uint32_t driver, uint32_t n, const void *buf, size_t len)
{
	return call(ALLOW_RO, driver, n, (uint64_t)(uintptr_t)buf, len);
}

struct knock_result knock_memop(uint32_t op, uint64_t arg)
{
	return call(MEMOP, op, arg, 0, 0);
}

_Noreturn void knock_exit(uint64_t code)
{
	call(EXIT, 0, code, 0, 0);
	for (;;)
		;
}

_Noreturn void knock_restart(void)
{
	call(EXIT, 1, 0, 0, 0);
	for (;;)
		;
}

void knock_breakpoint(void)
{
	__asm__ volatile("int3");
}

/* Out of line and called from one place, so its labels are defined once. */
__attribute__((noinline)) int knock_driver_exists(uint32_t driver)
{
	register uint64_t rax __asm__("rax") = COMMAND;
	register uint64_t rdi __asm__("rdi") = driver;
	register uint64_t rsi __asm__("rsi") = 0; /* command 0 */
	register uint64_t rdx __asm__("rdx") = 0;
	register uint64_t r10 __asm__("r10") = 0;

	__asm__ volatile(".globl knock_exists_syscall\n"
			 "knock_exists_syscall:\n\t"
			 "syscall\n"
			 ".globl knock_exists_done\n"
			 "knock_exists_done:"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
			 :
			 : "rcx", "r8", "r9", "r11", "memory");
	return rax == 128; /* success */
}
