#!/usr/bin/env bash
# Emit an assembler file that packs user-program ELF images into the kernel
# image as boot modules, with a table the kernel reads
# (struct boot_module_desc in kernel/boot.c: name[32], start, size).
# The module name is the file name without .elf; a guest image NAME.bin
# becomes guest-NAME; a data file NAME.json keeps its name.
set -euo pipefail
echo '	.section .rodata.modules, "a"'
i=0
for f in "$@"; do
	echo "	.balign 4096"
	echo "mod_$i: .incbin \"$f\""
	echo "mod_${i}_end:"
	i=$((i + 1))
done
echo '	.balign 8'
echo '	.global boot_module_table'
echo 'boot_module_table:'
i=0
for f in "$@"; do
	case "$f" in
	*.bin) name=guest-$(basename "$f" .bin) ;;
	*.json) name=$(basename "$f") ;;
	*) name=$(basename "$f" .elf) ;;
	esac
	[ ${#name} -lt 32 ] || { echo "mkmodules: name too long: $name" >&2; exit 1; }
	echo "	.ascii \"$name\""
	echo "	.fill $((32 - ${#name})), 1, 0"
	echo "	.quad mod_$i, mod_${i}_end - mod_$i"
	i=$((i + 1))
done
echo '	.global boot_module_count'
echo "boot_module_count: .quad $i"
