#!/bin/bash
# Write-side fault injection for the raw sink (issue 12): EIO, ENOSPC and
# short writes at chosen offsets, failing fsync()s, through the test-only
# LD_PRELOAD shim tests/shims/iofault.c. Whatever fails, the dump is never
# "complete": it ends incomplete (manifest status incomplete, no end
# marker, exit 1) or, when not even the header could be written, as no
# dump at all (magic 0); and the error line names the fault.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

MEM=$((8 << 20))
IMG=$T/src.img
# no zero pages: every memory block is a real write (zero blocks of an
# image file become holes, written with fallocate, not pwrite)
$MKIMAGE -o "$IMG" -s 8M --mix 0,50,50 --seed 3 || fail mkimage
part=$T/part
raw_target "$part" $(raw_need $MEM)
ppath=$(readlink -f "$part")
EM=$((4096 + MEM))				# end marker offset
MAN=$(( (EM + 16 + 4095) / 4096 * 4096 ))	# manifest offset
EIO="Input/output error"
ENOSPC="No space left on device"

# fault NAME OP ERROR OFFSET SKIP COUNT: one run with that fault; checks
# that it really happened, exit 1 and a message naming it.
fault() {
	local name=$1 msg
	note "$name"
	rm -f "$T/fault.log"
	export ZFD_IOFAULT_PATH=$ppath ZFD_IOFAULT_OP=$2 ZFD_IOFAULT_ERROR=$3 \
		ZFD_IOFAULT_OFFSET=$4 ZFD_IOFAULT_SKIP=$5 ZFD_IOFAULT_COUNT=$6 \
		ZFD_IOFAULT_LOG=$T/fault.log
	expect_rc 1 zfd_raw_faulty -s "file:$IMG" -o "raw:device=$part"
	unset ZFD_IOFAULT_PATH ZFD_IOFAULT_OP ZFD_IOFAULT_ERROR ZFD_IOFAULT_OFFSET \
		ZFD_IOFAULT_SKIP ZFD_IOFAULT_COUNT ZFD_IOFAULT_LOG
	[ -s "$T/fault.log" ] || fail "$name: no fault was injected"
	case $3 in EIO) msg=$EIO ;; *) msg=$ENOSPC ;; esac
	expect_err "$msg"
	! grep -q "dump complete" "$T/.stderr" || fail "$name: 'dump complete' said"
}

# incomplete GOOD REASON: the target holds a valid header, the first GOOD
# memory bytes, no end marker, a manifest "incomplete" with that reason;
# zfcpdump-get verify refuses it.
incomplete() {
	[ "$(be_hex "$part" 0 8)" = a8190173618f23fd ] || fail "no valid header"
	same_bytes "$part" 0 "$IMG" 0 $((4096 + $1))
	! raw_has_end_marker "$part" $MEM || fail "end marker written"
	raw_zero_at "$part" $EM 16 || fail "end marker spot not zeroed"
	raw_manifest "$part" $MEM "$T/man"
	[ "$(manifest_get "$T/man" status)" = incomplete ] ||
		fail "manifest status $(manifest_get "$T/man" status)"
	[ "$(manifest_get "$T/man" dumped_bytes)" = "$1" ] ||
		fail "dumped_bytes $(manifest_get "$T/man" dumped_bytes), expected $1"
	grep -q "^reason: .*$2" "$T/man" || { cat "$T/man" >&2; fail "reason"; }
	local rc=0
	$ZFCPDUMP_GET verify "$part" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "verify accepted an incomplete dump"
}

# no_dump: not even the header made it: magic 0, nothing looks like a dump.
no_dump() {
	[ "$(be_hex "$part" 0 8)" = 0000000000000000 ] || fail "header written"
	local rc=0
	$ZFCPDUMP_GET info "$part" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "info accepted a dump without header"
}

# A good dump first, so that every fault overwrites a complete one.
expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$part"
raw_has_end_marker "$part" $MEM || fail "setup: no end marker"

HALF=$((4 << 20))
fault "EIO in the memory" write EIO $((4096 + HALF)) 0 1
expect_err "write to device $part at offset $((4096 + HALF)) failed: $EIO"
incomplete $HALF "$EIO"

fault "ENOSPC in the memory" write ENOSPC $((4096 + HALF)) 0 1
expect_err "write to device $part at offset $((4096 + HALF)) failed: $ENOSPC"
incomplete $HALF "$ENOSPC"

fault "ENOSPC in the memory, for good" write ENOSPC $((4096 + HALF)) 0 0
incomplete $HALF "$ENOSPC"

# a short write (the first 4 KiB of a block), then the device is full
fault "short write, then ENOSPC" write short $((4096 + HALF + 4096)) 0 2
grep -q "short write" "$T/fault.log" || fail "no short write injected"
expect_err "write to device $part at offset $((4096 + HALF)) failed: $ENOSPC"
incomplete $HALF "$ENOSPC"

fault "EIO writing the end marker and manifest" write EIO $EM 0 1
expect_err "write to device $part at offset $((EM / 4096 * 4096)) failed: $EIO"
expect_err "dump marked incomplete \(writing the end of the dump failed\)"
incomplete $MEM "writing the end of the dump failed"

fault "EIO writing the real header" write EIO 0 1 1
expect_err "write to device $part at offset 0 failed: $EIO"
incomplete $MEM "writing the end of the dump failed"

fault "fsync fails after the manifest" fsync EIO 0 1 1
expect_err "flushing device $part failed: $EIO"
incomplete $MEM "flushing the device failed"

fault "fsync fails after the real header" fsync EIO 0 2 1
expect_err "flushing device $part failed: $EIO"
incomplete $MEM "flushing the device failed"

fault "fsync fails after the placeholder header" fsync EIO 0 0 1
no_dump

fault "the real header cannot be written at all" write EIO 0 1 0
no_dump

# A short write alone is no error: the rest is written again, and the
# dump is complete and byte-exact.
note "short write alone"
export ZFD_IOFAULT_PATH=$ppath ZFD_IOFAULT_ERROR=short \
	ZFD_IOFAULT_OFFSET=$((4096 + HALF + 4096)) ZFD_IOFAULT_LOG=$T/short.log
expect_rc 0 zfd_raw_faulty -s "file:$IMG" -o "raw:device=$part"
unset ZFD_IOFAULT_PATH ZFD_IOFAULT_ERROR ZFD_IOFAULT_OFFSET ZFD_IOFAULT_LOG
grep -q "short write" "$T/short.log" || fail "no short write injected"
same_bytes "$part" 0 "$IMG" 0 $((4096 + MEM))
raw_has_end_marker "$part" $MEM || fail "no end marker"
expect_rc 0 $ZFCPDUMP_GET verify "$part"
exit 0
