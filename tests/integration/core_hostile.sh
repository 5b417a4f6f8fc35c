#!/bin/bash
# Hostile inputs and review findings of the daemon (issue 12): failover on
# a typed cause, sizes near 2^64, source = target, -q, -n, config errors
# reported all at once, numbers out of range.
. "$abs_top_srcdir/tests/integration/core_common.sh"

# put_be64 FILE OFFSET VALUE: a big-endian u64 into FILE at OFFSET
put_be64() {
	printf '%016x' "$3" | sed 's/../\\x&/g' | xargs -0 printf |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

note "finding 5: a sink failing with EBUSY ('resource' in its message) fails over"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/a,fail_at=10M,fail_errno=16" \
	-o "test:path=$T/b"
grep -q "reason: write failed at memory offset .*: Device or resource busy" "$T/a.info" ||
	fail "sink a: $(cat "$T/a.info")"
check_dump "$T/b" "$T/img" $MEM
expect_err "failing over to test"

note "finding 5: a source that ends early fails every sink alike: no failover"
head -c $((4096 + (20 << 20))) "$T/img" >"$T/short.img"
expect_rc 1 $ZFD -s "file:$T/short.img" -o "test:path=$T/c" -o "test:path=$T/d"
[ "$(manifest_get "$T/c.info" status)" = incomplete ] || fail "sink c not incomplete"
[ "$(manifest_get "$T/c.info" dumped_bytes)" = $((20 << 20)) ] || fail "sink c dumped_bytes"
[ ! -e "$T/d" ] || fail "failover after the source failed"
expect_err "the source failed \(source ended after 20971520 of 33554432 bytes of memory\): no failover"

note "finding 4: mem_size near 2^64 is refused; a 64 KiB raw target is never written"
cp "$T/img" "$T/huge.img"
put_be64 "$T/huge.img" $((0x18)) 0xffffffffffffd000
head -c 65536 /dev/zero >"$T/raw64k"
expect_rc 1 $ZFD -s "file:$T/huge.img" -o "raw:device=$T/raw64k"
expect_err "not an s390 dump: mem_size 0xffffffffffffd000 is impossible \(more than 4 PiB\)"
cmp -s "$T/raw64k" <(head -c 65536 /dev/zero) || fail "the 64 KiB target was written"
note "finding 4: 4 PiB (the largest size allowed) does not fit 64 KiB either"
put_be64 "$T/huge.img" $((0x18)) $((1 << 52))
expect_rc 1 $ZFD -s "file:$T/huge.img" -o "raw:device=$T/raw64k"
expect_err "too small: 65536 bytes, need 4503599627382784"
cmp -s "$T/raw64k" <(head -c 65536 /dev/zero) || fail "the 64 KiB target was written"
exit 0
