/*
 * ANSI/VT input parser (see ansi_parse.h): a small state machine after
 * ECMA-48's shape (ground, escape, CSI with parameters, SS3), reduced to
 * the keys a line editor needs, and strict about everything else.
 */
#include "capsules/ansi_parse.h"
#include "kernel/string.h"

#define ESC 0x1b
#define CAN 0x18 /* cancels a sequence (ECMA-48) */
#define SUB 0x1a /* likewise */

void ansi_parser_init(struct ansi_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = ANSI_GROUND;
}

static bool emit(struct ansi_parser *p, struct line_input *out, enum line_key key, char ch)
{
	out->key = key;
	out->ch = ch;
	p->stats.events++;
	return true;
}

static bool is_control(uint8_t b)
{
	return b < 0x20 || b == 0x7f;
}

static void start_sequence(struct ansi_parser *p, enum ansi_state state)
{
	p->state = state;
	if (state == ANSI_ESCAPE)
		p->length = 1; /* later bytes are counted as they come */
	p->nparams = 0;
	p->private_marker = false;
	memset(p->params, 0, sizeof(p->params));
}

static void drop_sequence(struct ansi_parser *p, bool malformed)
{
	if (malformed)
		p->stats.malformed++;
	else
		p->stats.unsupported++;
	p->state = ANSI_GROUND;
}

static bool ground(struct ansi_parser *p, uint8_t b, struct line_input *out)
{
	bool after_cr = p->after_cr;

	p->after_cr = false;
	if (b >= 0x20 && b <= 0x7e)
		return emit(p, out, LINE_KEY_CHAR, (char)b);
	switch (b) {
	case '\r':
		p->after_cr = true;
		return emit(p, out, LINE_KEY_ENTER, 0);
	case '\n':
		if (after_cr)
			return false; /* the second half of CR LF */
		return emit(p, out, LINE_KEY_ENTER, 0);
	case 0x7f:
	case 0x08:
		return emit(p, out, LINE_KEY_BACKSPACE, 0);
	case 0x03:
		return emit(p, out, LINE_KEY_CANCEL, 0);
	case 0x15:
		return emit(p, out, LINE_KEY_KILL, 0);
	case 0x01:
		return emit(p, out, LINE_KEY_HOME, 0);
	case 0x05:
		return emit(p, out, LINE_KEY_END, 0);
	case 0x00:
		/* NUL: the line editor decides (padding between lines, a
		 * refused line inside one: line_editor.h). */
		return emit(p, out, LINE_KEY_CHAR, '\0');
	case ESC:
		start_sequence(p, ANSI_ESCAPE);
		return false;
	default:
		p->stats.ignored++;
		return false;
	}
}

/* A final byte of an arrow/Home/End key, shared by CSI and SS3. */
static bool cursor_key(uint8_t final, enum line_key *key)
{
	switch (final) {
	case 'A':
		*key = LINE_KEY_UP;
		return true;
	case 'B':
		*key = LINE_KEY_DOWN;
		return true;
	case 'C':
		*key = LINE_KEY_RIGHT;
		return true;
	case 'D':
		*key = LINE_KEY_LEFT;
		return true;
	case 'H':
		*key = LINE_KEY_HOME;
		return true;
	case 'F':
		*key = LINE_KEY_END;
		return true;
	default:
		return false;
	}
}

/* ESC [ n ~ : the VT220 editing keypad. */
static bool tilde_key(unsigned n, enum line_key *key)
{
	switch (n) {
	case 1:
	case 7:
		*key = LINE_KEY_HOME;
		return true;
	case 4:
	case 8:
		*key = LINE_KEY_END;
		return true;
	case 3:
		*key = LINE_KEY_DELETE;
		return true;
	default:
		return false; /* 2 Insert, 5/6 PgUp/PgDn, function keys */
	}
}

static bool csi_final(struct ansi_parser *p, uint8_t final, struct line_input *out)
{
	enum line_key key;
	bool known;

	p->state = ANSI_GROUND;
	if (p->private_marker)
		known = false;
	else if (final == '~')
		known = p->nparams > 0 && tilde_key(p->params[0], &key);
	else
		known = cursor_key(final, &key);
	if (!known) {
		p->stats.unsupported++;
		return false;
	}
	return emit(p, out, key, 0);
}

/* Parameter bytes 0x30-0x3f: digits, ';' between numbers, and the private
 * markers '<' '=' '>' '?' (only first). Returns false if malformed. */
static bool csi_param(struct ansi_parser *p, uint8_t b)
{
	bool first = p->length == 3; /* ESC [ counted, this byte counted */

	if (b >= '0' && b <= '9') {
		if (p->nparams == 0)
			p->nparams = 1;
		unsigned *v = &p->params[p->nparams - 1];
		*v = *v * 10 + (unsigned)(b - '0');
		return *v <= ANSI_PARAM_MAX;
	}
	if (b == ';') {
		if (p->nparams == 0)
			p->nparams = 1; /* an empty first parameter is a default 0 */
		if (p->nparams == ANSI_MAX_PARAMS)
			return false;
		p->nparams++;
		return true;
	}
	if (b >= '<' && b <= '?' && first) {
		p->private_marker = true;
		return true;
	}
	return false; /* ':' sub-parameters, or a marker in the middle */
}

bool ansi_parse_byte(struct ansi_parser *p, uint8_t b, struct line_input *out)
{
	if (p->state == ANSI_GROUND)
		return ground(p, b, out);

	p->after_cr = false;
	/* A control or non-ASCII byte ends any sequence; ESC starts a new one,
	 * CAN and SUB just cancel, everything else is then taken on its own. */
	if (is_control(b) || b >= 0x80) {
		drop_sequence(p, true);
		if (b == CAN || b == SUB)
			return false;
		return ground(p, b, out);
	}
	p->length++;

	switch (p->state) {
	case ANSI_ESCAPE:
		if (b == '[') {
			start_sequence(p, ANSI_CSI);
			return false;
		}
		if (b == 'O') {
			start_sequence(p, ANSI_SS3);
			return false;
		}
		drop_sequence(p, true);
		return false;
	case ANSI_SS3: {
		enum line_key key;
		if (cursor_key(b, &key)) {
			p->state = ANSI_GROUND;
			return emit(p, out, key, 0);
		}
		drop_sequence(p, !(b >= 0x40 && b <= 0x7e));
		return false;
	}
	case ANSI_CSI:
		if (b >= 0x40 && b <= 0x7e)
			return csi_final(p, b, out);
		if (b >= 0x30 && b <= 0x3f && csi_param(p, b) && p->length < ANSI_MAX_SEQUENCE)
			return false;
		/* Intermediate bytes (0x20-0x2f) never appear in the keys we
		 * know, so they make the sequence as unusable as a bad one. */
		p->stats.malformed++;
		p->state = ANSI_CSI_IGNORE;
		return false;
	case ANSI_CSI_IGNORE:
		/* No length limit here: parameter and intermediate bytes are
		 * all this state swallows, and any other byte ends it. */
		if (b >= 0x40 && b <= 0x7e)
			p->state = ANSI_GROUND;
		return false;
	case ANSI_GROUND:
		break;
	}
	return false;
}
