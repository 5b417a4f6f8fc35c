#!/bin/bash
# limit and truncate: header fields adjusted, only that much memory
# dumped, end marker and manifest at the shortened positions.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

IMG=$T/src.img
$MKIMAGE -o "$IMG" -s 32M --seed 11 || fail mkimage
LIM=$((8 << 20))

# check_short PART: a dump of the first 8 MiB of $IMG
check_short() {
	local part=$1
	[ "$(be_u64 "$part" $((0x18)))" = $LIM ] || fail "mem_size not 8 MiB"
	[ "$(be_u64 "$part" $((0x28)))" = $LIM ] || fail "mem_end"
	[ "$(be_u32 "$part" $((0x30)))" = $((LIM / 4096)) ] || fail "num_pages"
	# the rest of the header as in the source
	same_bytes "$part" 0 "$IMG" 0 $((0x18))
	same_bytes "$part" $((0x34)) "$IMG" $((0x34)) $((4096 - 0x34))
	same_bytes "$part" 4096 "$IMG" 4096 $LIM
	raw_has_end_marker "$part" $LIM || fail "no end marker after 8 MiB"
	raw_manifest "$part" $LIM "$T/man"
	[ "$(manifest_get "$T/man" mem_size)" = $LIM ] || fail mem_size
	[ "$(manifest_get "$T/man" dumped_bytes)" = $LIM ] || fail dumped_bytes
	[ "$(manifest_get "$T/man" mem_size_orig)" = $((32 << 20)) ] ||
		fail mem_size_orig
	raw_check_digest "$part" $LIM "$T/man"
}

# limit = "8M" from a config file
part=$T/limit.part
raw_target "$part" $(raw_need $((32 << 20)))
cat >"$T/limit.conf" <<CONF
source = { type = "file"; path = "$IMG"; };
limit = "8M";
sinks = ( { type = "raw"; device = "$part"; } );
CONF
expect_rc 0 zfd_raw -c "$T/limit.conf"
check_short "$part"
[ "$(manifest_get "$T/man" status)" = complete ] || fail "limit: status"

# truncate = true on a partition that holds 8 MiB of memory
part=$T/trunc.part
raw_target "$part" $(raw_need $LIM)
expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$part,truncate=true"
expect_err "truncated"
check_short "$part"
[ "$(manifest_get "$T/man" status)" = truncated ] || fail "truncate: status"

# the same partition without truncate: refused, untouched
raw_target "$part" $(raw_need $LIM)
cp "$part" "$T/before"
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part too small: $(raw_need $LIM) bytes, need $(raw_need $((32 << 20)))"
cmp "$part" "$T/before" || fail "too small target was modified"
exit 0
