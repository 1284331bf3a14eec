#!/bin/sh
# tools/mkiso.sh OUT.iso ISODIR BIOS_CFG EFI_CFG
#
# knock's bootable ISO: ISODIR (boot/knock.elf, boot/apps/) with GRUB for
# BIOS and, when GRUB's x86_64-efi platform is installed, for UEFI, in one
# hybrid image, as grub-mkrescue lays it out (the same xorriso options),
# but with each platform's commands (board/pc/grub-*.cfg) built into its
# core image. GRUB then boots knock straight from the core image: it does
# not load its normal mode, its modules or a grub.cfg from the CD, which
# under TCG with SeaBIOS took about 0.12 s of a 0.47 s boot
# (docs/boot.md). The ISO holds only what is needed: about 3 MB instead
# of grub-mkrescue's 20.
#
# Tools: grub-mkimage (grub-common) with the platforms' modules
# (grub-pc-bin, grub-efi-amd64-bin), mformat and mcopy (mtools) for the
# EFI system partition image, xorriso for the ISO.
set -eu

out=$1 isodir=$2 bios_cfg=$3 efi_cfg=$4
grub=/usr/lib/grub
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The commands without comments and blank lines: the core image's parser
# takes plain commands only.
commands() { sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$1"; }

mkdir -p "$isodir/boot/grub"
commands "$bios_cfg" > "$work/bios.cfg"
# El Torito, no emulation: the BIOS loads the image's first 2 KiB, which
# loads the rest through the BIOS disk services.
grub-mkimage --directory "$grub/i386-pc" --prefix /boot/grub --format i386-pc-eltorito \
	--config "$work/bios.cfg" --output "$isodir/boot/grub/bios.img" \
	biosdisk iso9660 multiboot2

efi_args=
if [ -d "$grub/x86_64-efi" ]; then
	commands "$efi_cfg" > "$work/efi.cfg"
	mkdir -p "$work/efi/efi/boot"
	grub-mkimage --directory "$grub/x86_64-efi" --prefix /boot/grub --format x86_64-efi \
		--config "$work/efi.cfg" --output "$work/efi/efi/boot/bootx64.efi" \
		iso9660 part_msdos part_gpt fat search echo multiboot2 all_video
	# The EFI system partition image, FAT, as grub-mkrescue makes it.
	mformat -C -f 2880 -L 16 -i "$isodir/efi.img" ::
	mcopy -s -i "$isodir/efi.img" "$work/efi/efi" ::/
	efi_args="--efi-boot efi.img -efi-boot-part --efi-boot-image"
else
	echo "mkiso: GRUB's x86_64-efi platform is not installed (grub-efi-amd64-bin): BIOS only" >&2
fi

# shellcheck disable=SC2086 # efi_args is a list of options
xorriso -as mkisofs -quiet -graft-points \
	-b boot/grub/bios.img -no-emul-boot -boot-load-size 4 -boot-info-table \
	--grub2-boot-info --grub2-mbr "$grub/i386-pc/boot_hybrid.img" \
	$efi_args --protective-msdos-label \
	-o "$out" -r "$isodir"
