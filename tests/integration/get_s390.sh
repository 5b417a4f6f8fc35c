#!/bin/bash
# zfcpdump-get on s390 dump files (FILE + FILE.info): round trips and
# every kind of damage.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

make_image
d=$T/dump
$MKDUMP -i "$T/img" -o "$d" -l file || fail "get-mkdump"
check_good "$d"
cmp "$T/copy.info" "$d.info" || fail "manifest copy differs"

note "usage errors exit 2"
expect_rc 2 $GET
expect_rc 2 $GET frobnicate "$d"
expect_rc 2 $GET verify
expect_rc 2 $GET copy "$d"
expect_rc 2 $GET copy "$d" "$T/x" -f zip
expect_err "unknown output format 'zip'"
expect_rc 1 $GET verify "$T/nonexistent"
expect_err "nonexistent: cannot open: No such file"
expect_rc 1 $GET copy "$d" "$d"
expect_err "is the input itself"
cmp "$d" "$T/expect" || fail "copy onto itself damaged the input"

note "end marker cut off"
cp "$d" "$T/cut"; cp "$d.info" "$T/cut.info"
truncate -s -16 "$T/cut"
expect_rc 1 $GET verify "$T/cut"
expect_err "^zfcpdump-get: $T/cut: end marker missing at offset $((4096 + MEM))"
[ "$(wc -l <"$T/.stderr")" = 1 ] || fail "reason is not one line"
expect_rc 0 $GET info "$T/cut"
expect_out '^Status: +incomplete: end marker missing'
expect_rc 0 $GET info --json "$T/cut"
json_ok "$T/.stdout"

note "memory cut short"
cp "$d" "$T/short"; cp "$d.info" "$T/short.info"
truncate -s $((4096 + 3 * 1048576)) "$T/short"
expect_rc 1 $GET verify "$T/short"
expect_err "dump ends after 3145728 of $MEM memory bytes: end marker missing"
expect_rc 0 $GET copy "$T/short" "$T/short.copy"
expect_err "warning: .*not complete"
same_bytes "$T/short.copy" 0 "$T/expect" 0 $((4096 + 3 * 1048576))
[ "$(stat -c %s "$T/short.copy")" = $((4096 + 3 * 1048576)) ] ||
	fail "copy of a short dump grew an end marker or padding"

note "one flipped byte in memory"
cp "$d" "$T/flip"; cp "$d.info" "$T/flip.info"
flip "$T/flip" $((4096 + 5 * 1048576 + 123))
expect_rc 1 $GET verify "$T/flip"
expect_err "digest mismatch: computed xxh3-128:[0-9a-f]{32}, manifest has xxh3-128:"
expect_rc 0 $GET info "$T/flip"

note "corrupt header"
cp "$d" "$T/hdr"; cp "$d.info" "$T/hdr.info"
put_be32 "$T/hdr" 12 4097
expect_rc 1 $GET verify "$T/hdr"
expect_err "corrupt header: bad header size 4097"
expect_rc 1 $GET info "$T/hdr"
expect_err "corrupt header"
cp "$d" "$T/hdr2"
put_be32 "$T/hdr2" 0x5c 0x00ffff00	# cpu_cnt 0xffff
expect_rc 1 $GET info "$T/hdr2"
expect_err "corrupt header: cpu_cnt 65535 exceeds 512"
cp "$d" "$T/magic"
flip "$T/magic" 0
expect_rc 1 $GET verify "$T/magic"
expect_err "not a zfcpdump/s390 dump: unknown magic 0x57"
head -c 100 "$d" >"$T/tiny"
expect_rc 1 $GET info "$T/tiny"
expect_err "corrupt header: only 100 of 4096 header bytes present"

note "manifest missing or malformed"
cp "$d" "$T/noman"
expect_rc 1 $GET verify "$T/noman"
expect_err "manifest missing: the digest cannot be checked"
expect_rc 0 $GET info "$T/noman"
expect_out '^Manifest: +none$'
cp "$d" "$T/badman"
sed 's/^digest: /digest /' "$d.info" >"$T/badman.info"
expect_rc 1 $GET verify "$T/badman"
expect_err "manifest malformed \($T/badman.info\): manifest line [0-9]+ is not 'key: value'"
sed '1s/.*/zfcpdump-info 9/' "$d.info" >"$T/badman.info"
expect_rc 1 $GET verify "$T/badman"
expect_err "manifest does not start with 'zfcpdump-info 1'"
sed 's/^mem_size: .*/mem_size: 4096/' "$d.info" >"$T/badman.info"
expect_rc 1 $GET verify "$T/badman"
expect_err "manifest mem_size 4096 differs from header mem_size $MEM"

note "incomplete dump (dump.N.incomplete + dump.N.info)"
$MKDUMP -i "$T/img" -o "$T/part.incomplete" -l file --dumped 2097152 ||
	fail "get-mkdump"
mv "$T/part.incomplete.info" "$T/part.info"
expect_rc 1 $GET verify "$T/part.incomplete"
expect_err "incomplete: 2097152 of $MEM memory bytes dumped \(test: write error\); digest of the 2097152 dumped bytes ok"
expect_rc 0 $GET info --json "$T/part.incomplete"
cp "$T/.stdout" "$T/part.json"
json_ok "$T/part.json"
[ "$(json_get "$T/part.json" 'd["status"]')" = incomplete ] || fail "json status"
expect_rc 1 $GET copy "$T/part.incomplete" "$T/part.elf" -f elf
expect_err "an ELF core would hide that, use --force"
[ ! -e "$T/part.elf" ] || fail "refused ELF copy left a file"
# a stale end marker behind the good part must not make it complete
exit 0
