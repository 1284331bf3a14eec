/*
 * Loading, restarting and stopping a process (see process.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process.h"
#include "string.h"

static const char *load_image(struct process *p)
{
	enum elf_error e = elf_parse(p->file, p->file_len, PROCESS_USER_BASE,
				     PROCESS_USER_BASE + p->region_size, &p->image);
	if (e != ELF_OK)
		return elf_error_name(e);
	switch (process_memory_init(&p->mem, PROCESS_USER_BASE, p->region, p->region_size,
				    &p->image, PROCESS_STACK_SIZE)) {
	case PROC_MEM_OK:
		break;
	case PROC_MEM_E_FIT:
		return "image and stack do not fit the process's memory";
	default:
		return "process memory misplaced"; /* a board bug: unaligned region */
	}
	e = elf_copy(&p->image, p->file, p->file_len, p->mem.kbase, p->mem.base, p->mem.size);
	if (e != ELF_OK)
		return elf_error_name(e);
	upcall_queue_clear(&p->upcalls);
	p->state = PROCESS_READY;
	return NULL;
}

const char *process_load(struct process *p, const char *name, const uint8_t *file, size_t len,
			 void *kbase, size_t size)
{
	memset(p, 0, sizeof(*p));
	size_t n = strnlen(name, PROCESS_NAME_MAX - 1);
	memcpy(p->name, name, n);
	p->name[n] = '\0';
	p->file = file;
	p->file_len = len;
	p->region = kbase;
	p->region_size = size;
	upcall_queue_init(&p->upcalls);
	grant_table_init(&p->grants);
	const char *why = load_image(p);
	if (why)
		p->state = PROCESS_EMPTY;
	return why;
}

const char *process_restart(struct process *p)
{
	/* Grants and upcalls go; their counters stay (since boot, for ps). */
	grant_table_release(&p->grants, &p->mem);
	const char *why = load_image(p);
	if (why) {
		p->state = PROCESS_FAULTED;
		return why;
	}
	p->restarts++;
	return NULL;
}

void process_stop(struct process *p, enum process_state why)
{
	upcall_queue_clear(&p->upcalls);
	grant_table_release(&p->grants, &p->mem);
	p->state = why;
}

const char *process_state_name(enum process_state s)
{
	switch (s) {
	case PROCESS_EMPTY:
		return "empty";
	case PROCESS_READY:
		return "ready";
	case PROCESS_YIELDED:
		return "yielded";
	case PROCESS_EXITED:
		return "exited";
	case PROCESS_FAULTED:
		return "faulted";
	case PROCESS_KILLED:
		return "killed";
	}
	return "?";
}
