#!/bin/bash
# zfcpdump-get on a real /proc/vmcore (issue 10): the panic of kdump.sh
# (Debian's x86_64 kernel, crashkernel=256M, known data in memory), the
# capture kernel dd's /proc/vmcore to a disk. On the host:
# - zfcpdump-get info reads it: x86_64, the guest's kernel release and
#   crash time from VMCOREINFO;
# - zfcpdump-get copy -f elf writes it through the elf format: readelf
#   shows the same notes and program header addresses, every page of the
#   vmcore is in the copy (python, page by page), the known data too, and
#   Debian's makedumpfile --dump-dmesg reads the crash log from our copy;
# - the daemon refuses format s390 for it with one line before touching
#   the sink, and dumps it with the default elf (verify: digest ok).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kdump.sh"
e2e_begin s92-vmcore-get

GET=$E2E_INST$E2E_PREFIX/bin/zfcpdump-get
ZFD=$E2E_INST$E2E_PREFIX/sbin/zfcpdump
[ -x "$GET" ] || e2e_fail "no $GET"
vmcore=$W/vmcore-disk
truncate -s 1100M "$vmcore"
kdump_dd_initramfs "$W/capture.cpio" /dev/vda
kdump_run "$W/console.log" "$W/capture.cpio" 400 $(kdump_blk_disk "$vmcore" 0)
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "^KDUMP-CAPTURE: dd exit 0 "
size=$(sed -n 's/^KDUMP-CAPTURE: \/proc\/vmcore \([0-9]*\) bytes$/\1/p' "$c")
[ -n "$size" ] || e2e_fail "no /proc/vmcore size on the console"
truncate -s "$size" "$vmcore"

"$GET" info "$vmcore" >"$W/info.out" 2>&1 ||
	{ cat "$W/info.out" >&2; e2e_fail "zfcpdump-get info of the vmcore"; }
grep -Eq '^Arch: +x86_64$' "$W/info.out" || { cat "$W/info.out" >&2; e2e_fail "info: arch"; }
grep -Eq "^Kernel: +$E2E_KVER\$" "$W/info.out" || { cat "$W/info.out" >&2; e2e_fail "info: kernel"; }
grep -Eq '^Crashed: +20[0-9-]+T' "$W/info.out" || { cat "$W/info.out" >&2; e2e_fail "info: crash time"; }
grep -Eq '^Status: +complete$' "$W/info.out" || e2e_fail "info: status"
e2e_note "info: x86_64, kernel $E2E_KVER, $(sed -n 's/^Crashed: *//p' "$W/info.out")"

"$GET" copy -f elf "$vmcore" "$W/ours.elf" >"$W/copy.out" 2>&1 ||
	{ cat "$W/copy.out" >&2; e2e_fail "zfcpdump-get copy -f elf"; }
# the notes byte for byte (only where they sit in the file differs)
readelf -nW "$vmcore" | grep -v '^Displaying notes found at' >"$W/n1" &&
	readelf -nW "$W/ours.elf" | grep -v '^Displaying notes found at' >"$W/n2" ||
	e2e_fail "readelf -n"
cmp -s "$W/n1" "$W/n2" || { diff "$W/n1" "$W/n2" >&2; e2e_fail "the notes differ"; }
grep -q VMCOREINFO "$W/n2" || e2e_fail "no VMCOREINFO note in the copy"
readelf -lW "$vmcore" | awk '$1 == "LOAD" { print $3, $4, $6 }' >"$W/l1"
readelf -lW "$W/ours.elf" | awk '$1 == "LOAD" { print $3, $4, $6 }' >"$W/l2"
cmp -s "$W/l1" "$W/l2" || { diff "$W/l1" "$W/l2" >&2; e2e_fail "program headers differ"; }
python3 - "$vmcore" "$W/ours.elf" <<'PY' || e2e_fail "memory differs"
import mmap, struct, sys
def open_core(path):
    f = open(path, 'rb')
    d = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    phoff, = struct.unpack_from('<Q', d, 32); n, = struct.unpack_from('<H', d, 56)
    loads = []
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
        if t == 1 and fs:
            loads.append((pa, off, fs))
    return d, loads
def find(loads, a):
    for pa, off, fs in loads:
        if pa <= a < pa + fs:
            return off + a - pa, pa + fs - a
    return None, 0
d1, l1 = open_core(sys.argv[1]); d2, l2 = open_core(sys.argv[2])
done = 0
for pa, off, fs in l1:
    a = pa
    while a < pa + fs:
        o1, n1 = find(l1, a); o2, n2 = find(l2, a)
        if o2 is None:
            sys.exit('0x%x missing in the copy' % a)
        n = min(n1, n2, pa + fs - a, 1 << 20)
        if d1[o1:o1 + n] != d2[o2:o2 + n]:
            sys.exit('memory at 0x%x differs' % a)
        a += n; done += n
print('%d bytes of memory equal' % done)
PY
kdump_fill_check "$W/ours.elf"
makedumpfile --dump-dmesg "$W/ours.elf" "$W/dmesg.txt" >"$W/makedumpfile.out" 2>&1 ||
	{ cat "$W/makedumpfile.out" >&2; e2e_fail "makedumpfile --dump-dmesg of our copy failed"; }
e2e_console_has "$W/dmesg.txt" "sysrq: Trigger a crash"
e2e_console_has "$W/dmesg.txt" "Kernel panic - not syncing: sysrq triggered crash"
e2e_note "copy -f elf: notes, program headers, memory equal; makedumpfile reads the log"

# the daemon: format s390 for it is refused with one line, the sink
# untouched; the default (elf) dumps it, and the dump verifies
truncate -s 64M "$W/raw"
rc=0
plugins=$(dirname "$(find "$E2E_INST" -name raw.so -path '*/sinks/*' | head -n 1)")
"$ZFD" --cmdline none --plugin-dir "$plugins" -s "file:$vmcore" \
	-o "raw:device=$W/raw,format=s390" >"$W/zfd.out" 2>&1 || rc=$?
[ $rc = 2 ] || { cat "$W/zfd.out" >&2; e2e_fail "zfcpdump -o raw:...,format=s390 on the x86_64 vmcore: exit $rc"; }
grep -q "format \"s390\" holds s390 dumps only, and file:$vmcore is a dump of x86_64 (use format = \"elf\")" "$W/zfd.out" ||
	{ cat "$W/zfd.out" >&2; e2e_fail "zfcpdump: no clear refusal"; }
cmp -s "$W/raw" <(head -c 64M /dev/zero) || e2e_fail "the sink was touched"
rm -f "$W/raw"
truncate -s $((size + (64 << 20))) "$W/raw"
"$ZFD" --cmdline none --plugin-dir "$plugins" -s "file:$vmcore" \
	-o "raw:device=$W/raw" >"$W/zfd.out" 2>&1 ||
	{ cat "$W/zfd.out" >&2; e2e_fail "zfcpdump of the x86_64 vmcore as elf failed"; }
"$GET" verify "$W/raw" >"$W/verify.out" 2>&1 ||
	{ cat "$W/verify.out" >&2; e2e_fail "zfcpdump-get verify of the elf dump"; }
grep -q "(elf), digest ok" "$W/verify.out" || { cat "$W/verify.out" >&2; e2e_fail "verify: no digest ok"; }
e2e_note "the daemon: s390 refused in one line, elf dumped and verified"
