#!/bin/bash
# zfcpdump file source -> raw sink on a partition image: byte-exact header
# and memory, end marker, manifest fields, digest checked with xxhsum -H2.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

MEM=$((16 << 20))
for layout in runs interleaved; do
	img=$T/$layout.img part=$T/$layout.part
	$MKIMAGE -o "$img" -s 16M --seed 7 --layout "$layout" || fail mkimage
	size=$(( $(raw_need $MEM) + 65536 ))
	raw_target "$part" $size
	cp "$part" "$T/before"

	expect_rc 0 zfd_raw -s "file:$img" -o "raw:device=$part"
	[ "$(stat -c %s "$part")" = $size ] || fail "target size changed"
	same_bytes "$part" 0 "$img" 0 $((4096 + MEM))
	raw_has_end_marker "$part" $MEM || fail "no end marker ($layout)"
	# zeros from the end marker to the manifest block
	raw_zero_at "$part" $((4096 + MEM + 16)) $((4096 - 16)) ||
		fail "stale bytes between end marker and manifest"
	raw_manifest "$part" $MEM "$T/man"
	head -n 1 "$T/man" | grep -qx 'zfcpdump-info 1' || fail "manifest magic"
	[ "$(manifest_get "$T/man" status)" = complete ] || fail status
	[ "$(manifest_get "$T/man" format)" = s390 ] || fail format
	[ "$(manifest_get "$T/man" mem_size)" = $MEM ] || fail mem_size
	[ "$(manifest_get "$T/man" dumped_bytes)" = $MEM ] || fail dumped_bytes
	[ "$(manifest_get "$T/man" hole_bytes)" = 0 ] || fail hole_bytes
	manifest_get "$T/man" sink | grep -q "raw" || fail sink
	manifest_get "$T/man" source | grep -qF "$img" || fail source
	raw_check_digest "$part" $MEM "$T/man"
	# nothing written behind the manifest block
	same_bytes "$part" $(raw_need $MEM) "$T/before" $(raw_need $MEM) 65536
	note "$layout: byte-exact, end marker, manifest, digest ok"
done

# Memory holes (memmap): zeros in the positional format, counted.
img=$T/holes.img part=$T/holes.part
$MKIMAGE -o "$img" -s 16M --seed 3 --hole 4M:2M --hole 12M:1M \
	--memmap "$T/memmap" || fail mkimage
raw_target "$part" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$img,memmap=$T/memmap" -o "raw:device=$part"
same_bytes "$part" 0 "$img" 0 $((4096 + MEM))
raw_zero_at "$part" $((4096 + (4 << 20))) $((2 << 20)) || fail "hole not zero"
raw_has_end_marker "$part" $MEM || fail "no end marker (holes)"
raw_manifest "$part" $MEM "$T/man"
[ "$(manifest_get "$T/man" hole_bytes)" = $((3 << 20)) ] || fail hole_bytes
raw_check_digest "$part" $MEM "$T/man"

# An exact fit, and a dump over an older dump (the partition is reused).
raw_target "$part" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$T/runs.img" -o "raw:device=$part"
expect_rc 0 zfd_raw -s "file:$T/interleaved.img" -o "raw:device=$part"
same_bytes "$part" 0 "$T/interleaved.img" 0 $((4096 + MEM))
raw_manifest "$part" $MEM "$T/man"
raw_check_digest "$part" $MEM "$T/man"
exit 0
