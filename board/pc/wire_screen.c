/* The pc board's text screen (wire_screen.h). */
#include "board/pc/wire_screen.h"

#include "chips/x86_64/fb_console.h"
#include "chips/x86_64/fb_font.h"
#include "chips/x86_64/vga_text.h"
#include "kernel/hil/text_screen.h"
#include "kernel/log.h"

#define VGA_TEXT_ADDR 0xb8000

static enum {
	SCREEN_NONE,
	SCREEN_VGA_TEXT,
	SCREEN_FRAMEBUFFER
} kind;
static const char *why_none;
/* The tag, for the warning when it gave no screen (the boot summary's own
 * line for it is at debug level). */
static struct {
	bool given;
	uint64_t addr;
	uint32_t width, height;
	unsigned bpp, type;
} tag;
static struct fb_info fb;
static struct fb_console fb_console;
static struct hil_text_screen screen;

/* Type 2 is only usable as the 80x25 VGA text mode vga_text.c drives. */
static void choose_vga_text(const struct boot_info *info)
{
	if (info->fb_addr != VGA_TEXT_ADDR || info->fb_width != VGA_COLS ||
	    info->fb_height != VGA_ROWS) {
		why_none = "EGA text, but not 80x25 at 0xb8000";
		return;
	}
	vga_init();
	screen = (struct hil_text_screen){ .hw = NULL, .write = vga_screen_write };
	kind = SCREEN_VGA_TEXT;
}

static void choose_framebuffer(const struct boot_info *info)
{
	if (!info->fb_has_rgb) {
		why_none = "RGB framebuffer without its colour layout";
		return;
	}
	fb = (struct fb_info){
		.addr = info->fb_addr,
		.pitch = info->fb_pitch,
		.width = info->fb_width,
		.height = info->fb_height,
		.bpp = info->fb_bpp,
		.red_pos = info->fb_red_pos,
		.red_size = info->fb_red_size,
		.green_pos = info->fb_green_pos,
		.green_size = info->fb_green_size,
		.blue_pos = info->fb_blue_pos,
		.blue_size = info->fb_blue_size,
	};
	why_none = fb_console_unsupported(&fb, &fb_font_default);
	if (why_none)
		return;
	fb_console_init(&fb_console, &fb, &fb_font_default);
	fb_console_hil(&fb_console, &screen);
	kind = SCREEN_FRAMEBUFFER;
}

void board_screen_init(const struct boot_info *info)
{
	kind = SCREEN_NONE;
	tag.given = info->has_framebuffer;
	tag.addr = info->fb_addr;
	tag.width = info->fb_width;
	tag.height = info->fb_height;
	tag.bpp = info->fb_bpp;
	tag.type = info->fb_type;
	if (!info->has_framebuffer)
		why_none = "the boot loader gave no framebuffer tag";
	else if (info->fb_type == MB2_FB_TYPE_EGA_TEXT)
		choose_vga_text(info);
	else if (info->fb_type == MB2_FB_TYPE_RGB)
		choose_framebuffer(info);
	else
		why_none = "the framebuffer is indexed colour (type 0), which knock does not draw";
}

void board_screen_report(void)
{
	switch (kind) {
	case SCREEN_VGA_TEXT:
		log_info("screen: VGA text %ux%u at 0x%x", VGA_COLS, VGA_ROWS, VGA_TEXT_ADDR);
		break;
	case SCREEN_FRAMEBUFFER:
		log_info("screen: framebuffer console %ux%u text on %ux%u %u bpp at 0x%llx "
			 "(red %u:%u green %u:%u blue %u:%u)",
			 fb_console.cols, fb_console.rows, fb.width, fb.height, (unsigned)fb.bpp,
			 (unsigned long long)fb.addr, fb.red_pos, fb.red_size, fb.green_pos,
			 fb.green_size, fb.blue_pos, fb.blue_size);
		break;
	default:
		if (tag.given)
			log_warn("screen: none, serial console only: %s (framebuffer tag: 0x%llx "
				 "%ux%u %u bpp type %u)",
				 why_none, (unsigned long long)tag.addr, tag.width, tag.height,
				 tag.bpp, tag.type);
		else
			log_warn("screen: none, serial console only: %s", why_none);
	}
}

const struct hil_text_screen *board_screen(void)
{
	return kind == SCREEN_NONE ? NULL : &screen;
}

void board_screen_write(const char *s, size_t n)
{
	if (kind == SCREEN_VGA_TEXT)
		vga_write(s, n);
	else if (kind == SCREEN_FRAMEBUFFER)
		fb_console_write(&fb_console, s, n);
}
