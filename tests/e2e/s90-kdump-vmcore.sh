#!/bin/bash
# (i) A real kernel panic (issue 10, item 6 infrastructure): Debian's
# x86_64 kernel with crashkernel=256M in a 1 GiB guest fills part of its
# memory with known data, loads the capture kernel with Debian's kexec-tools
# and crashes through sysrq (kdump.sh). The capture initramfs copies
# /proc/vmcore with dd onto a virtio disk and powers off. On the host: the
# disk holds an ELF core (ET_CORE, PT_NOTE, PT_LOADs) as long as the size
# the capture kernel reported, with the first kernel's known data in it;
# Debian's makedumpfile --dump-dmesg reads the guest's log from it,
# including the sysrq crash lines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kdump.sh"
e2e_begin s90-kdump-vmcore

vmcore=$W/vmcore-disk
truncate -s 1100M "$vmcore"
kdump_dd_initramfs "$W/capture.cpio" /dev/vda
t0=$(date +%s)
kdump_run "$W/console.log" "$W/capture.cpio" 400 $(kdump_blk_disk "$vmcore" 0)
e2e_note "first boot to the capture's poweroff: $(($(date +%s) - t0)) s"
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "Kernel panic - not syncing: sysrq triggered crash"
e2e_console_has "$c" "^KDUMP-CAPTURE: dd exit 0 "
size=$(sed -n 's/^KDUMP-CAPTURE: \/proc\/vmcore \([0-9]*\) bytes$/\1/p' "$c")
[ -n "$size" ] && [ "$size" -gt $((512 << 20)) ] ||
	e2e_fail "the capture kernel's /proc/vmcore: '$size' bytes"
e2e_note "/proc/vmcore: $size bytes"

# An ELF core: ET_CORE, a PT_NOTE and PT_LOADs, all within what dd copied.
readelf -hW "$vmcore" >"$W/readelf-h.out" 2>&1 ||
	{ cat "$W/readelf-h.out" >&2; e2e_fail "readelf -h cannot read the copy"; }
grep -Eq '^ *Class: +ELF64$' "$W/readelf-h.out" || e2e_fail "not ELF64"
grep -Eq '^ *Type: +CORE ' "$W/readelf-h.out" || e2e_fail "not ET_CORE"
grep -Eq '^ *Machine: +Advanced Micro Devices X86-64$' "$W/readelf-h.out" ||
	e2e_fail "not EM_X86_64"
readelf -lW "$vmcore" >"$W/readelf-l.out" 2>&1 ||
	{ cat "$W/readelf-l.out" >&2; e2e_fail "readelf -l cannot read the copy"; }
[ "$(grep -cE '^ *NOTE ' "$W/readelf-l.out")" -ge 1 ] || e2e_fail "no PT_NOTE"
nload=$(grep -cE '^ *LOAD ' "$W/readelf-l.out" || true)
[ "$nload" -ge 2 ] || e2e_fail "$nload PT_LOADs, want at least 2"
end=0
while read -r type off vaddr paddr filesz rest; do
	[ "$type" = LOAD ] || [ "$type" = NOTE ] || continue
	[ $((off + filesz)) -le "$end" ] || end=$((off + filesz))
done <"$W/readelf-l.out"
[ "$end" -eq "$size" ] ||
	e2e_fail "the program headers end at $end, /proc/vmcore had $size bytes"
e2e_note "ELF core: $nload PT_LOADs, ends at $end"

# The first kernel's memory is in it.
kdump_fill_check "$vmcore"

# Debian's makedumpfile reads the kernel log through VMCOREINFO.
makedumpfile --dump-dmesg "$vmcore" "$W/dmesg.txt" >"$W/makedumpfile.out" 2>&1 ||
	{ cat "$W/makedumpfile.out" >&2; e2e_fail "makedumpfile --dump-dmesg failed"; }
e2e_console_has "$W/dmesg.txt" "sysrq: Trigger a crash"
e2e_console_has "$W/dmesg.txt" "Kernel panic - not syncing: sysrq triggered crash"
e2e_console_has "$W/dmesg.txt" "Linux version $E2E_KVER"
