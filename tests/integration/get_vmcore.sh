#!/bin/bash
# zfcpdump-get on ELF cores of any architecture (issue 10): an x86_64 core
# like /proc/vmcore (zfd-mkimage --format elf: kernel text described twice,
# a hole, VMCOREINFO) - info shows architecture, kernel, crash time and
# CPUs; copy -f elf writes it through the elf format (notes unchanged,
# every program header's addresses kept, memory packed and equal, the same
# bytes to a pipe); copy -f s390 is refused with one line. An s390x core
# with VMCOREINFO converts to the s390 format with the crash time.
. "$abs_top_srcdir/tests/lib.sh"

GET=$ZFCPDUMP_GET
$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--hole 40M:4M --kernel 6.1.0-13-amd64 || fail "zfd-mkimage x86_64"

expect_rc 0 $GET info "$T/x.elf"
expect_out "^Arch: +x86_64$"
expect_out "^Kernel: +6.1.0-13-amd64$"
expect_out "^Crashed: +2026-01-01T00:00:05Z$"
expect_out "^CPUs: +2$"
expect_out "^  chunk +0x0000000000000000-0x00000000027fffff \(40.0 MiB\)$"
expect_out "^  chunk +0x0000000002c00000-0x0000000003ffffff \(20.0 MiB\)$"
expect_rc 0 $GET info --json "$T/x.elf"
expect_out '"arch": "x86_64",'
expect_out '"kernel": "6.1.0-13-amd64",'
expect_out '"crashed": "2026-01-01T00:00:05Z",'
note "info: arch, kernel, crash time, CPUs, the kernel text once"

expect_rc 0 $GET copy "$T/x.elf" "$T/y.elf" -f elf
readelf -n "$T/x.elf" >"$T/n1" && readelf -n "$T/y.elf" >"$T/n2" ||
	fail "readelf -n"
cmp -s "$T/n1" "$T/n2" || { diff "$T/n1" "$T/n2" >&2; fail "notes differ"; }
# program headers: the same addresses and sizes, in the same order
phdrs() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $3, $4, $5, $6 }'
}
[ "$(phdrs "$T/x.elf")" = "$(phdrs "$T/y.elf")" ] || {
	phdrs "$T/x.elf" >&2; phdrs "$T/y.elf" >&2; fail "program headers differ"; }
# memory: every physical page of the source equals the copy's
python3 - "$T/x.elf" "$T/y.elf" <<'PY' || fail "memory differs"
import struct, sys
def loads(path):
    f = open(path, 'rb'); d = f.read()
    phoff, = struct.unpack_from('<Q', d, 32); n, = struct.unpack_from('<H', d, 56)
    out = []
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
        if t == 1:
            out.append((pa, off, fs))
    return d, out
def page(d, ls, a):
    for pa, off, fs in ls:
        if pa <= a < pa + fs:
            return d[off + a - pa: off + a - pa + 4096]
    return None
d1, l1 = loads(sys.argv[1]); d2, l2 = loads(sys.argv[2])
pages = 0
for pa, off, fs in l1:
    for a in range(pa, pa + fs, 4096):
        p1, p2 = page(d1, l1, a), page(d2, l2, a)
        if p1 != p2:
            sys.exit('page 0x%x differs' % a)
        pages += 1
# packed: the kernel text is stored once, the hole not at all
if len(d2) != 4096 + (60 << 20):
    sys.exit('copy is %d bytes' % len(d2))
print('# %d pages equal' % pages)
PY
$GET copy "$T/x.elf" - -f elf >"$T/z.elf" || fail "copy to a pipe"
cmp -s "$T/y.elf" "$T/z.elf" || fail "copy to a pipe differs from the file"
note "copy -f elf: notes, program headers, memory; pipe = file"

expect_rc 1 $GET copy "$T/x.elf" "$T/x.s390"
expect_err "a Linux x86_64 dump cannot be written in the s390 format \(s390 dumps only\); use -f elf"
[ ! -e "$T/x.s390" ] || fail "output written"

# s390x with VMCOREINFO: s390 format, memory equal to the s390 image
$MKIMAGE -o "$T/s.elf" -s 16M --seed 9 --cpus 2 --format elf || fail mkimage
$MKIMAGE -o "$T/s.img" -s 16M --seed 9 --cpus 2 || fail mkimage
expect_rc 0 $GET info "$T/s.elf"
expect_out "^Arch: +s390x$"
expect_out "^Kernel: +6.1.0-zfd-test$"
expect_out "^  CPU 1 +prefix 0x00022000$"
expect_rc 0 $GET copy "$T/s.elf" "$T/s.s390"
same_bytes "$T/s.s390" 4096 "$T/s.img" 4096 $((16 << 20))
expect_rc 0 $GET info "$T/s.s390"
expect_out "^Created: +2026-01-01T00:00:09Z$"
note "s390x core with VMCOREINFO: copy -f s390, crash time as TOD"
exit 0
