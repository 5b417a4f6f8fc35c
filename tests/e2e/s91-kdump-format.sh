#!/bin/bash
# (i) The kdump-compressed format on a real /proc/vmcore (issue 11, items 1,
# 2 and 5): the capture kernel of kdump.sh copies /proc/vmcore with dd (as
# s90 does); on the host zfcpdump-get turns that ELF core into kdump files
# of every codec and flattened streams, and independent readers judge them:
#  - libkdumpfile reads every page of each kdump file, equal to the
#    vmcore's page (tests/integration/kdump_compare.py parses the ELF);
#  - Debian's makedumpfile --dump-dmesg (zlib and lzo: its codecs) prints
#    the guest's log with the sysrq crash line from our kdump files, and
#    makedumpfile -R turns our flattened streams into our files byte for
#    byte;
#  - kdump -> elf gives the vmcore's pages and notes back.
# Needs tests/e2e/kdump.sh (the kdump-in-QEMU harness of branch e2e-kdump).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kdump.sh"
e2e_begin s91-kdump-format

GET="$E2E_BUILD/zfcpdump-get"
PY=/usr/bin/python3
CMP="$PY $(dirname "$0")/../integration/kdump_compare.py"

disk=$W/vmcore-disk
truncate -s 1100M "$disk"
kdump_dd_initramfs "$W/capture.cpio" /dev/vda
kdump_run "$W/console.log" "$W/capture.cpio" 400 $(kdump_blk_disk "$disk" 0)
size=$(kdump_dd_copied "$W/console.log")
vmcore=$W/vmcore
head -c "$size" "$disk" >"$vmcore" && rm -f "$disk" || e2e_fail "cutting the vmcore"

for c in zstd lzo snappy zlib; do
	t0=$(date +%s%N)
	"$GET" copy -f kdump -c "$c" -v "$vmcore" "$W/vmcore.$c" 2>"$W/copy.$c.err" ||
		{ cat "$W/copy.$c.err" >&2; e2e_fail "copy -f kdump -c $c"; }
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	e2e_note "kdump $c: $(stat -c %s "$W/vmcore.$c") bytes in $ms ms ($(cat "$W/copy.$c.err"))"
	$CMP "$vmcore" "$W/vmcore.$c" x86_64 >"$W/cmp.$c" 2>&1 ||
		{ cat "$W/cmp.$c" >&2; e2e_fail "libkdumpfile: $c kdump file differs from the vmcore"; }
	e2e_note "libkdumpfile, $c: $(cat "$W/cmp.$c")"
done

# for comparison, not asserted: makedumpfile on the same vmcore at dump
# level 0 (zero pages kept, as here), its fast and its small codec
for opt in -l -c; do
	t0=$(date +%s%N)
	makedumpfile $opt -d 0 "$vmcore" "$W/mdf$opt" >"$W/mdf$opt.out" 2>&1 ||
		{ cat "$W/mdf$opt.out" >&2; e2e_fail "makedumpfile $opt -d 0 of the vmcore"; }
	e2e_note "makedumpfile $opt -d 0: $(stat -c %s "$W/mdf$opt") bytes in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	rm -f "$W/mdf$opt"
done

for c in zlib lzo; do
	kdump_dmesg_check "$W/vmcore.$c" "$W/dmesg.$c" "$W/mdf.$c" \
		"makedumpfile --dump-dmesg of our $c kdump file"
	"$GET" copy -f kdump-flat -c "$c" "$vmcore" - |
		makedumpfile -R "$W/vmcore.$c.R" >"$W/mdf-R.$c" 2>&1 ||
		{ cat "$W/mdf-R.$c" >&2; e2e_fail "copy -f kdump-flat | makedumpfile -R ($c)"; }
	cmp "$W/vmcore.$c.R" "$W/vmcore.$c" ||
		e2e_fail "makedumpfile -R of our $c stream differs from our $c kdump file"
done
# the same log as makedumpfile reads from the vmcore itself
makedumpfile --dump-dmesg "$vmcore" "$W/dmesg.vmcore" >"$W/mdf.vmcore" 2>&1 ||
	{ cat "$W/mdf.vmcore" >&2; e2e_fail "makedumpfile --dump-dmesg of the vmcore"; }
cmp "$W/dmesg.vmcore" "$W/dmesg.lzo" ||
	e2e_fail "the log makedumpfile reads from our lzo kdump file differs from the vmcore's"

# the header's utsname is the crashed kernel's (init_uts_ns in its memory)
ver=$("$PY" -c 'import sys, kdumpfile; print(dict(kdumpfile.kdumpfile(sys.argv[1]).attr["linux"]["uts"].items())["version"])' \
	"$W/vmcore.zstd") || e2e_fail "libkdumpfile: no utsname in our kdump file"
[ -n "$ver" ] && [ "$ver" != unknown ] || e2e_fail "utsname version '$ver'"
grep -F "Linux version $E2E_KVER" "$W/dmesg.vmcore" | grep -qF " $ver" ||
	e2e_fail "utsname version '$ver' is not the kernel's (its banner: $(grep -m1 'Linux version' "$W/dmesg.vmcore"))"
e2e_note "utsname version: $ver"

"$GET" verify "$W/vmcore.zstd" >"$W/verify.out" 2>&1 ||
	{ cat "$W/verify.out" >&2; e2e_fail "zfcpdump-get verify of the zstd kdump file"; }
"$GET" copy -f elf "$W/vmcore.zstd" "$W/back.elf" 2>"$W/back.err" ||
	{ cat "$W/back.err" >&2; e2e_fail "copy -f elf of the zstd kdump file"; }
$CMP "$W/back.elf" "$W/vmcore.zstd" x86_64 >"$W/cmp.back" 2>&1 ||
	{ cat "$W/cmp.back" >&2; e2e_fail "kdump -> elf lost pages"; }
kdump_fill_check "$W/back.elf"
rm -f "$vmcore" "$W"/vmcore.* "$W/back.elf"
exit 0
