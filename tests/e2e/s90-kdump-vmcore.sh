#!/bin/bash
# (i) A real kernel panic (issue 10, item 6 infrastructure): Debian's
# x86_64 kernel with crashkernel=256M in a 1 GiB guest fills part of its
# memory with known data, loads the capture kernel with Debian's kexec-tools
# and crashes through sysrq (kdump.sh). The capture initramfs copies
# /proc/vmcore with dd onto a virtio disk and powers off. On the host: the
# disk holds an ELF core (ET_CORE, PT_NOTE, PT_LOADs) as long as the size
# the capture kernel reported, with the first kernel's known data in it;
# Debian's makedumpfile --dump-dmesg reads the guest's log from it,
# including the sysrq crash lines, and zfcpdump-get dmesg prints the same
# text line for line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kdump.sh"
e2e_begin s90-kdump-vmcore

vmcore=$W/vmcore-disk
truncate -s 1100M "$vmcore"
kdump_dd_initramfs "$W/capture.cpio" /dev/vda
t0=$(date +%s)
kdump_run "$W/console.log" "$W/capture.cpio" 400 $(kdump_blk_disk "$vmcore" 0)
e2e_note "first boot to the capture's poweroff: $(($(date +%s) - t0)) s"
size=$(kdump_dd_copied "$W/console.log")

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
kdump_dmesg_check "$vmcore" "$W/dmesg.txt" "$W/makedumpfile.out" \
	"makedumpfile --dump-dmesg failed"

# zfcpdump-get dmesg (issue 11, item 6) prints the same log, line for line.
"$E2E_INST$E2E_PREFIX/bin/zfcpdump-get" dmesg "$vmcore" >"$W/get-dmesg.txt" \
	2>"$W/get-dmesg.err" ||
	{ cat "$W/get-dmesg.err" >&2; e2e_fail "zfcpdump-get dmesg failed"; }
[ -s "$W/get-dmesg.err" ] && { cat "$W/get-dmesg.err" >&2; e2e_fail "zfcpdump-get dmesg wrote to stderr"; }
diff "$W/dmesg.txt" "$W/get-dmesg.txt" >"$W/dmesg.diff" ||
	{ head -n 20 "$W/dmesg.diff" >&2; e2e_fail "zfcpdump-get dmesg differs from makedumpfile --dump-dmesg"; }
e2e_note "zfcpdump-get dmesg = makedumpfile --dump-dmesg: $(wc -l <"$W/dmesg.txt") lines"

# Page filtering (issue 11, item 4): our page set for dump level 31
# (src/lib/pfilter.c, from VMCOREINFO) equals makedumpfile -d 31's on the
# same vmcore, page for page (tests/integration/pfilter_cmp.c explains the
# one rule of makedumpfile's ELF writer it models).
make -s -C "$E2E_BUILD" tests/integration/pfilter-cmp >"$W/pfilter-build.log" 2>&1 ||
	{ cat "$W/pfilter-build.log" >&2; e2e_fail "cannot build pfilter-cmp"; }
makedumpfile -d 31 -E "$vmcore" "$W/filtered31.elf" >"$W/makedumpfile-d31.out" 2>&1 ||
	{ tail -n 5 "$W/makedumpfile-d31.out" >&2; e2e_fail "makedumpfile -d 31 -E failed"; }
"$E2E_BUILD/tests/integration/pfilter-cmp" "$vmcore" "$W/filtered31.elf" 31 \
	>"$W/pfilter-cmp.out" 2>&1 ||
	{ cat "$W/pfilter-cmp.out" >&2; e2e_fail "dump level 31: our page set differs from makedumpfile's"; }
grep -q "only we keep 0, only makedumpfile keeps 0$" "$W/pfilter-cmp.out" ||
	{ cat "$W/pfilter-cmp.out" >&2; e2e_fail "pfilter-cmp: unexpected summary"; }
e2e_note "$(head -n 1 "$W/pfilter-cmp.out")"
rm -f "$W/filtered31.elf"
