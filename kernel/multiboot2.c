/*
 * Multiboot2 information parser (see multiboot2.h).
 *
 * The block is untrusted bytes: every read is bounds-checked against the
 * smaller of what the caller may read and what the header claims, and goes
 * through memcpy so a misaligned field is never dereferenced directly.
 * A damaged tag stops the walk (the next tag's position depends on it);
 * a tag whose contents are wrong is only skipped.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "log.h"
#include "multiboot2.h"
#include "string.h"

#define MB2_HEADER_SIZE 8
#define MB2_TAG_HEADER_SIZE 8
#define MB2_MMAP_HEADER_SIZE 8     /* entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24      /* base, length, type, reserved */
#define MB2_FRAMEBUFFER_MIN 22     /* addr, pitch, width, height, bpp, type */
#define MB2_FRAMEBUFFER_RGB_MIN 30 /* + reserved[2], then r, g, b (position, size) */
#define MB2_MODULE_MIN 8           /* mod_start, mod_end, then the string */
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

static void warn(struct boot_info *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every problem is logged and counted, so tests can check the count. */
static void warn(struct boot_info *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvlog(LOG_WARN, fmt, ap);
	va_end(ap);
	out->warnings++;
}

/* One tag's payload (the bytes after its type and size). */
struct tag {
	uint32_t type;
	const uint8_t *data;
	size_t len;
	uintptr_t addr; /* where data is in the caller's address space */
};

/* A string tag: bounded by the tag and by the destination. */
static void parse_string(struct boot_info *out, const struct tag *t, char *dst, size_t dst_size,
			 const char *what)
{
	size_t len = strnlen((const char *)t->data, t->len);

	if (len == t->len)
		warn(out, "multiboot2: %s is not NUL-terminated", what);
	if (len > dst_size - 1) {
		warn(out, "multiboot2: %s cut to %u bytes", what, (unsigned)(dst_size - 1));
		len = dst_size - 1;
	}
	memcpy(dst, t->data, len);
	dst[len] = '\0';
}

static void parse_meminfo(struct boot_info *out, const struct tag *t)
{
	if (t->len < 8) {
		warn(out, "multiboot2: basic memory tag too short (%u bytes)", (unsigned)t->len);
		return;
	}
	out->has_meminfo = true;
	out->mem_lower_kib = load_le32(t->data);
	out->mem_upper_kib = load_le32(t->data + 4);
}

/* Returns whether the tag gave a memory map. */
static bool parse_mmap(struct boot_info *out, const struct tag *t)
{
	if (t->len < MB2_MMAP_HEADER_SIZE) {
		warn(out, "multiboot2: memory map tag too short (%u bytes)", (unsigned)t->len);
		return false;
	}
	uint32_t entry_size = load_le32(t->data);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0) {
		warn(out, "multiboot2: memory map entry size %u is invalid, map skipped",
		     entry_size);
		return false;
	}

	/* A duplicate tag replaces the earlier map rather than adding to it. */
	out->mmap_count = 0;
	out->mmap_truncated = false;
	out->usable_bytes = 0;

	size_t entries_len = t->len - MB2_MMAP_HEADER_SIZE;
	if (entries_len % entry_size != 0)
		warn(out, "multiboot2: memory map has %u trailing bytes",
		     (unsigned)(entries_len % entry_size));

	for (size_t at = MB2_MMAP_HEADER_SIZE; at + entry_size <= t->len; at += entry_size) {
		if (out->mmap_count == BOOT_MMAP_MAX) {
			out->mmap_truncated = true;
			continue;
		}
		struct boot_mmap_entry *e = &out->mmap[out->mmap_count++];
		e->base = load_le64(t->data + at);
		e->length = load_le64(t->data + at + 8);
		e->type = load_le32(t->data + at + 16);
		/* Summed over the kept regions only, so the figure matches
		 * the regions the kernel actually knows about. */
		if (e->type == MB2_MMAP_AVAILABLE)
			out->usable_bytes += e->length;
	}
	if (out->mmap_truncated)
		warn(out, "multiboot2: memory map has more than %u regions, the rest ignored",
		     (unsigned)BOOT_MMAP_MAX);
	return true;
}

/* A short RSDP tag is ignored: has_rsdp_* promises a complete copy. */
static void parse_rsdp(struct boot_info *out, const struct tag *t)
{
	if (t->type == MB2_TAG_ACPI_OLD) {
		if (t->len < RSDP_V1_SIZE) {
			warn(out, "multiboot2: ACPI old RSDP tag too short (%u bytes)",
			     (unsigned)t->len);
			return;
		}
		memcpy(out->rsdp_v1, t->data, RSDP_V1_SIZE);
		out->rsdp_v1_addr = t->addr;
		out->has_rsdp_v1 = true;
	} else {
		if (t->len < RSDP_V2_SIZE) {
			warn(out, "multiboot2: ACPI new RSDP tag too short (%u bytes)",
			     (unsigned)t->len);
			return;
		}
		memcpy(out->rsdp_v2, t->data, RSDP_V2_SIZE);
		out->rsdp_v2_addr = t->addr;
		out->has_rsdp_v2 = true;
	}
}

