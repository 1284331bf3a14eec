/*
 * A small printf-style formatter (see fmt.h), following glibc's output
 * wherever C99 leaves a choice, so the host tests can compare the two.
 *
 * It allocates nothing and takes no locks: panic() formats with it.
 * There is no floating point: the kernel is built -mgeneral-regs-only.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* Where the output goes: at most n-1 bytes are stored, len counts all. */
struct out {
	char *buf;
	size_t n;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

static void put_s(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put(o, s[i]);
}

/* One conversion specification, as parsed from the format. */
struct spec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	bool plus;  /* '+' */
	bool space; /* ' ' */
	bool alt;   /* '#' */
	int width;
	int precision; /* -1 when none was given */
	char length;   /* 'H' hh, 'h', 'l', 'L' ll, 'z', 'j', 't', or 0 */
};

/* Text padded to the field width with spaces ('0' is ignored, as glibc does). */
static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		put_n(o, ' ', pad);
	put_s(o, s, len);
	if (sp->left)
		put_n(o, ' ', pad);
}

/*
 * A number: [spaces] [sign] [0x] [zeros] digits [spaces]. The zeros come
 * from the precision, or from the '0' flag when no precision was given.
 */
static void put_number(struct out *o, const struct spec *sp, uint64_t mag, bool negative,
		       bool is_signed, unsigned base, bool upper)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24]; /* 2^64 has 22 octal digits */
	int nd = 0;

	/* An explicit precision of 0 prints no digits for the value 0. */
	if (mag != 0 || sp->precision != 0) {
		do {
			digits[nd++] = digit_chars[mag % base];
			mag /= base;
		} while (mag != 0);
	}

	char sign = 0;
	if (negative)
		sign = '-';
	else if (is_signed && sp->plus)
		sign = '+';
	else if (is_signed && sp->space)
		sign = ' ';

	/* "0x" only for a non-zero value; '#' with octal forces a leading 0. */
	const char *prefix = "";
	int precision = sp->precision;
	if (sp->alt && base == 16 && nd > 0 && !(nd == 1 && digits[0] == '0'))
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && (nd == 0 || digits[nd - 1] != '0') && precision <= nd)
		precision = nd + 1;

	int prefix_len = (int)(sign != 0) + (prefix[0] ? 2 : 0);
	int zeros = precision > nd ? precision - nd : 0;
	if (sp->zero && !sp->left && sp->precision < 0) {
		int used = prefix_len + zeros + nd;
		if (sp->width > used)
			zeros += sp->width - used;
	}
	int total = prefix_len + zeros + nd;
	int pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left)
		put_n(o, ' ', pad);
	if (sign)
		put(o, sign);
	put_s(o, prefix, prefix[0] ? 2 : 0);
	put_n(o, '0', zeros);
	while (nd > 0)
		put(o, digits[--nd]);
	if (sp->left)
		put_n(o, ' ', pad);
}

static int64_t signed_arg(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	/* ptrdiff_t and intmax_t are both long on x86_64, not on every ABI:
	 * the branches name the types the caller passed. */
	// NOLINTNEXTLINE(bugprone-branch-clone)
	case 'z': /* the signed size_t */
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t unsigned_arg(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	/* size_t and uintmax_t: both unsigned long on x86_64, not everywhere. */
	// NOLINTNEXTLINE(bugprone-branch-clone)
	case 'z':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	case 't':
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static int parse_decimal(const char **p)
{
	int v = 0;
	while (**p >= '0' && **p <= '9') {
		if (v < 100000000) /* clamp: no format needs a wider field */
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/*
 * Parse the flags, width, precision and length after a '%'. Leaves *p on
 * the conversion character. va_list is passed by pointer so '*' consumes
 * arguments in the caller's list (C allows passing a va_list that way).
 */
static void parse_spec(const char **p, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };

	for (;; (*p)++) {
		switch (**p) {
		case '-':
			sp->left = true;
			continue;
		case '0':
			sp->zero = true;
			continue;
		case '+':
			sp->plus = true;
			continue;
		case ' ':
			sp->space = true;
			continue;
		case '#':
			sp->alt = true;
			continue;
		}
		break;
	}

	if (**p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* a negative '*' width means '-' */
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? INT32_MAX : -sp->width;
		}
		(*p)++;
	} else {
		sp->width = parse_decimal(p);
	}

	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0) /* as if none was given */
				sp->precision = -1;
			(*p)++;
		} else {
			sp->precision = parse_decimal(p);
		}
	}

	switch (**p) {
	case 'h':
		(*p)++;
		sp->length = 'h';
		if (**p == 'h') {
			(*p)++;
			sp->length = 'H';
		}
		break;
	case 'l':
		(*p)++;
		sp->length = 'l';
		if (**p == 'l') {
			(*p)++;
			sp->length = 'L';
		}
		break;
	case 'z':
	case 'j':
	case 't':
		sp->length = *(*p)++;
		break;
	}
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
	/* glibc prints "(null)" unless the precision is too short for it. */
	if (!s)
		s = (sp->precision < 0 || sp->precision >= 6) ? "(null)" : "";

	/* Never read past the precision: the string need not be NUL-ended. */
	size_t len = 0;
	while ((sp->precision < 0 || len < (size_t)sp->precision) && s[len])
		len++;
	put_padded(o, sp, s, len);
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .n = n, .len = 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}

		const char *start = p++;
		struct spec sp;
		parse_spec(&p, &sp, &args);

		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = signed_arg(&sp, &args);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_number(&o, &sp, mag, v < 0, true, 10, false);
			break;
		}
		case 'u':
			put_number(&o, &sp, unsigned_arg(&sp, &args), false, false, 10, false);
			break;
		case 'x':
		case 'X':
			put_number(&o, &sp, unsigned_arg(&sp, &args), false, false, 16, *p == 'X');
			break;
		case 'o':
			put_number(&o, &sp, unsigned_arg(&sp, &args), false, false, 8, false);
			break;
		case 'p': {
			void *ptr = va_arg(args, void *);
			if (ptr) { /* glibc: like %#lx, but '+' and ' ' still apply */
				sp.alt = true;
				put_number(&o, &sp, (uintptr_t)ptr, false, true, 16, false);
			} else {
				sp.precision = -1;
				put_string(&o, &sp, "(nil)");
			}
			break;
		}
		case 's':
			put_string(&o, &sp, va_arg(args, const char *));
			break;
		case 'c': {
			char c = (char)va_arg(args, int);
			put_padded(&o, &sp, &c, 1);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print what there was and stop. */
			put_s(&o, start, (size_t)(p - start));
			p--;
			break;
		default:
			/* Unknown (or %n, which we refuse): print it, never skip it. */
			put_s(&o, start, (size_t)(p - start) + 1);
			break;
		}
	}
	va_end(args);

	if (n > 0)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
