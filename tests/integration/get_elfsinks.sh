#!/bin/bash
# zfcpdump-get on ELF dumps the sinks really wrote (sink ABI 2; issue 10
# items 3, 4): the daemon dumps an x86_64 core like /proc/vmcore (format
# elf, the default for an ELF source) to a raw partition image and into
# ext4, the tape sink (simulated drive, AWSTAPE image) stores it too; an
# s390 image goes to raw as elf (positional, an s390 model). verify checks
# each digest the daemon computed (complete, incomplete after a write
# error, truncated, tape full), info names architecture, kernel, CPUs and
# crash time, list and copy read them (copy -f elf gives what zfcpdump-get
# itself makes of the core; copy -f s390 of the s390 model's elf gives
# the image back).
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

IOFAULT_SO=$ZFD_BUILD/tests/shims/.libs/libiofault.so
FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
zfd() {
	$ZFCPDUMP -q --plugin-dir "$ZFD_PLUGINS" --cmdline none "$@"
}
# zfd_faulty ARGS...: zfd with the iofault shim (ZFD_IOFAULT_* from the
# caller's environment); under qemu-user for the s390x program only
zfd_faulty() {
	preloaded "$IOFAULT_SO" zfd "$@"
}

$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --mix 0,50,50 --format elf --arch x86_64 --cpus 2 \
	--hole 40M:4M --kernel 6.1.0-13-amd64 || fail "zfd-mkimage x86_64"
expect_rc 0 $GET copy "$T/x.elf" "$T/c.elf" -f elf
SIZE=$((4096 + (60 << 20)))	# the stored dump: prologue + packed memory
[ "$(stat -c %s "$T/c.elf")" = $SIZE ] || fail "packed ELF core size"

# good DUMP KIND MANIFEST: a complete ELF dump of x.elf
good() {
	expect_rc 0 $GET verify "$1"
	expect_out "^$1: complete, $((60 << 20)) memory bytes, $SIZE stored bytes \(elf\), digest ok"
	info_x86_elf "$1" "$2" "$3"
	expect_out "^  format +elf$"
	expect_out "^  kernel +6.1.0-13-amd64$"
	rm -f "$T/out.elf"
	expect_rc 0 $GET copy "$1" "$T/out.elf" -f elf
	cmp "$T/out.elf" "$T/c.elf" || fail "copy -f elf of $1 differs"
}

note "raw: complete, then incomplete after a write error, then truncated"
truncate -s 80M "$T/part"
expect_rc 0 zfd -s "file:$T/x.elf" -o "raw:device=$T/part"
good "$T/part" "raw dump \(partition or image\)" "manifest block at offset $SIZE"
cmp -n $SIZE "$T/part" "$T/c.elf" || fail "raw: the stored dump is not the packed core"
# a write error at 30 MiB of the partition (no zero pages: every block
# is a write): the data below it is the dump
rm -f "$T/part"; truncate -s 80M "$T/part"
fault30() {
	ZFD_IOFAULT_PATH="$(readlink -f "$T/part")" ZFD_IOFAULT_OFFSET=$((30 << 20)) zfd_faulty "$@"
}
expect_rc 1 fault30 -s "file:$T/x.elf" -o "raw:device=$T/part"
expect_rc 1 $GET verify "$T/part"
expect_err "^zfcpdump-get: $T/part: incomplete: [0-9]+ of 67108864 memory bytes dumped \(.*\); digest of the [0-9]+ stored bytes ok$"
expect_rc 0 $GET info "$T/part"
expect_out "^Status: +incomplete: "
expect_out "^  status +incomplete$"
# too small, truncate = true: complete up to what fits
truncate -s 40M "$T/small"
expect_rc 0 zfd -s "file:$T/x.elf" -o "raw:device=$T/small,truncate=true"
expect_rc 1 $GET verify "$T/small"
expect_err "^zfcpdump-get: $T/small: truncated: .*; digest of the [0-9]+ stored bytes ok$"
expect_rc 0 $GET info "$T/small"
expect_out "^Status: +truncated: "

note "ext4: dump.0, list"
mke2fs -q -F -t ext4 -b 4096 "$T/fs" 128M || fail "mke2fs"
expect_rc 0 zfd -s "file:$T/x.elf" -o "extfs:device=$T/fs,fsck=no,format=elf"
good "$T/fs:dump.0" "file in an ext2/3/4 filesystem" "dump.0.info"
expect_rc 0 $GET list "$T/fs"
grep -Eq '^0 +dump.0 +64.0 +2026-01-01T00:00:05Z +complete *$' "$T/.stdout" ||
	{ cat "$T/.stdout"; fail "list: dump.0"; }

note "tape (simulated drive): complete, and full after 20 MiB"
expect_rc 0 $FEED dump --sim --aws "$T/tape" --format elf "$T/x.elf"
good "$T/tape" "tape" "tape file 2"
$GET copy "$T/tape" - -f elf >"$T/pipe.elf" || fail "copy of a tape to a pipe"
cmp "$T/pipe.elf" "$T/c.elf" || fail "copy of a tape to a pipe differs"
expect_rc 1 $FEED dump --sim --sim-capacity $((20 << 20)) --aws "$T/full" \
	--format elf "$T/x.elf"
