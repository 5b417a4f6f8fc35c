#!/bin/bash
# Formats apart from sinks (sink ABI 2, issue 10 item 2), through the test
# sink, which stores the bytes the core hands it at their offsets:
# - an x86_64 ELF core: format elf by default; the stored dump is a fresh
#   ELF core of the same memory and notes, byte for byte what
#   "zfcpdump-get copy -f elf" makes of the core; digest over all of it;
# - format "s390" for it: one line, exit 2, no sink touched;
# - an s390x ELF core to two sinks at once: format s390 gets the register
#   notes back into the save areas (memory equal to the s390 image of the
#   same seed), format elf gets the core's memory unchanged (the core
#   itself, byte for byte);
# - an s390 image as elf: what "zfcpdump-get copy -f elf" makes of it and
#   what the extfs sink wrote for format = "elf" in sink ABI 1 (digests
#   recorded from it); with memmap holes: positional, one PT_LOAD per
#   chunk, holes kept;
# - truncation of an elf dump to what the sink holds.
. "$abs_top_srcdir/tests/integration/core_common.sh"

# digest_all FILE: xxh3-128 of the whole file, as a manifest has it
digest_all() {
	echo "xxh3-128:$(xxhsum -H2 - <"$1" | cut -d' ' -f1)"
}
# loads FILE: the PT_LOADs as "offset paddr filesz" lines
loads() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $4, $5 }'
}

note "x86_64 core: elf by default, a fresh ELF core of the same memory and notes"
$MKIMAGE -o "$T/x86.elf" -s 16M --format elf --arch x86_64 --seed 3 ||
	fail "zfd-mkimage x86_64"
expect_rc 0 $ZFD -s "file:$T/x86.elf" -o "test:path=$T/x1,events=$T/x1.ev"
expect_err "dump of x86_64, Linux 6.1.0-zfd-test"
expect_err "^zfcpdump:   1\\. test \\(format elf\\)\$"
grep -q "^open mem_size=16777216 truncated=0 format=elf " "$T/x1.ev" ||
	fail "not opened as elf: $(cat "$T/x1.ev")"
expect_rc 0 $ZFCPDUMP_GET copy "$T/x86.elf" "$T/x1.copy" -f elf
cmp "$T/x1" "$T/x1.copy" || fail "the stored ELF core differs from zfcpdump-get's"
[ "$(loads "$T/x1" | wc -l)" = 2 ] || fail "PT_LOADs: $(loads "$T/x1")"
# the kernel text is described twice and stored once (it lies in the RAM)
[ "$(loads "$T/x1" | sort | head -n 1)" = "0x001000 0x0000000000000000 0x1000000" ] &&
	[ "$(loads "$T/x1" | sort | tail -n 1)" = "0x401000 0x0000000000400000 0x200000" ] ||
	fail "PT_LOADs: $(loads "$T/x1")"
ram=$(loads "$T/x86.elf" | awk '$2 == "0x0000000000000000" { print $1 }')
same_bytes "$T/x1" 4096 "$T/x86.elf" $((ram)) $((16 << 20))
[ "$(manifest_get "$T/x1.info" format)" = elf ] || fail "manifest format"
[ "$(manifest_get "$T/x1.info" arch)" = x86_64 ] || fail "manifest arch"
[ "$(manifest_get "$T/x1.info" status)" = complete ] || fail "manifest status"
[ "$(manifest_get "$T/x1.info" digest)" = "$(digest_all "$T/x1")" ] ||
	fail "digest is not xxh3-128 of the stored ELF core"
expect_rc 0 $ZFD -s "file:$T/x86.elf" -o "test:path=$T/x1" --json "$T/x1.json"
[ "$(jq -r '.sinks[0].format' "$T/x1.json")" = elf ] || fail "--json: no format elf"
grep -q "^finish status=complete dumped=16777216 hsa= stored_end=$(stat -c %s "$T/x1") trailer=0\$" \
	"$T/x1.ev" || fail "finish: $(tail -n 1 "$T/x1.ev")"

note "format s390 for an x86_64 core: one line, exit 2, no sink touched"
expect_rc 2 $ZFD -s "file:$T/x86.elf" -o "test:path=$T/x2,events=$T/x2.ev,format=s390"
expect_err "^zfcpdump: error: sink test: format \"s390\" holds s390 dumps only, and file:$T/x86.elf is a dump of x86_64 \\(use format = \"elf\"\\)\$"
[ "$(grep -c error "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "not one line"; }
expect_rc 2 $ZFD -s "file:$T/x86.elf" -o "test:path=$T/x2,events=$T/x2.ev,format=s390" \
	--json "$T/x2.json"
[ "$(jq -r '.exit_code, .error, .sinks[0].status' "$T/x2.json" | tr '\n' '|')" = \
	"2|usage or config error|not used|" ] || fail "--json: $(cat "$T/x2.json")"
[ ! -e "$T/x2" ] && [ ! -e "$T/x2.ev" ] || fail "the sink was touched"

note "s390x core to two sinks: s390 gets the registers in the save areas, elf the core unchanged"
$MKIMAGE -o "$T/s390x.elf" -s 32M --seed 7 --cpus 3 --format elf --kernel 6.1.0-s390x-test ||
	fail "zfd-mkimage --format elf"
