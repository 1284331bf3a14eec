/*
 * VGA text mode: 80x25 cells of (character, attribute) at 0xb8000, which
 * the early page tables identity-map. New lines scroll the screen up; the
 * hardware cursor (CRT controller registers 0x0e/0x0f) follows the text.
 *
 * The screen is kept in a copy in RAM and only cells that change are
 * written: under an emulator every access to the VGA memory traps, and a
 * scroll that read and rewrote all 2000 cells took 0.5-2 ms a line at
 * boot. A scroll now reads nothing from the VGA and skips the cells that
 * stay the same (blanks under blanks, mostly).
 *
 * The clear and the scroll write four cells at a time, a 64-bit store:
 * under QEMU's TCG each store to the VGA window is a trapped access, and
 * one of 8 bytes costs 195 ns where four of 2 cost 280 (a throw-away
 * boot timing 2000 cells each way). A row is 20 such words. Typing stays
 * a cell at a time: one key, one store.
 *
 * The scrolls of one write are drawn once: the first scroll of a write
 * keeps what the screen shows (`shown`), the rest of the write changes
 * only the copy, and at its end the words that differ from `shown` are
 * stored. A shell answer of 40 lines is then one screen's worth of
 * stores, not 40 (docs/boot.md, "The framebuffer console").
 *
 * Spec: IBM VGA Technical Reference: text mode buffer at 0xb8000, CRT
 * controller registers 0x0a-0x0f (cursor shape and location, start address)
 * through ports 0x3d4/0x3d5.
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/io.h"
#include "chips/x86_64/vga_text.h"
#include "kernel/string.h"

#define VGA_MEMORY 0xb8000
#define CRTC_INDEX 0x3d4
#define CRTC_DATA 0x3d5
#define CRTC_CURSOR_HI 0x0e
#define CRTC_CURSOR_LO 0x0f
#define ATTR_LIGHT_GREY_ON_BLACK 0x07
#define TAB_WIDTH 8

#define CELLS_PER_WORD 4
#define WORDS (VGA_ROWS * VGA_COLS / CELLS_PER_WORD)
#define ROW_WORDS (VGA_COLS / CELLS_PER_WORD)

static volatile uint16_t *const screen = (volatile uint16_t *)VGA_MEMORY;
static volatile uint64_t *const screen_words = (volatile uint64_t *)VGA_MEMORY;
/* The copy, by cell or by word of four cells; `shown`, what the screen
 * showed when a write began to scroll (only while `scrolling`). */
union vga_cells {
	uint16_t cells[VGA_ROWS * VGA_COLS];
	uint64_t words[WORDS];
};
static union vga_cells copy, shown;
static bool scrolling;
static unsigned col, row;

static inline uint16_t cell(char c)
{
	return (uint16_t)(uint8_t)c | (ATTR_LIGHT_GREY_ON_BLACK << 8);
}

static void move_cursor(void)
{
	uint16_t pos = (uint16_t)(row * VGA_COLS + col);
	outb(CRTC_INDEX, CRTC_CURSOR_HI);
	outb(CRTC_DATA, pos >> 8);
	outb(CRTC_INDEX, CRTC_CURSOR_LO);
	outb(CRTC_DATA, pos & 0xff);
}

/* A cell of the copy, and of the screen unless a scroll is pending. */
static inline void set_cell(unsigned i, uint16_t v)
{
	if (copy.cells[i] != v) {
		copy.cells[i] = v;
		if (!scrolling)
			screen[i] = v;
	}
}

static uint64_t blank_word(void)
{
	return cell(' ') * 0x0001000100010001ull;
}

/* Up one row, in the copy only: the screen is brought up to date once,
 * by draw_scrolled() at the end of the write. */
static void scroll(void)
{
	if (!scrolling) {
		for (unsigned w = 0; w < WORDS; w++)
			shown.words[w] = copy.words[w];
		scrolling = true;
	}
	for (unsigned w = 0; w < WORDS - ROW_WORDS; w++)
		copy.words[w] = copy.words[w + ROW_WORDS];
	for (unsigned w = WORDS - ROW_WORDS; w < WORDS; w++)
		copy.words[w] = blank_word();
	row = VGA_ROWS - 1;
}

/* The words the write's scrolls changed, from the copy: the screen then
 * shows the copy again. */
static void draw_scrolled(void)
{
	for (unsigned w = 0; w < WORDS; w++)
		if (copy.words[w] != shown.words[w])
			screen_words[w] = copy.words[w];
	scrolling = false;
}

static void newline(void)
{
	col = 0;
	if (++row == VGA_ROWS)
		scroll();
}

/* Recursive only for a tab, which puts spaces: one level deep. */
static void put(char c) // NOLINT(misc-no-recursion)
{
	switch (c) {
	case '\n':
		newline();
		break;
	case '\r':
		col = 0;
		break;
	case '\b':
		if (col > 0)
			col--;
		break;
	case '\t':
		do
			put(' ');
		while (col % TAB_WIDTH);
		break;
	default:
		set_cell(row * VGA_COLS + col, cell(c));
		if (++col == VGA_COLS)
			newline();
	}
}

void vga_init(void)
{
	for (unsigned w = 0; w < WORDS; w++) {
		copy.words[w] = blank_word();
		screen_words[w] = copy.words[w];
	}
	col = row = 0;
	move_cursor();
}

/* The rest of a write after its first scroll: the copy only, then the
 * screen once. */
static void write_scrolling(const char *s, const char *end)
{
	while (s < end)
		put(*s++);
	draw_scrolled();
}

/* Both entry points share the loop, inlined: the screen echo of a key
 * goes through vga_screen_write() with no call in between. */
static inline __attribute__((always_inline)) void write_text(const char *s, size_t n)
{
	for (const char *end = s + n; s < end;) {
		char c = *s++;
		/* A printable character short of the line's end, the usual
		 * echo: the cell in the copy and on the screen, without put()'s
		 * switch and call (the copy must stay whole: scroll() reads
		 * only it). No scroll is pending here: the one put() that
		 * starts one hands the rest of the write on. */
		if (c >= ' ' && col + 1 < VGA_COLS) {
			unsigned at = row * VGA_COLS + col++;
			copy.cells[at] = cell(c);
			screen[at] = cell(c);
			continue;
		}
		put(c);
		if (scrolling) {
			write_scrolling(s, end);
			break;
		}
	}
	move_cursor();
}

void vga_screen_write(void *hw, const char *s, size_t n)
{
	(void)hw;
	write_text(s, n);
}

/* The log's and the panic's way in. A panic can stop a write of the
 * loop's half way through its scrolls: those are drawn first, so that
 * write_text() finds none pending. */
void vga_write(const char *s, size_t n)
{
	if (scrolling)
		draw_scrolled();
	write_text(s, n);
}
