/*
 * A process's memory region and the checks of its pointers (see
 * process_memory.h). Every sum of a process's numbers is checked for
 * wrap-around before it is compared: a process controls both the address
 * and the length it passes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process_memory.h"
#include "string.h"

static uint64_t page_down(uint64_t a)
{
	return a & ~(uint64_t)(PROC_PAGE - 1);
}

/* Only called on addresses inside a region, which ends well below 2^64. */
static uint64_t page_up(uint64_t a)
{
	return page_down(a + PROC_PAGE - 1);
}

static unsigned access_of(uint32_t elf_flags)
{
	return PROC_READ | ((elf_flags & ELF_PF_W) ? PROC_WRITE : 0) |
	       ((elf_flags & ELF_PF_X) ? PROC_EXEC : 0);
}

enum proc_mem_error process_memory_init(struct process_memory *m, uint64_t base, void *kbase,
					size_t size, const struct elf_image *img, size_t stack_size)
{
	memset(m, 0, sizeof(*m));
	if (base % PROC_PAGE || (uintptr_t)kbase % PROC_PAGE || size % PROC_PAGE || size == 0 ||
	    base > UINT64_MAX - size)
		return PROC_MEM_E_ALIGN;
	uint64_t end = base + size;
	if (img->nseg == 0 || img->lo < base || img->hi > end)
		return PROC_MEM_E_IMAGE;
	/* Image, guard page, stack: each compared with what is left, no sums. */
	if (stack_size == 0 || stack_size > size)
		return PROC_MEM_E_FIT;
	uint64_t stack_bytes = page_up(stack_size);
	if (end - img->hi < PROC_PAGE || end - img->hi - PROC_PAGE < stack_bytes)
		return PROC_MEM_E_FIT;

	m->base = base;
	m->kbase = kbase;
	m->size = size;
	for (unsigned i = 0; i < img->nseg; i++) {
		m->image[i].lo = img->seg[i].vaddr;
		m->image[i].hi = img->seg[i].vaddr + img->seg[i].memsz;
		m->image[i].access = access_of(img->seg[i].flags);
	}
	m->nimage = img->nseg;
	m->image_hi = img->hi;
	m->stack_lo = img->hi + PROC_PAGE;
	m->stack_hi = m->stack_lo + stack_bytes;
	m->app_break = m->stack_hi;
	m->kernel_break = end;
	memset(kbase, 0, size);
	return PROC_MEM_OK;
}

/* The range of the process's memory that holds `a`, or NULL. */
static const struct proc_range *range_at(const struct process_memory *m, uint64_t a,
					 struct proc_range *scratch)
{
	for (unsigned i = 0; i < m->nimage; i++)
		if (a >= m->image[i].lo && a < m->image[i].hi)
			return &m->image[i];
	if (a >= m->stack_lo && a < m->app_break) {
		scratch->lo = m->stack_lo;
		scratch->hi = m->app_break;
		scratch->access = PROC_READ | PROC_WRITE;
		return scratch;
	}
	return NULL;
}

bool process_memory_check(const struct process_memory *m, uint64_t uaddr, size_t len,
			  unsigned access)
{
	if (len == 0)
		return true;
	if (uaddr > UINT64_MAX - len)
		return false;
	uint64_t end = uaddr + len;
	/* Walk the ranges the buffer crosses: adjacent segments with the
	 * rights asked for make one acceptable buffer, a gap does not. */
	while (uaddr < end) {
		struct proc_range scratch;
		const struct proc_range *r = range_at(m, uaddr, &scratch);
		if (!r || (r->access & access) != access)
			return false;
		uaddr = r->hi < end ? r->hi : end;
	}
	return true;
}

bool process_memory_translate(const struct process_memory *m, uint64_t uaddr, size_t len,
			      unsigned access, void **kptr)
{
	*kptr = NULL;
	if (!process_memory_check(m, uaddr, len, access))
		return false;
	if (len)
		*kptr = m->kbase + (uaddr - m->base);
	return true;
}

bool process_memory_brk(struct process_memory *m, uint64_t new_break)
{
	if (new_break < m->stack_hi || new_break > m->kernel_break ||
	    page_up(new_break) > page_down(m->kernel_break))
		return false;
	m->app_break = new_break;
	return true;
}

bool process_memory_sbrk(struct process_memory *m, int64_t delta, uint64_t *old_break)
{
	uint64_t b = m->app_break;
	uint64_t nb;

	*old_break = b;
	if (delta >= 0) {
		if ((uint64_t)delta > UINT64_MAX - b)
			return false;
		nb = b + (uint64_t)delta;
	} else {
		/* -(delta + 1) + 1 is |delta| without overflowing INT64_MIN. */
		uint64_t down = (uint64_t)(-(delta + 1)) + 1;
		if (down > b)
			return false;
		nb = b - down;
	}
	return process_memory_brk(m, nb);
}

void *process_memory_grant_alloc(struct process_memory *m, size_t size, size_t align)
{
	if (align == 0 || (align & (align - 1)) || align > PROC_PAGE)
		return NULL;
	uint64_t floor = page_up(m->app_break);
	if (m->kernel_break < floor || size > m->kernel_break - floor)
		return NULL;
	uint64_t at = (m->kernel_break - size) & ~(uint64_t)(align - 1);
	if (at < floor)
		return NULL;
	m->kernel_break = at;
	uint8_t *k = m->kbase + (at - m->base);
	memset(k, 0, size);
	return k;
}

void process_memory_grants_free(struct process_memory *m)
{
	m->kernel_break = m->base + m->size;
}
