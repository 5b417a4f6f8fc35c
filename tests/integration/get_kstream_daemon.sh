#!/bin/bash
# The daemon's format = "kdump" (KDUMP-SPEC) read back by zfcpdump-get:
# zfcpdump -s file:CORE -o raw:device=IMG,format=kdump stores the
# flattened stream with its manifest, and so does the extfs sink as dump.N;
# verify, info, copy -f kdump|elf, list, and a dump cut by a full device
# (no end record, manifest incomplete).
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

# one_line: the last command's stderr is exactly one line.
one_line() {
	[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr"; fail "$1: not one line"; }
}

$MKIMAGE -o "$T/x.elf" -s 48M --arch x86_64 --format elf --seed 5 \
	--hole 40M:4M --cpus 3 || fail "zfd-mkimage x86_64"
expect_rc 0 $GET copy -f kdump "$T/x.elf" "$T/ref.kdump"
expect_rc 0 $GET copy -f elf "$T/ref.kdump" "$T/ref.elf"

note "raw, zstd, dump_level 0: the stream, the manifest behind it"
raw_target "$T/part" $((64 << 20))
expect_rc 0 zfd_raw -s "file:$T/x.elf" -o "raw:device=$T/part,format=kdump"
expect_rc 0 $GET verify "$T/part"
expect_out "complete, kdump flattened stream of [0-9]+ bytes \(compress zstd, dump_level 0\), digest ok \(xxh3-128:[0-9a-f]{32}"
S=$(sed -n 's/.*kdump flattened stream of \([0-9]*\) bytes.*/\1/p' "$T/.stdout")
[ "$(head -c 12 "$T/part")" = makedumpfile ] || fail "no flat header at 0"
[ "$(dd if="$T/part" bs=1 skip=$((S - 16)) count=16 status=none | od -An -tx1 | tr -d ' \n')" = \
	ffffffffffffffffffffffffffffffff ] || fail "no end record before S"
expect_rc 0 $GET info "$T/part"
expect_out '^Input: +raw dump \(partition or image\)$'
expect_out "^Format: +kdump \(flattened stream, $S bytes, [0-9]+ records, end record ok\)$"
expect_out '^Status: +complete$'
expect_out '^Compress: +zstd$'
expect_out "^Manifest: +manifest block at offset $(( (S + 4095) / 4096 * 4096 ))$"
expect_out '^  format +kdump$'
expect_rc 0 $GET copy -f kdump "$T/part" "$T/c.kdump"
cmp "$T/c.kdump" "$T/ref.kdump" || fail "copy -f kdump of the daemon's raw dump differs from copy -f kdump of the core"
expect_rc 0 $GET copy -f elf "$T/part" "$T/c.elf"
cmp "$T/c.elf" "$T/ref.elf" || fail "copy -f elf of the daemon's raw dump differs"

note "raw, lzo, -d 1"
expect_rc 0 zfd_raw -s "file:$T/x.elf" -d 1 -o "raw:device=$T/part,format=kdump,compress=lzo"
expect_rc 0 $GET verify "$T/part"
expect_out '\(compress lzo, dump_level 1\), digest ok'
expect_rc 0 $GET info "$T/part"
expect_out '^Compress: +lzo$'
expect_out '^Dump level: +1$'
expect_rc 0 $GET copy -f kdump -c lzo "$T/part" "$T/c1.kdump"
expect_rc 0 $GET info "$T/c1.kdump"
expect_out '^Status: +complete$'

note "extfs: dump.N holds the stream, dump.N.info its manifest"
mke2fs -q -F -t ext4 -b 4096 "$T/fs" 64M >/dev/null 2>&1 || fail "mke2fs"
expect_rc 0 zfd_raw -s "file:$T/x.elf" -o "extfs:device=$T/fs,format=kdump,fsck=no"
expect_rc 0 zfd_raw -s "file:$T/x.elf" -o "extfs:device=$T/fs,format=kdump,fsck=no,compress=lzo"
e2fsck -fn "$T/fs" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "e2fsck after two kdump dumps"; }
expect_rc 0 $GET verify "$T/fs:dump.0"
expect_out "complete, kdump flattened stream of $S bytes \(compress zstd, dump_level 0\), digest ok"
expect_rc 0 $GET verify "$T/fs:dump.1"
expect_out '\(compress lzo, dump_level 0\), digest ok'
expect_rc 0 $GET info "$T/fs:dump.1"
expect_out '^Input: +file in an ext2/3/4 filesystem$'
expect_out '^Compress: +lzo$'
expect_out '^Manifest: +dump.1.info$'
rm -f "$T/c.kdump" "$T/c.elf"
expect_rc 0 $GET copy -f kdump "$T/fs:dump.0" "$T/c.kdump"
cmp "$T/c.kdump" "$T/ref.kdump" || fail "copy -f kdump of the daemon's dump.0 differs from copy -f kdump of the core"
expect_rc 0 $GET copy -f elf "$T/fs:dump.1" "$T/c.elf"
cmp "$T/c.elf" "$T/ref.elf" || fail "copy -f elf of the daemon's dump.1 differs"
expect_rc 0 $GET list "$T/fs"
expect_out '^0 +dump.0 .* complete *$'
expect_out '^1 +dump.1 .* complete *$'

note "a device too small: the stream cut, the manifest says incomplete"
raw_target "$T/small" $((4 << 20))
expect_rc 1 zfd_raw -s "file:$T/x.elf" -o "raw:device=$T/small,format=kdump"
expect_rc 1 $GET verify "$T/small"
expect_err "small: incomplete: [0-9]+ of 50331648 memory bytes dumped \(.*No space left on device\); flattened kdump stream (cut off|ends at)"
one_line "cut by the device's end"
expect_rc 0 $GET info "$T/small"
expect_out '^Format: +kdump \(flattened stream, [0-9]+ bytes, [0-9]+ records, end record missing\)$'
expect_out '^Status: +incomplete: '
expect_rc 1 $GET copy -f kdump "$T/small" "$T/c.small"
expect_err 'nothing to convert$'
[ ! -e "$T/c.small" ] || fail "copy of a cut stream left an output"
exit 0
