#!/bin/bash
# Failover (policy first) and mirroring (policy all), truncation.
. "$abs_top_srcdir/tests/integration/core_common.sh"

note "first: sink 1 fails at 10 MiB, sink 2 gets the whole dump from offset 0"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/a,fail_at=10M,events=$T/a.ev" \
	-o "test:path=$T/b,events=$T/b.ev"
check_dump "$T/b" "$T/img" $MEM
[ "$(manifest_get "$T/a.info" status)" = incomplete ] || fail "sink a not incomplete"
[ "$(manifest_get "$T/a.info" dumped_bytes)" -le $((10 << 20)) ] || fail "sink a dumped too much"
grep -q "reason: write failed at memory offset" "$T/a.info" || fail "no reason in manifest"
[ "$(dd if="$T/a" bs=1 skip=$((4096 + 10 * 1048576)) count=8 2>/dev/null)" != DUMP_END ] ||
	fail "incomplete dump has an end marker"
# stored offset 4096 (after the s390 header) is memory offset 0
head -n 3 "$T/b.ev" | grep -q "write off=4096 mem=0 " || fail "sink b did not start at offset 0"
expect_err "failing over to test"
expect_out "test: incomplete"

note "first: the first sink that works is the only one written"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/c" -o "test:path=$T/d,events=$T/d.ev"
check_dump "$T/c" "$T/img" $MEM
[ ! -e "$T/d" ] && [ ! -e "$T/d.ev" ] || fail "second sink touched"

note "first: every sink fails -> exit 1"
expect_rc 1 $ZFD -s "file:$T/img" -o "test:path=$T/e,fail=open" -o "test:path=$T/f,fail=prepare"
expect_err "dump failed or incomplete"

note "all: mirror to two sinks, both byte-exact"
cat >"$T/all.conf" <<EOC
policy = "all";
sinks = ( { type = "test"; path = "$T/m1"; }, { type = "test"; path = "$T/m2"; delay_ms = 1; } );
EOC
expect_rc 0 $ZFD -c "$T/all.conf" -s "file:$T/img"
check_dump "$T/m1" "$T/img" $MEM
check_dump "$T/m2" "$T/img" $MEM
cmp -n $((4096 + MEM)) "$T/m1" "$T/m2" || fail "mirrors differ"

note "all: one mirror fails -> exit 1, the other is still complete"
cat >"$T/all2.conf" <<EOC
policy = "all";
sinks = ( { type = "test"; path = "$T/n1"; fail_at = "3M"; }, { type = "test"; path = "$T/n2"; } );
EOC
expect_rc 1 $ZFD -c "$T/all2.conf" -s "file:$T/img"
check_dump "$T/n2" "$T/img" $MEM
[ "$(manifest_get "$T/n1.info" status)" = incomplete ] || fail "n1 not incomplete"

note "a sink that holds less: truncated dump, header says so"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/t,max_mem=5M"
[ "$(manifest_get "$T/t.info" status)" = truncated ] || fail "not truncated"
[ "$(manifest_get "$T/t.info" mem_size)" = $((5 << 20)) ] || fail "truncated mem_size"
same_bytes "$T/img" 4096 "$T/t" 4096 $((5 << 20))
[ "$(od -An -tx1 -j 24 -N 8 "$T/t" | tr -d ' \n')" = 0000000000500000 ] ||
	fail "truncated header mem_size"
[ "$(dd if="$T/t" bs=1 skip=$((4096 + 5 * 1048576)) count=8 2>/dev/null)" = DUMP_END ] ||
	fail "truncated dump lacks its end marker"

note "finish() failing makes the dump incomplete, exit 1"
expect_rc 1 $ZFD -s "file:$T/img" -o "test:path=$T/g,fail=finish"
exit 0