cat >"$T/two.conf" <<EOT
policy = "all";
sinks = ( { type = "test"; path = "$T/s1"; format = "s390"; },
          { type = "test"; path = "$T/s2"; events = "$T/s2.ev"; } );
EOT
expect_rc 0 $ZFD -c "$T/two.conf" -s "file:$T/s390x.elf"
expect_err "^zfcpdump:   1\\. test \\(format s390\\)\$"
expect_err "^zfcpdump:   2\\. test \\(format elf\\)\$"
check_dump "$T/s1" "$T/img" $MEM
[ "$(manifest_get "$T/s1.info" format)" = s390 ] || fail "s1: manifest format"
cmp "$T/s2" "$T/s390x.elf" || fail "the elf sink did not get the core's memory unchanged"
[ "$(manifest_get "$T/s2.info" format)" = elf ] || fail "s2: manifest format"
[ "$(manifest_get "$T/s2.info" digest)" = "$(digest_all "$T/s2")" ] || fail "s2: digest"
! grep -q "kind=1" "$T/s2.ev" || fail "holes handed to a packed format"

note "s390 image as elf: what zfcpdump-get copy -f elf makes of it"
$MKIMAGE -o "$T/e.img" -s 16M --seed 9 --cpus 3 --end-marker || fail "zfd-mkimage"
expect_rc 0 $ZFD -s "file:$T/e.img" -o "test:path=$T/e1,format=elf"
expect_rc 0 $ZFCPDUMP_GET copy "$T/e.img" "$T/e1.copy" -f elf
cmp "$T/e1" "$T/e1.copy" || fail "elf of an s390 image differs from zfcpdump-get's"
# the bytes the extfs sink wrote for format = "elf" in sink ABI 1 (main at
# 8e3109d, the same image: the file dump.0 read back with debugfs)
[ "$(digest_all "$T/e1")" = xxh3-128:69486bf5306fb0d7d733e8f819a4efe9 ] ||
	fail "elf of an s390 image differs from what the ABI-1 extfs sink wrote"
[ "$(manifest_get "$T/e1.info" digest)" = "$(digest_all "$T/e1")" ] || fail "e1: digest"
[ "$(manifest_get "$T/e1.info" format)" = elf ] || fail "e1: manifest format"

note "s390 image with memmap holes as elf: positional, a PT_LOAD per chunk"
$MKIMAGE -o "$T/h.img" -s 16M --seed 9 --cpus 3 --hole 4M:2M --hole 14M:2M \
	--memmap "$T/h.mm" || fail "zfd-mkimage --hole"
expect_rc 0 $ZFD -s "file:$T/h.img,memmap=$T/h.mm" -o "test:path=$T/h1,format=elf,events=$T/h1.ev"
off=$(loads "$T/h1" | head -n 1 | cut -d' ' -f1)
off=$((off))
[ "$(loads "$T/h1" | wc -l)" = 2 ] &&
	[ "$(loads "$T/h1" | tail -n 1 | cut -d' ' -f2,3)" = "0x0000000000600000 0x800000" ] ||
	fail "PT_LOADs: $(loads "$T/h1")"
same_bytes "$T/h1" $off "$T/h.img" 4096 $((4 << 20))
same_bytes "$T/h1" $((off + (6 << 20))) "$T/h.img" $((4096 + (6 << 20))) $((8 << 20))
[ "$(stat -c %s "$T/h1")" = $((off + (14 << 20))) ] || fail "h1 size $(stat -c %s "$T/h1")"
# the hole between the chunks is handed as a HOLE block; the one at the end is not stored
[ "$(awk -F'[ =]' '/kind=1/ { n += $7 } END { print n }' "$T/h1.ev")" = $((2 << 20)) ] ||
	fail "hole blocks: $(grep kind=1 "$T/h1.ev")"
[ "$(manifest_get "$T/h1.info" hole_bytes)" = $((4 << 20)) ] || fail "hole_bytes"
[ "$(manifest_get "$T/h1.info" digest)" = "$(digest_all "$T/h1")" ] || fail "h1: digest"
[ "$(digest_all "$T/h1")" = xxh3-128:14c9b2742332737e16a38a8d151bbcb5 ] ||
	fail "elf with holes differs from what the ABI-1 extfs sink wrote"

note "elf to a sink that holds 8 MiB of memory: truncated to what fits"
expect_rc 0 $ZFD -s "file:$T/x86.elf" -o "test:path=$T/t1,capacity=$(((8 << 20) + 4096 + 100))"
expect_err "test: holds only 8388608 of 16777216 bytes: the dump will be truncated"
[ "$(manifest_get "$T/t1.info" status)" = truncated ] || fail "not truncated"
[ "$(stat -c %s "$T/t1")" = $(((8 << 20) + 4096)) ] || fail "t1 size $(stat -c %s "$T/t1")"
[ "$(loads "$T/t1" | sort | tr '\n' ' ')" = \
	"0x001000 0x0000000000000000 0x800000 0x401000 0x0000000000400000 0x200000 " ] ||
	fail "truncated PT_LOADs: $(loads "$T/t1")"
[ "$(manifest_get "$T/t1.info" digest)" = "$(digest_all "$T/t1")" ] || fail "t1: digest"
exit 0
