#!/bin/bash
# zfcpdump-get on raw partition images: dump at 0, manifest block at the
# 4 KiB boundary after the end marker, old data behind it.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

make_image
r=$T/raw
RAW_SIZE=$((16 << 20))
MAN_OFF=$(( (4096 + MEM + 16 + 4095) / 4096 * 4096 ))
$MKDUMP -i "$T/img" -o "$r" -l raw --raw-size $RAW_SIZE || fail "get-mkdump"
check_good "$r"
expect_rc 0 $GET info "$r"
expect_out "^Input: +raw dump"
expect_out "^Manifest: +manifest block at offset $MAN_OFF$"
cmp -n 4096 "$T/copy.info" <(dd if="$r" bs=4096 skip=$((MAN_OFF / 4096)) count=1 2>/dev/null | tr -d '\0') ||
	fail "manifest copied beside the dump differs from the raw block"

note "end marker overwritten"
cp "$r" "$T/cut"
dd if=/dev/zero of="$T/cut" bs=1 seek=$((4096 + MEM)) count=16 conv=notrunc 2>/dev/null
expect_rc 1 $GET verify "$T/cut"
expect_err "end marker missing at offset $((4096 + MEM))$"

note "flipped memory byte, corrupt header, broken manifest"
cp "$r" "$T/flip"; flip "$T/flip" $((4096 + 7 * 1048576))
expect_rc 1 $GET verify "$T/flip"
expect_err "digest mismatch"
cp "$r" "$T/hdr"; put_be32 "$T/hdr" 0x14 8192
expect_rc 1 $GET verify "$T/hdr"
expect_err "corrupt header: unsupported page size 8192"
cp "$r" "$T/man"; flip "$T/man" $((MAN_OFF + 40))
expect_rc 1 $GET verify "$T/man"
expect_err "manifest malformed|digest mismatch"
cp "$r" "$T/noman"
dd if=/dev/zero of="$T/noman" bs=4096 seek=$((MAN_OFF / 4096)) count=1 conv=notrunc 2>/dev/null
expect_rc 1 $GET verify "$T/noman"
expect_err "manifest missing"

note "placeholder header of a raw dump that never completed"
cp "$r" "$T/placeholder"
dd if=/dev/zero of="$T/placeholder" bs=4096 count=1 conv=notrunc 2>/dev/null
expect_rc 1 $GET verify "$T/placeholder"
expect_err "not a zfcpdump/s390 dump: magic is 0 \(a raw dump that never completed"
expect_rc 1 $GET info "$T/placeholder"

note "incomplete raw dump: real header, no end marker, manifest says so"
inc=$T/inc
dd if=/dev/urandom of="$inc" bs=1M count=16 2>/dev/null	# old data
$MKDUMP -i "$T/img" -o "$inc.new" -l raw --dumped $((3 << 20)) || fail "get-mkdump"
dd if="$inc.new" of="$inc" conv=notrunc 2>/dev/null
expect_rc 1 $GET verify "$inc"
expect_err "incomplete: 3145728 of $MEM memory bytes dumped .*; digest of the 3145728 dumped bytes ok"
expect_rc 0 $GET info --json "$inc"
cp "$T/.stdout" "$T/inc.json"; json_ok "$T/inc.json"
[ "$(json_get "$T/inc.json" 'd["status"]')" = incomplete ] || fail "json status"
expect_rc 0 $GET copy "$inc" "$T/inc.copy"
[ "$(stat -c %s "$T/inc.copy")" = $((4096 + (3 << 20))) ] || fail "copy size"
same_bytes "$T/inc.copy" 0 "$T/expect" 0 $((4096 + (3 << 20)))
# a stale end marker from an older dump must not make it look complete
dd if="$T/expect" of="$inc" bs=1 skip=$((4096 + MEM)) seek=$((4096 + MEM)) count=16 conv=notrunc 2>/dev/null
expect_rc 1 $GET verify "$inc"
expect_err "incomplete: 3145728 of"
expect_rc 0 $GET info "$inc"
expect_out "^Status: +incomplete"

note "real dumps: zfcpdump file source -> raw sink -> zfcpdump-get"
zraw() {
	$ZFCPDUMP -q --plugin-dir "$ZFD_PLUGINS" --cmdline none "$@"
}
part=$T/part
truncate -s $((MEM + 3 * 4096)) "$part"
expect_rc 0 zraw -s "file:$T/img" -o "raw:device=$part"
expect_rc 0 $GET verify "$part"
expect_rc 0 $GET info "$part"
expect_out "^Status: +complete$"
expect_out "^  sink +raw:$part$"
expect_rc 0 $GET copy "$part" "$T/real"
same_bytes "$T/real" 0 "$T/img" 0 $((4096 + MEM))
[ "$(stat -c %s "$T/real")" = $((4096 + MEM + 16)) ] || fail "real copy size"
expect_rc 0 $GET verify "$T/real"
expect_rc 0 $GET copy "$part" "$T/real.elf" -f elf
expect_rc 0 $GET copy "$T/real.elf" "$T/real.back"
same_bytes "$T/real.back" 4096 "$T/img" 4096 $MEM
# the source breaks off after 3 MiB: the raw sink marks the dump incomplete
head -c $((4096 + (3 << 20))) "$T/img" >"$T/short.img"
expect_rc 1 zraw -s "file:$T/short.img" -o "raw:device=$part"
expect_rc 1 $GET verify "$part"
expect_err "incomplete: 3145728 of $MEM memory bytes dumped.*digest of the 3145728 dumped bytes ok"
expect_rc 0 $GET info --json "$part"
[ "$(json_get "$T/.stdout" 'd["status"], d["manifest"]["fields"]["dumped_bytes"]')" = "('incomplete', '3145728')" ] ||
	fail "info of the real incomplete raw dump"
exit 0
