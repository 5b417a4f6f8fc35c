#!/bin/bash
# A source that ends early (image shorter than its header claims): the
# raw dump is marked incomplete, keeps what was read, never gets an end
# marker (not even a stale one from an older dump), and zfcpdump exits 1.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

MEM=$((16 << 20))
IMG=$T/src.img
$MKIMAGE -o "$IMG" -s 16M --seed 5 || fail mkimage
part=$T/part
raw_target "$part" $(raw_need $MEM)

# an older complete dump of the same size on the partition
expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$part"
raw_has_end_marker "$part" $MEM || fail "setup: no end marker"

# the new source stops after 10 MiB of memory
GOOD=$((10 << 20))
head -c $((4096 + GOOD)) "$IMG" >"$T/short.img"
$MKIMAGE -o "$T/other.img" -s 16M --seed 6 || fail mkimage
# different memory than the old dump, same header
dd if="$T/other.img" of="$T/short.img" bs=4096 skip=1 seek=1 count=$((GOOD / 4096)) \
	conv=notrunc status=none
expect_rc 1 zfd_raw -s "file:$T/short.img" -o "raw:device=$part"
[ "$(be_hex "$part" 0 8)" = a8190173618f23fd ] || fail "no valid header"
same_bytes "$part" 0 "$T/short.img" 0 4096
! raw_has_end_marker "$part" $MEM || fail "incomplete dump has an end marker"
raw_zero_at "$part" $((4096 + MEM)) 16 || fail "end marker spot not zeroed"
raw_manifest "$part" $MEM "$T/man"
[ "$(manifest_get "$T/man" status)" = incomplete ] || fail status
[ "$(manifest_get "$T/man" dumped_bytes)" = $GOOD ] || fail dumped_bytes
same_bytes "$part" 4096 "$T/short.img" 4096 $GOOD
exit 0
