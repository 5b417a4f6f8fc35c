#!/bin/bash
# File source to one sink: byte-exact, end marker, manifest, digest; limit;
# dry run; header passed through unchanged.
. "$abs_top_srcdir/tests/integration/core_common.sh"

note "plain dump"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/out"
check_dump "$T/out" "$T/img" $MEM
same_bytes "$T/img" 0 "$T/out" 0 4096
expect_err "source file:$T/img, 32 MiB of memory"
expect_out "test: complete, $MEM bytes"
[ "$(manifest_get "$T/out.info" source)" = "file:$T/img" ] || fail "manifest source"
[ "$(manifest_get "$T/out.info" mem_size)" = $MEM ] || fail "manifest mem_size"

note "limit from the config: header mem_size, mem_end, num_pages adjusted"
cat >"$T/c.conf" <<EOC
limit = "8M";
progress = { interval = 0; };
sinks = ( { type = "test"; path = "$T/lim"; } );
EOC
expect_rc 0 $ZFD -c "$T/c.conf" -s "file:$T/img"
check_dump "$T/lim" "$T/img" $((8 << 20))
hdr() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
[ "$(hdr "$T/lim" $((0x18)) 8)" = 0000000000800000 ] || fail "mem_size not 8M"
[ "$(hdr "$T/lim" $((0x28)) 8)" = 0000000000800000 ] || fail "mem_end not 8M (exclusive end)"
[ "$(hdr "$T/lim" $((0x30)) 4)" = 00000800 ] || fail "num_pages not 2048"
# everything else in the header is the source's
cmp <(head -c 24 "$T/img") <(head -c 24 "$T/lim") || fail "header start changed"
cmp -i $((0x34)):$((0x34)) -n $((4096 - 0x34)) "$T/img" "$T/lim" || fail "header tail changed"
[ "$(manifest_get "$T/lim.info" mem_size_orig)" = $MEM ] || fail "mem_size_orig"

note "dump_mem on the kernel command line"
echo "BOOT_IMAGE=x dump_mem=4M" >"$T/cmdline"
expect_rc 0 $ZFCPDUMP --plugin-dir "$PLUG" --cmdline "$T/cmdline" -s "file:$T/img" \
	-o "test:path=$T/cm"
check_dump "$T/cm" "$T/img" $((4 << 20))

note "dry run writes nothing"
expect_rc 0 $ZFD -n -s "file:$T/img" -o "test:path=$T/dry,events=$T/dry.ev"
[ ! -e "$T/dry" ] || fail "dry run created the target"
grep -q "prepare dry_run=1" "$T/dry.ev" || fail "dry run did not prepare"
! grep -q "^open" "$T/dry.ev" || fail "dry run opened the sink"
expect_out "test: ready"

note "a sink that cannot prepare makes -n fail"
expect_rc 1 $ZFD -n -s "file:$T/img" -o "test:path=$T/dry,fail=prepare"
[ ! -e "$T/dry" ] || fail "dry run created the target"
exit 0