static void parse_framebuffer(struct boot_info *out, const struct tag *t)
{
	if (t->len < MB2_FRAMEBUFFER_MIN) {
		warn(out, "multiboot2: framebuffer tag too short (%u bytes)", (unsigned)t->len);
		return;
	}
	out->has_framebuffer = true;
	out->fb_addr = load_le64(t->data);
	out->fb_pitch = load_le32(t->data + 8);
	out->fb_width = load_le32(t->data + 12);
	out->fb_height = load_le32(t->data + 16);
	out->fb_bpp = t->data[20];
	out->fb_type = t->data[21];
	out->fb_has_rgb = false;
	if (out->fb_type != MB2_FB_TYPE_RGB)
		return;
	if (t->len < MB2_FRAMEBUFFER_RGB_MIN) {
		warn(out, "multiboot2: RGB framebuffer tag without its colour layout (%u bytes)",
		     (unsigned)t->len);
		return;
	}
	out->fb_has_rgb = true;
	out->fb_red_pos = t->data[24];
	out->fb_red_size = t->data[25];
	out->fb_green_pos = t->data[26];
	out->fb_green_size = t->data[27];
	out->fb_blue_pos = t->data[28];
	out->fb_blue_size = t->data[29];
}

/* A module (one tag per module): its bounds (mod_start, mod_end: 32-bit
 * physical addresses), and the string GRUB passes with it as its name. A
 * module past BOOT_MODULES_MAX is not kept, so the page allocator cannot
 * keep it out either: the warning says so. */
static void parse_module(struct boot_info *out, const struct tag *t)
{
	if (t->len < MB2_MODULE_MIN) {
		warn(out, "multiboot2: module tag too short (%u bytes)", (unsigned)t->len);
		return;
	}
	uint32_t start = load_le32(t->data);
	uint32_t end = load_le32(t->data + 4);
	if (end < start) {
		warn(out, "multiboot2: module [0x%x-0x%x) ends before it starts, skipped", start,
		     end);
		return;
	}
	if (out->module_count == BOOT_MODULES_MAX) {
		if (!out->modules_truncated)
			warn(out,
			     "multiboot2: more than %u modules, the rest ignored (and not kept "
			     "out of the page allocator)",
			     (unsigned)BOOT_MODULES_MAX);
		out->modules_truncated = true;
		return;
	}
	struct boot_module *m = &out->modules[out->module_count++];
	struct tag name = { t->type, t->data + MB2_MODULE_MIN, t->len - MB2_MODULE_MIN, 0 };
	m->start = start;
	m->end = end;
	parse_string(out, &name, m->name, sizeof(m->name), "module name");
}

/* Which tag types were seen, to warn about duplicates (the last wins). */
static bool seen_before(uint32_t *seen, uint32_t type)
{
	uint32_t bit = 1u << type; /* only called for types below 32 */
	bool before = (*seen & bit) != 0;
	*seen |= bit;
	return before;
}

static void parse_tag(struct boot_info *out, const struct tag *t, uint32_t *seen, bool *has_mmap)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
	case MB2_TAG_BASIC_MEMINFO:
	case MB2_TAG_MMAP:
	case MB2_TAG_FRAMEBUFFER:
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (seen_before(seen, t->type))
			warn(out, "multiboot2: duplicate tag %u, the last one wins", t->type);
		break;
	case MB2_TAG_MODULE:
		parse_module(out, t); /* one tag per module: no duplicates */
		return;
	default:
		return; /* tags we do not use (ELF sections, ...) */
	}

	switch (t->type) {
	case MB2_TAG_CMDLINE:
		parse_string(out, t, out->cmdline, sizeof(out->cmdline), "command line");
		break;
	case MB2_TAG_LOADER_NAME:
		parse_string(out, t, out->loader, sizeof(out->loader), "loader name");
		break;
	case MB2_TAG_BASIC_MEMINFO:
		parse_meminfo(out, t);
		break;
	case MB2_TAG_MMAP:
		if (parse_mmap(out, t))
			*has_mmap = true;
		break;
	case MB2_TAG_FRAMEBUFFER:
		parse_framebuffer(out, t);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_rsdp(out, t);
		break;
	}
}

int mb2_parse(const void *mbi, size_t avail, uintptr_t mbi_addr, struct boot_info *out)
{
	const uint8_t *base = mbi;

	memset(out, 0, sizeof(*out));
	if (!mbi || avail < MB2_HEADER_SIZE) {
		warn(out, "multiboot2: no information block (%u bytes available)", (unsigned)avail);
		return -1;
	}
	uint32_t total = load_le32(base);
	if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE || total > avail) {
		warn(out, "multiboot2: information size %u is invalid (%u bytes available)", total,
		     (unsigned)avail);
		return -1;
	}

	uint32_t seen = 0;
	bool has_mmap = false;
	bool has_end = false;
	bool broken = false;
	size_t off = MB2_HEADER_SIZE;
	while (off + MB2_TAG_HEADER_SIZE <= total) {
		uint32_t type = load_le32(base + off);
		uint32_t size = load_le32(base + off + 4);

		if (size < MB2_TAG_HEADER_SIZE) {
			warn(out, "multiboot2: tag %u at offset %u is too small (size %u)", type,
			     (unsigned)off, size);
			broken = true;
			break;
		}
		if (size > total - off) {
			warn(out,
			     "multiboot2: tag %u at offset %u overruns the information (size %u)",
			     type, (unsigned)off, size);
			broken = true;
			break;
		}
		if (type == MB2_TAG_END) {
			has_end = true;
			break;
		}

		struct tag t = {
			.type = type,
			.data = base + off + MB2_TAG_HEADER_SIZE,
			.len = size - MB2_TAG_HEADER_SIZE,
			.addr = mbi_addr + off + MB2_TAG_HEADER_SIZE,
		};
		parse_tag(out, &t, &seen, &has_mmap);

		off += ((size_t)size + 7) & ~(size_t)7; /* tags start 8-aligned */
	}

	/* After a broken tag the walk could not reach the end tag anyway. */
	if (!has_end && !broken)
		warn(out, "multiboot2: no end tag");
	if (!has_mmap)
		warn(out, "multiboot2: no memory map");
	return 0;
}
