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

# The daemon itself at dump level 31, format kdump (issue 11, items 1, 4,
# 5), run on the host on the same vmcore as an operator would: its stream
# (makedumpfile -R) has the page set of makedumpfile -d 31, bitmap to
# bitmap; zfcpdump-get copy -f kdump of the stream is makedumpfile -R of
# it; every page it holds is the vmcore's (libkdumpfile); makedumpfile
# --dump-dmesg reads the same log from it (lzo: Debian's makedumpfile
# has no zstd).
ZFD=$E2E_INST$E2E_PREFIX/sbin/zfcpdump
plugins=$E2E_INST$E2E_PREFIX/lib/zfcpdump/sinks
truncate -s "$size" "$W/kpart"
"$ZFD" --cmdline none --plugin-dir "$plugins" -s "file:$vmcore" -d 31 \
	-o "raw:device=$W/kpart,format=kdump,compress=lzo" >"$W/zfd31.out" 2>&1 ||
	{ cat "$W/zfd31.out" >&2; e2e_fail "zfcpdump -d 31 format kdump of the vmcore"; }
grep -q "dump_level 31" "$W/zfd31.out" &&
	{ cat "$W/zfd31.out" >&2; e2e_fail "zfcpdump fell back from dump level 31"; }
makedumpfile -R "$W/ours31.kdump" <"$W/kpart" >"$W/R31.out" 2>&1 ||
	{ cat "$W/R31.out" >&2; e2e_fail "makedumpfile -R of the daemon's stream"; }
# zfcpdump-get's copy of the stream is that file byte for byte: the pages
# the dump level left out stay out (not pages of zeros), the sub-header
# keeps dump level 31
"$E2E_BUILD/zfcpdump-get" copy -f kdump -c lzo "$W/kpart" "$W/copy31.kdump" \
	>"$W/copy31.out" 2>&1 ||
	{ cat "$W/copy31.out" >&2; e2e_fail "zfcpdump-get copy -f kdump of the daemon's stream"; }
cmp "$W/ours31.kdump" "$W/copy31.kdump" >"$W/copy31.cmp" 2>&1 ||
	{ cat "$W/copy31.cmp" >&2; e2e_fail "zfcpdump-get copy -f kdump of the -d 31 stream differs from makedumpfile -R of it"; }
rm -f "$W/kpart" "$W/copy31.kdump"
makedumpfile -d 31 -l "$vmcore" "$W/mdf31.kdump" >"$W/mdf31.out" 2>&1 ||
	{ tail -n 5 "$W/mdf31.out" >&2; e2e_fail "makedumpfile -d 31 -l failed"; }
python3 "$E2E_TOP/tests/integration/kdump_bitmap_cmp.py" "$W/mdf31.kdump" \
	"$W/ours31.kdump" "$vmcore" >"$W/bitmap31.out" 2>&1 ||
	{ cat "$W/bitmap31.out" >&2; e2e_fail "dump level 31: the daemon's page set differs from makedumpfile -d 31's"; }
e2e_note "daemon -d 31: $(tail -n 1 "$W/bitmap31.out"); $(stat -c %s "$W/ours31.kdump") bytes, makedumpfile -d 31 -l $(stat -c %s "$W/mdf31.kdump")"
/usr/bin/python3 "$E2E_TOP/tests/integration/kdump_compare.py" --subset "$vmcore" \
	"$W/ours31.kdump" x86_64 >"$W/cmp31.out" 2>&1 ||
	{ cat "$W/cmp31.out" >&2; e2e_fail "libkdumpfile: a page of the daemon's -d 31 dump differs from the vmcore"; }
e2e_note "libkdumpfile, -d 31: $(cat "$W/cmp31.out")"
kdump_dmesg_check "$W/ours31.kdump" "$W/dmesg31.txt" "$W/mdf-dmesg31.out" \
	"makedumpfile --dump-dmesg of the daemon's -d 31 kdump file"
cmp "$W/dmesg.txt" "$W/dmesg31.txt" ||
	e2e_fail "the log in the daemon's -d 31 kdump file differs from the vmcore's"
rm -f "$W/ours31.kdump" "$W/mdf31.kdump"
