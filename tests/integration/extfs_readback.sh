#!/bin/bash
# extfs sink: byte-exact readback on ext2, ext3 and ext4, sparse and not,
# fsck-clean afterwards; sparse dumps allocate about the non-zero data.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

$MKIMAGE -o "$T/img" -s 24M --seed 7 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/imgi" -s 8M --seed 3 --layout interleaved >/dev/null || fail "zfd-mkimage"
mem=$((24 << 20))

for t in ext2 ext3 ext4; do
	for sparse in true false; do
		note "$t sparse=$sparse"
		mkfs "$t" "$T/fs" 64M
		expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; sparse = $sparse;"
		fsck_clean "$T/fs"
		[ "$(fs_ls "$T/fs")" = "$(printf 'dump.0\ndump.0.info')" ] ||
			fail "$t: unexpected names: $(fs_ls "$T/fs")"
		check_dump "$T/fs" /dump.0 "$T/img"
		# Mode 0640, regular file.
		debugfs -R "stat /dump.0" "$T/fs" 2>/dev/null | grep -q "Mode:  0640" ||
			fail "$t: dump.0 is not mode 0640"
		zp=$(manifest_get "$T/readback.info" zero_pages)
		[ "$zp" -gt 1000 ] || fail "image has too few zero pages ($zp)"
		blocks=$(fs_blocks "$T/fs" /dump.0)
		data=$(( (4096 + mem) / 512 + 2 ))
		if [ "$sparse" = true ]; then
			# header + non-zero pages, + the end marker's block and
			# at most 2 % for the block map / extent tree
			nonzero=$(( (4096 + mem - zp * 4096) / 512 ))
			[ "$blocks" -gt "$nonzero" ] &&
				[ "$blocks" -le $((nonzero + 8 + nonzero / 50)) ] ||
				fail "$t sparse: $blocks blocks allocated, non-zero data is $nonzero"
		else
			[ "$blocks" -ge "$data" ] ||
				fail "$t: $blocks blocks allocated for $data of data"
		fi
	done
	# Adversarial layout: zero pages scattered one by one (many extents).
	note "$t interleaved"
	mkfs "$t" "$T/fs" 64M
	expect_rc 0 $FEED "$T/imgi" "device = \"$T/fs\"; fsck = \"no\";"
	fsck_clean "$T/fs"
	check_dump "$T/fs" /dump.0 "$T/imgi"
done

# 1 KiB blocks (mke2fs default for small filesystems) and 2 KiB blocks.
for b in 1024 2048; do
	note "ext3 block size $b"
	mkfs ext3 "$T/fs" 64M -b $b
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	fsck_clean "$T/fs"
	check_dump "$T/fs" /dump.0 "$T/img"
done

# ext4's extent tree is built by the sink: with 1 KiB blocks (84 extents
# per block) and page-interleaved zero pages it grows to depth 3, in
# several commits; a second dump and a kill in the middle of a third.
note "ext4 extent tree of depth 3"
$MKIMAGE -o "$T/deep" -s 512M --seed 4 --layout interleaved >/dev/null || fail "zfd-mkimage"
mkfs ext4 "$T/fs" 1100M -b 1024
for i in 0 1; do
	expect_rc 0 $FEED "$T/deep" "device = \"$T/fs\"; fsck = \"no\";"
	check_dump "$T/fs" /dump.$i "$T/deep"
done
depth=$(debugfs -R "ex /dump.0" "$T/fs" 2>/dev/null | awk 'NR == 2 { sub("/", " "); print $2 }')
[ "$depth" = 3 ] || fail "extent tree depth $depth, expected 3"
fsck_clean "$T/fs"
expect_rc 137 $FEED --kill-after 400M "$T/deep" "device = \"$T/fs\"; fsck = \"no\";"
rc=0
e2fsck -p "$T/fs" >"$T/p.out" 2>&1 || rc=$?
[ $rc -le 1 ] || { cat "$T/p.out" >&2; fail "e2fsck -p exit $rc"; }
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.2.incomplete "$T/part"
[ "$(stat -c %s "$T/part")" -ge $((128 << 20)) ] || fail "partial dump too short"
same_bytes "$T/part" 0 "$T/deep" 0 "$(stat -c %s "$T/part")"
check_dump "$T/fs" /dump.1 "$T/deep"
exit 0
