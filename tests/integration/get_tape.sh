#!/bin/bash
# zfcpdump-get on tapes, through the simulated tape (AWSTAPE image) behind
# the same record/filemark seam as /dev/nstN.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

make_image
# 1048576: the tape sink's largest block_size (ZFD_S390_TAPE_MAX_RECORD)
for bs in 32768 4096 200000 1048576; do
	note "block size $bs"
	$MKDUMP -i "$T/img" -o "$T/tape" -l aws -b $bs || fail "get-mkdump"
	check_good "$T/tape"
	expect_rc 0 $GET info "$T/tape"
	expect_out "^Input: +tape$"
	expect_out "^Manifest: +tape file 2$"
	expect_out "^Ended: +20"
done

# AWSTAPE: 6-byte block headers; record 1 (header) data at 6, the first
# memory record's data at 4102 + 6.
MEM0=$((4102 + 6))
note "flipped memory byte"
$MKDUMP -i "$T/img" -o "$T/t" -l aws || fail "get-mkdump"
cp "$T/t" "$T/flip"; flip "$T/flip" $((MEM0 + 4096 * 3 + 5))
expect_rc 1 $GET verify "$T/flip"
expect_err "digest mismatch"

note "corrupt header record"
cp "$T/t" "$T/hdr"; put_be32 "$T/hdr" $((6 + 12)) 512
expect_rc 1 $GET verify "$T/hdr"
expect_err "corrupt header: bad header size 512"

note "no end-marker record"
$MKDUMP -i "$T/img" -o "$T/noend" -l aws --no-end-marker || fail "get-mkdump"
expect_rc 1 $GET verify "$T/noend"
expect_err "end marker missing at offset $((4096 + MEM))"
expect_rc 0 $GET info "$T/noend"
expect_out "^Status: +incomplete: end marker missing"

note "incomplete tape (dump stopped, manifest says so)"
$MKDUMP -i "$T/img" -o "$T/inc" -l aws --dumped $((2 << 20)) || fail "get-mkdump"
expect_rc 1 $GET verify "$T/inc"
expect_err "incomplete: 2097152 of $MEM memory bytes dumped .*digest of the 2097152 dumped bytes ok"
expect_rc 0 $GET copy "$T/inc" "$T/inc.copy"
[ "$(stat -c %s "$T/inc.copy")" = $((4096 + (2 << 20))) ] || fail "copy size"
same_bytes "$T/inc.copy" 0 "$T/expect" 0 $((4096 + (2 << 20)))

note "manifest file missing"
# cut the tape after the first filemark (drop file 2)
python3 - "$T/t" "$T/noman" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
pos = 0
while True:
    ln = d[pos] | d[pos + 1] << 8
    pos += 6 + ln
    if d[pos - 6 - ln + 4] & 0x40:
        break
open(sys.argv[2], 'wb').write(d[:pos])
PY
expect_rc 1 $GET verify "$T/noman"
expect_err "manifest missing"

note "the tape sink at its largest block_size, read back by zfcpdump-get"
FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
expect_rc 0 $FEED dump --sim --aws "$T/sink.aws" -o block_size=1048576 "$T/expect"
expect_err "in 1048576-byte records"
expect_rc 0 $GET verify "$T/sink.aws"
expect_out "complete, $MEM memory bytes, digest ok"
expect_rc 0 $GET copy "$T/sink.aws" "$T/sink.s390"
same_bytes "$T/sink.s390" 0 "$T/expect" 0 $((4096 + MEM))

note "a record beyond the tape sink's largest block_size"
$MKDUMP -i "$T/img" -o "$T/big" -l aws -b $((1048576 + 4096)) || fail "get-mkdump"
expect_rc 1 $GET verify "$T/big"
expect_err "record too large"

note "not a tape dump"
printf '\000\020\000\000\240\000' >"$T/junk"; head -c 5000 /dev/zero >>"$T/junk"
expect_rc 1 $GET info "$T/junk"
expect_err "not a zfcpdump/s390 dump"
exit 0