expect_rc 1 $GET verify "$T/full"
expect_err "^zfcpdump-get: $T/full: incomplete: [0-9]+ of 67108864 memory bytes dumped \(.*\); digest of the [0-9]+ stored bytes ok$"

note "an s390 image as elf (an s390 model: positional) on raw"
$MKIMAGE -o "$T/img" -s $MEM --seed 7 --hole 1M:2M --cpus 2 || fail "zfd-mkimage"
truncate -s 16M "$T/spart"
expect_rc 0 zfd -s "file:$T/img" -o "raw:device=$T/spart,format=elf"
expect_rc 0 $GET verify "$T/spart"
expect_out "^$T/spart: complete, $MEM memory bytes, [0-9]+ stored bytes \(elf\), digest ok"
expect_rc 0 $GET info "$T/spart"
expect_out "^Arch: +s390x$"
expect_out "^  CPU 1 +prefix 0x00022000$"
expect_rc 0 $GET copy "$T/spart" "$T/s.s390"
same_bytes "$T/s.s390" 4096 "$T/img" 4096 $MEM
# with the memory map: the hole is not stored
$MKIMAGE -o "$T/img" -s $MEM --seed 7 --hole 1M:2M --cpus 2 \
	--memmap "$T/map" || fail "zfd-mkimage"
expect_rc 0 zfd -s "file:$T/img,memmap=$T/map" -o "raw:device=$T/spart,format=elf"
expect_rc 0 $GET verify "$T/spart"
expect_out "^$T/spart: complete, $((MEM - (2 << 20))) memory bytes, [0-9]+ stored bytes \(elf\), digest ok"
expect_rc 0 $GET copy "$T/spart" "$T/s.s390"
same_bytes "$T/s.s390" 4096 "$T/img" 4096 $MEM

note "an s390 image as elf, incomplete (the source ends at 5 MiB)"
# the final prologue describes only the data written and the raw manifest
# lies right behind that (sink.h: zfd_result.size), not behind the dump as
# planned, where an older dump's manifest may lie; the digest covers the
# prologue as it was at the start (verify says so)
head -c $((4096 + (5 << 20))) "$T/img" >"$T/short.img"
rm -f "$T/spart"; truncate -s 16M "$T/spart"
dd if=/dev/zero bs=1M count=16 2>/dev/null | tr '\0' '\132' >"$T/old"
dd if="$T/old" of="$T/spart" conv=notrunc 2>/dev/null	# an older dump's bytes
# and an older complete dump's manifest behind ours
printf 'zfcpdump-info 1\nstatus: complete\nformat: elf\nmem_size: 4096\n' |
	dd of="$T/spart" bs=4096 seek=$((6 << 8)) conv=notrunc 2>/dev/null
expect_rc 1 zfd -s "file:$T/short.img" -o "raw:device=$T/spart,format=elf"
readelf -lW "$T/spart" | grep -q ' LOAD ' || fail "no PT_LOAD in the incomplete raw dump"
expect_rc 0 $GET info "$T/spart"
expect_out "^Status: +incomplete: "
expect_out "^Manifest: +manifest block at offset $((4096 + (5 << 20)))$"
expect_rc 1 $GET verify "$T/spart"
expect_err "^zfcpdump-get: $T/spart: incomplete: .*; digest not checked: the ELF prologue was cut to the data written, the manifest's digest covers it as it was at the start$"
expect_rc 1 $GET copy "$T/spart" "$T/inc.elf" -f elf
expect_err "an ELF core would hide that"
mke2fs -q -F -t ext4 -b 4096 "$T/sfs" 32M || fail "mke2fs"
expect_rc 1 zfd -s "file:$T/short.img" -o "extfs:device=$T/sfs,fsck=no,format=elf"
expect_rc 0 $GET list "$T/sfs"
grep -Eq '^0 +dump.0(.incomplete)? .* incomplete +incomplete: ' "$T/.stdout" ||
	{ cat "$T/.stdout"; fail "list: the incomplete extfs elf dump"; }
d0=$(sed -n 's/^0 \+\(dump.0[a-z.]*\) .*/\1/p' "$T/.stdout")
expect_rc 1 $GET verify "$T/sfs:$d0"
expect_err "incomplete: .*; digest not checked: the ELF prologue was cut"

note "an s390x core to s390: info names the kernel from the manifest"
$MKIMAGE -o "$T/s.elf" -s 16M --seed 9 --cpus 2 --format elf || fail mkimage
truncate -s 20M "$T/s390part"
expect_rc 0 zfd -s "file:$T/s.elf" -o "raw:device=$T/s390part,format=s390"
expect_rc 0 $GET verify "$T/s390part"
expect_rc 0 $GET info "$T/s390part"
expect_out "^Format: +s390 \(s390 header version 5\)$"
expect_out "^Kernel: +6.1.0-zfd-test$"
expect_rc 0 $GET info --json "$T/s390part"
expect_out '"kernel": "6.1.0-zfd-test",'
exit 0
