/*
 * The pc board: the one place that knows which chip each capsule gets.
 *
 * board_main() runs once on the boot CPU, called from boot/entry64.asm:
 * bring up the chips, read the boot information and options, create and
 * wire the capsules (one board_wire_*() each, in the list below, in the
 * order they depend on each other), verify every pending bit has exactly
 * one client, then hand the CPU to the loop for good. Each wire_<x>.c
 * gives its capsule its bits with loop_set_client() directly.
 */
#include <stdint.h>

#include "board/pc/extension.h"
#include "board/pc/interrupts.h"
#include "board/pc/options.h"
#include "board/pc/wire_acpi.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_memory.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_processes.h"
#include "board/pc/wire_screen.h"
#include "board/pc/wire_shell.h"
#include "board/pc/wire_smp.h"
#include "board/pc/wire_timer.h"
#include "board/pc/wire_virtio_net.h"
#include "board/pc/wire_virtio_blk.h"
#include "board/pc/wire_virtio_rng.h"
#include "board/pc/wire_watchdog.h"
#include "capsules/hello.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/percpu.h"
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/uart16550.h"
#include "kernel/cmdline.h"
#include "kernel/loop.h"
#include "kernel/log.h"
#include "kernel/multiboot2.h"

#define BANNER "knock " KNOCK_VERSION " ready on the pc board"

static struct boot_info boot_info;
static uint32_t boot_info_bytes; /* of the block at mbi_addr; 0: none read */
static struct hello hello;

/* The Multiboot2 block starts with its own size; refuse absurd ones rather
 * than read megabytes of whatever is there. */
#define MBI_MAX_BYTES (64 * 1024)

static void read_boot_info(uint32_t magic, uint64_t mbi_addr)
{
	if (magic != MB2_BOOTLOADER_MAGIC || mbi_addr == 0) {
		log_warn("boot: no Multiboot2 information (magic 0x%x); using defaults", magic);
		return;
	}
	const uint8_t *mbi = (const uint8_t *)(uintptr_t)mbi_addr;
	uint32_t total = *(const uint32_t *)mbi;
	if (total > MBI_MAX_BYTES) {
		log_warn("boot: Multiboot2 information claims %u bytes; reading only %u", total,
			 MBI_MAX_BYTES);
		total = MBI_MAX_BYTES;
	}
	mb2_parse(mbi, total, (uintptr_t)mbi_addr, &boot_info);
	boot_info_bytes = total;
}

_Noreturn void board_main(uint32_t magic, uint64_t mbi_addr);

_Noreturn void board_main(uint32_t magic, uint64_t mbi_addr)
{
	x86_boot_cpu_init();
	int have_uart = uart_init(COM1_BASE);
	if (have_uart)
		log_add_sink(uart_write);
	pic_remap_and_mask(VEC_PIC_BASE, VEC_PIC_BASE + 8);

	/* The framebuffer tag says which screen there is (VGA text, a
	 * framebuffer, none), so the boot information comes first; its
	 * warnings, if any, reach only the serial line. */
	read_boot_info(magic, mbi_addr);
	board_screen_init(&boot_info);
	log_add_sink(board_screen_write);

	log_info("knock %s starting on the pc board", KNOCK_VERSION);
	/* The timer's calibration measures the boot itself: its window is
	 * everything from here to board_wire_timer(), which then needs to
	 * wait only if that was too short (board/pc/wire_timer.h). */
	board_timer_calibration_start();
	if (!have_uart)
		log_warn("no UART at COM1: the serial console is off");
	board_screen_report();

	board_options_load(boot_info.cmdline);
	boot_info_print(&boot_info);
	log_info("boot: options '%s' (GRUB's line plus fw_cfg opt/knock/cmdline)", cmdline_get());

	board_wire_memory(&boot_info, boot_info_bytes ? mbi_addr : 0, boot_info_bytes);
	board_discover_platform(&boot_info, board_platform_routes_isa);
	board_interrupts_declare();
	board_choose_apic_mode(&board_platform);
	board_interrupts_init_cpu(board_platform.lapic_address, board_lint1_is_nmi());
	board_timer_calibration_start_lapic();
	board_interrupts_set_boot_apic((uint8_t)lapic_id());
	board_ioapics_init(&board_platform);
	board_irq_cpus_load();

	/* The capsules, each wired to its chips and clients. */
	board_wire_pci();
	board_wire_virtio_rng();
	board_wire_virtio_net();
	board_wire_virtio_blk();
	board_wire_timer();
	board_wire_keyboard();
	board_wire_console(have_uart, board_keyboard());
	board_wire_observe();
	board_wire_watchdog();
	board_wire_shell();
	board_wire_processes(&boot_info);
	board_wire_smp();
	/* The lab wing's, in knock-lab.iso only. Before the banner's deferred
	 * call: bits are handed out from 63 down and the lowest runs first, so
	 * what the lab starts at boot (fault=) runs after the banner. */
	board_extensions_wire();
	hello_init(&hello, BANNER);

	board_interrupts_verify();
	loop_verify();
	board_start_aps(&boot_info);
	board_irq_cpus_route();

	hello_start(&hello);
	board_watchdog_start();
	board_extensions_start();
	board_extensions_run();
}
