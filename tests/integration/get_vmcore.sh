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
# notes unchanged; program headers: the same addresses and sizes, in the
# same order; memory: every physical page of the source equals the copy's;
# packed: the kernel text is stored once, the hole not at all
same_elf_core "$T/x.elf" "$T/y.elf" --size $((4096 + (60 << 20)))
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
