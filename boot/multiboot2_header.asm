; Multiboot2 header: tells GRUB this is a Multiboot2 kernel and that it is
; an ELF it can load as is (no address tag needed). It must sit in the first
; 32 KiB of the file, 8-byte aligned; the linker script puts .multiboot first.

MB2_MAGIC   equ 0xe85250d6
MB2_ARCH    equ 0                 ; i386 protected mode entry

section .multiboot align=8
mb2_header_start:
	dd MB2_MAGIC
	dd MB2_ARCH
	dd mb2_header_end - mb2_header_start
	dd -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header_start))

	; Information request: ask for the tags knock parses (GRUB passes them
	; anyway, but asking documents the dependency). Optional flag set, so a
	; loader that lacks one still boots us.
	align 8
	dw 1, 1                       ; type 1 = information request, optional
	dd 8 + 4 * 5
	dd 1                          ; command line
	dd 6                          ; memory map
	dd 14                         ; ACPI old RSDP
	dd 15                         ; ACPI new RSDP
	dd 8                          ; framebuffer info

	; Framebuffer request: width, height and depth 0 mean no preference,
	; and the tag is optional. Under UEFI there is no VGA text mode, so
	; GRUB hands over the GOP framebuffer in the mode the firmware chose
	; (RGB, usually 32 bpp), and board/pc/wire_screen.c puts the
	; framebuffer console on it. Under BIOS this tag alone would make GRUB
	; switch to a VBE graphics mode; board/pc/grub.cfg sets gfxpayload=text
	; there, so BIOS boots keep VGA text mode (framebuffer tag type 2).
	align 8
	dw 5, 1                       ; type 5 = framebuffer, optional
	dd 20
	dd 0                          ; width: any
	dd 0                          ; height: any
	dd 0                          ; depth: any

	align 8
	dw 0, 0                       ; end tag
	dd 8
mb2_header_end:
