/*
 * A process, the portable half: its name, state, memory region, upcall
 * queue, grants and counters. What the CPU needs to run it (registers,
 * page tables) is the chip's (chips/x86_64/), kept beside it by the
 * board. docs/processes.md has the model.
 *
 * Touched only by the loop of the CPU that loaded it: no lock.
 */
#ifndef KNOCK_KERNEL_PROCESS_H
#define KNOCK_KERNEL_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "grant.h"
#include "process_memory.h"
#include "upcall_queue.h"

#define PROCESS_NAME_MAX 32
/* The user address every process's region starts at (PML4 entry 1). */
#define PROCESS_USER_BASE 0x8000000000ull
/* The stack every process gets under its heap. */
#define PROCESS_STACK_SIZE ((size_t)8 * PROC_PAGE)

enum process_state {
	PROCESS_EMPTY = 0, /* no process in this slot */
	PROCESS_READY,     /* may run: started, preempted, or returned from a call */
	PROCESS_YIELDED,   /* waiting in yield for an upcall */
	PROCESS_EXITED,    /* called exit; its memory is kept for `restart` */
	PROCESS_FAULTED,   /* stopped by a fault (policy stop) */
	PROCESS_KILLED,    /* stopped from the shell */
};

struct process {
	char name[PROCESS_NAME_MAX];
	enum process_state state;
	/* The ELF file, kept to restart from (a GRUB module stays in memory). */
	const uint8_t *file;
	size_t file_len;
	struct elf_image image;
	/* Its region, as the board gave it (the kernel's address, bytes). */
	uint8_t *region;
	size_t region_size;
	struct process_memory mem;
	struct upcall_queue upcalls;
	struct grant_table grants;
	/* Since boot, for `ps`: */
	uint64_t syscalls;
	uint64_t faults;
	uint64_t restarts;
	uint64_t exit_code; /* the last exit's completion code */
};

/*
 * Load `file` into a fresh process: check the ELF (its segments must lie
 * in the region [PROCESS_USER_BASE, + size)), lay out and zero the region
 * at `kbase`, copy the image in. On an error the process stays EMPTY and
 * the returned string says why (a short English phrase); NULL on success.
 */
const char *process_load(struct process *p, const char *name, const uint8_t *file, size_t len,
			 void *kbase, size_t size);

/* Start the process again from its file: same region, zeroed, grants and
 * upcalls freed, counters kept (restarts + 1). Returns what process_load
 * returns. */
const char *process_restart(struct process *p);

/* Stop it for good (exit, fault, kill): upcalls dropped, grants freed. */
void process_stop(struct process *p, enum process_state why);

/* The state's name for `ps`: "ready", "yielded", ... */
const char *process_state_name(enum process_state s);

#endif
