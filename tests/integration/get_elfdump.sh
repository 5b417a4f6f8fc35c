#!/bin/bash
# zfcpdump-get on ELF dumps as the sinks store them (sink ABI 2; issue 10
# items 3, 4, 7). The digest rule: the manifest digest covers the stored
# bytes [0, size) (prologue + packed data, holes as zeros), size = the end
# of the PT_LOADs' data rounded up to 4096; an incomplete dump's digest
# covers the prologue and the data written. Checked for a dump file, a raw
# partition image (manifest block at the 4 KiB boundary behind the dump),
# a file in ext4 and an AWSTAPE tape image, complete and incomplete: verify
# exit codes and messages, a flipped byte anywhere in the covered range
# (and none outside it) found, info/list/copy. An x86_64 core like
# /proc/vmcore (kernel text described twice) verifies, converts and keeps
# every program header. Crafted cores: one line, exit 1.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

# x.elf: like /proc/vmcore (kernel text twice, a hole, VMCOREINFO);
# c.elf: the same dump in the elf format a sink stores (packed)
$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--hole 40M:4M --kernel 6.1.0-13-amd64 || fail "zfd-mkimage x86_64"
expect_rc 0 $GET copy "$T/x.elf" "$T/c.elf" -f elf
SIZE=$((4096 + (60 << 20)))	# prologue + 40 + 20 MiB of packed memory
[ "$(stat -c %s "$T/c.elf")" = $SIZE ] || fail "packed ELF core size"
INC=$((10 << 20))		# data bytes of the incomplete dumps

# check_complete DUMP INPUT_KIND MANIFEST: verify, info, copy -f elf of a
# complete dump of c.elf.
check_complete() {
	expect_rc 0 $GET verify "$1"
	expect_out "^$1: complete, $((60 << 20)) memory bytes, $SIZE stored bytes \(elf\), digest ok \(xxh3-128:[0-9a-f]{32}\)$"
	expect_rc 0 $GET verify --json "$1"
	cp "$T/.stdout" "$T/v.json"
	json_ok "$T/v.json"
	[ "$(json_get "$T/v.json" 'd["verified_bytes"]')" = $SIZE ] || fail "verify --json verified_bytes"
	[ "$(json_get "$T/v.json" 'd["digest_ok"]')" = True ] || fail "verify --json digest_ok"
	info_x86_elf "$1" "$2" "$3"
	rm -f "$T/out.elf"
	expect_rc 0 $GET copy "$1" "$T/out.elf" -f elf
	cmp "$T/out.elf" "$T/c.elf" || fail "copy -f elf of $1 differs"
}

# check_incomplete DUMP: the digest of the prologue and the data written.
check_incomplete() {
	expect_rc 1 $GET verify "$1"
	expect_err "^zfcpdump-get: $1: incomplete: $INC of 67108864 memory bytes dumped \(test: write error\); digest of the $((4096 + INC)) stored bytes ok$"
	[ "$(wc -l <"$T/.stderr")" = 1 ] || fail "more than one line"
	expect_rc 0 $GET info "$1"
	expect_out "^Status: +incomplete: "
	expect_rc 1 $GET copy "$1" "$T/inc.elf" -f elf
	expect_err "an ELF core would hide that, use --force"
}

note "dump file + FILE.info"
$MKDUMP -i "$T/c.elf" -o "$T/f" -l file || fail "get-mkdump"
cmp "$T/f" "$T/c.elf" || fail "get-mkdump changed the dump"
check_complete "$T/f" "ELF core" "$T/f.info"
# one flipped byte: in the notes, in the first and the last data page
for off in 400 4096 $((SIZE - 1)); do
	cp "$T/f" "$T/g"; cp "$T/f.info" "$T/g.info"
	flip "$T/g" $off
	expect_rc 1 $GET verify "$T/g"
	expect_err "^zfcpdump-get: $T/g: digest mismatch: computed xxh3-128:[0-9a-f]{32}, manifest has xxh3-128:[0-9a-f]{32}$"
done
# bytes behind the stored dump are not covered (and not read)
cp "$T/f" "$T/g"; cp "$T/f.info" "$T/g.info"
printf 'tail' >>"$T/g"
expect_rc 0 $GET verify "$T/g"
# the dump cut off although its manifest says complete: corrupt
head -c $((SIZE - 4096)) "$T/f" >"$T/g"
expect_rc 1 $GET verify "$T/g"
expect_err "^zfcpdump-get: $T/g: ELF core cut off: file has $((SIZE - 4096)) bytes, its PT_LOADs end at $SIZE$"
# no manifest: structure only
expect_rc 1 $GET verify "$T/c.elf"
expect_err "^zfcpdump-get: $T/c.elf: ELF core, structure ok; no digest to check: no manifest$"

$MKDUMP -i "$T/c.elf" -o "$T/fi" -l file --dumped $INC || fail "get-mkdump"
[ "$(stat -c %s "$T/fi")" = $((4096 + INC)) ] || fail "incomplete dump file size"
check_incomplete "$T/fi"
flip "$T/fi" $((4096 + INC - 1))
expect_rc 1 $GET verify "$T/fi"
expect_err "digest mismatch"
# dumped_bytes is how far in memory the dump got, holes included: at 50
# MiB, behind the 4 MiB hole, 46 MiB of data are stored
$MKDUMP -i "$T/c.elf" -o "$T/fh" -l file --dumped $((50 << 20)) || fail "get-mkdump"
[ "$(stat -c %s "$T/fh")" = $((4096 + (46 << 20))) ] || fail "incomplete dump file size"
expect_rc 1 $GET verify "$T/fh"
expect_err "^zfcpdump-get: $T/fh: incomplete: $((50 << 20)) of 67108864 memory bytes dumped \(test: write error\); digest of the $((4096 + (46 << 20))) stored bytes ok$"

note "raw partition image: manifest block at the 4 KiB boundary"
$MKDUMP -i "$T/c.elf" -o "$T/raw" -l raw --raw-size $((80 << 20)) || fail "get-mkdump"
check_complete "$T/raw" "raw dump \(partition or image\)" "manifest block at offset $SIZE"
cp "$T/raw" "$T/g"
flip "$T/g" $((SIZE - 4096))
expect_rc 1 $GET verify "$T/g"
expect_err "digest mismatch"
$MKDUMP -i "$T/c.elf" -o "$T/rawi" -l raw --dumped $INC || fail "get-mkdump"
check_incomplete "$T/rawi"
# what the partition held behind the data written does not count
cmp -s -n 4096 -i $((4096 + INC)):0 "$T/rawi" /dev/zero && fail "no old bytes behind the data"
flip "$T/rawi" $((4096 + INC))
expect_rc 1 $GET verify "$T/rawi"
expect_err "digest of the $((4096 + INC)) stored bytes ok$"

note "tape (AWSTAPE image): prologue record, data records, filemark, manifest"
for bs in 4096 32768 1048576; do
	$MKDUMP -i "$T/c.elf" -o "$T/tape" -l aws -b $bs || fail "get-mkdump"
	check_complete "$T/tape" "tape" "tape file 2"
done
$GET copy "$T/tape" - -f elf >"$T/pipe.elf" || fail "copy of a tape to a pipe"
cmp "$T/pipe.elf" "$T/c.elf" || fail "copy of a tape to a pipe differs"
# a flipped byte in the second data record
cp "$T/tape" "$T/g"
flip "$T/g" $((6 + 4096 + 6 + 6 + 1000))
expect_rc 1 $GET verify "$T/g"
expect_err "digest mismatch"
$MKDUMP -i "$T/c.elf" -o "$T/tapei" -l aws --dumped $INC || fail "get-mkdump"
check_incomplete "$T/tapei"

note "ext4: dump.0 complete, dump.1 incomplete; list"
$MKDUMP -i "$T/c.elf" -o "$T/fi" -l file --dumped $INC || fail "get-mkdump"
fs=$T/fs
mke2fs -q -F -t ext4 -b 4096 "$fs" 160M || fail "mke2fs"
for cmd in "write $T/f dump.0" "write $T/f.info dump.0.info" \
	   "write $T/fi dump.1.incomplete" "write $T/fi.info dump.1.info"; do
	debugfs -w "$fs" -R "$cmd" >/dev/null 2>&1 || fail "debugfs $cmd"
done
check_complete "$fs:dump.0" "file in an ext2/3/4 filesystem" "dump.0.info"
check_incomplete "$fs:dump.1.incomplete"
expect_rc 0 $GET list "$fs"
grep -Eq '^0 +dump.0 +64.0 +2026-01-01T00:00:05Z +complete *$' "$T/.stdout" ||
	{ cat "$T/.stdout"; fail "list: dump.0"; }
grep -Eq "^1 +dump.1.incomplete +64.0 .* incomplete +incomplete: $INC of" "$T/.stdout" ||
	{ cat "$T/.stdout"; fail "list: dump.1"; }

note "an s390x ELF dump on tape: copy -f s390 equals the s390 image"
$MKIMAGE -o "$T/s.elf" -s 16M --seed 9 --cpus 2 --format elf || fail mkimage
$MKIMAGE -o "$T/s.img" -s 16M --seed 9 --cpus 2 || fail mkimage
$MKDUMP -i "$T/s.elf" -o "$T/s.tape" -l aws -b 4096 || fail "get-mkdump"
expect_rc 0 $GET verify "$T/s.tape"
expect_rc 0 $GET info "$T/s.tape"
expect_out "^Arch: +s390x$"
expect_out "^  CPU 1 +prefix 0x00022000$"
expect_rc 0 $GET copy "$T/s.tape" "$T/s.s390"
same_bytes "$T/s.s390" 4096 "$T/s.img" 4096 $((16 << 20))
[ ! -e "$T/s.s390.info" ] || fail "the s390 copy got the ELF dump's manifest"

note "item 7: /proc/vmcore's shape (kernel text twice) verifies and converts"
$MKDUMP -i "$T/x.elf" -o "$T/v" -l file || fail "get-mkdump"
readelf -lW "$T/v" | awk '$1 == "LOAD"' >"$T/loads"
[ "$(wc -l <"$T/loads")" = 3 ] || { cat "$T/loads"; fail "expected 3 PT_LOADs"; }
expect_rc 0 $GET verify "$T/v"
expect_out "^$T/v: complete, $((60 << 20)) memory bytes, [0-9]+ stored bytes \(elf\), digest ok"
expect_rc 0 $GET info "$T/v"
[ "$(grep -c '^  chunk' "$T/.stdout")" = 2 ] || { cat "$T/.stdout"; fail "info: the kernel text is not read once"; }
expect_rc 0 $GET copy "$T/v" "$T/v.elf" -f elf
phdrs() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $3, $4, $5, $6 }'
}
[ "$(phdrs "$T/v")" = "$(phdrs "$T/v.elf")" ] || fail "program headers not kept"

note "every allocation fails once (no crash, no double free, no leak)"
NOMEM="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_get_nomem"
$MKDUMP -i "$T/c.elf" -o "$T/tape" -l aws || fail "get-mkdump"
for args in "verify $T/tape" "info $T/tape" "copy $T/tape $T/n1 -f elf" \
	"verify $T/tapei" "verify $T/raw" "verify $T/fh" "info $fs:dump.0" \
	"verify $fs:dump.1.incomplete"; do
	# shellcheck disable=SC2086
	expect_rc 0 timeout 120 $NOMEM $args
	grep -q "each failed once: no crash, nothing leaked" "$T/.stderr" ||
		fail "test_get_nomem $args: $(cat "$T/.stderr")"
done
cmp "$T/n1" "$T/c.elf" || fail "ELF copy after the failure runs differs"

note "item 7: crafted cores: one line, exit 1"
# le64 FILE OFFSET VALUE / le16 / le32: little-endian fields in place
lepatch() {
	python3 - "$@" <<'PY'
import struct, sys
fmt = {'16': '<H', '32': '<I', '64': '<Q'}[sys.argv[1]]
with open(sys.argv[2], 'r+b') as f:
    f.seek(int(sys.argv[3], 0)); f.write(struct.pack(fmt, int(sys.argv[4], 0)))
PY
}
# bad NAME MESSAGE [CMDS]: verify, copy (and info) of $T/NAME fail with
# one line
bad() {
	for cmd in "verify $T/$1" "copy $T/$1 $T/$1.out -f elf" ${3-"info $T/$1"}; do
		expect_rc 1 timeout 30 $GET $cmd
		expect_err "$2"
		[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr"; fail "$cmd: more than one line"; }
	done
	[ ! -e "$T/$1.out" ] || fail "copy of a bad core left its output"
}
PH=64	# e_phoff of the test cores; PT_NOTE first, then the PT_LOADs
head -c 40 "$T/f" >"$T/b1"
bad b1 "^zfcpdump-get: $T/b1: not a zfcpdump/s390 dump: not a valid ELF core: file too short for an ELF header \(40 bytes\)$"
cp "$T/f" "$T/b2"; lepatch 64 "$T/b2" $((PH + 56 + 8)) $((1 << 40))
# (a core cut off, as a copy that stopped early: info shows it)
bad b2 "^zfcpdump-get: $T/b2: ELF core cut off: file has $SIZE bytes, its PT_LOADs end at 10995[0-9]+(;|$)" ""
expect_rc 0 $GET info "$T/b2"
expect_out "^Status: +corrupt: ELF core cut off: file has $SIZE bytes"
cp "$T/f" "$T/b3"; lepatch 16 "$T/b3" 56 65535
bad b3 "^zfcpdump-get: $T/b3: not a zfcpdump/s390 dump: not a valid ELF core: e_phnum is PN_XNUM but there is no section header 0$"
cp "$T/f" "$T/b7"; lepatch 16 "$T/b7" 56 60000
bad b7 "^zfcpdump-get: $T/b7: not a zfcpdump/s390 dump: not a valid ELF core: PT_LOAD data at offset 4096 overlaps the ELF headers$"
head -c 4096 "$T/b7" >"$T/b8"
bad b8 "^zfcpdump-get: $T/b8: not a zfcpdump/s390 dump: not a valid ELF core: 60000 program headers at offset 64 "
cp "$T/f" "$T/b4"; lepatch 16 "$T/b4" 54 20
bad b4 "^zfcpdump-get: $T/b4: not a zfcpdump/s390 dump: not a valid ELF core: bad program header size 20 \(expected 56\)$"
NOTES=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); print(struct.unpack_from("<Q", d, 64 + 8)[0])' "$T/f")
cp "$T/f" "$T/b5"; lepatch 32 "$T/b5" $NOTES 0xffffffff
bad b5 "^zfcpdump-get: $T/b5: not a zfcpdump/s390 dump: not a valid ELF core: note at offset 288 \(name 4294967295, desc 336 bytes\) extends beyond its PT_NOTE segment$"
cp "$T/f" "$T/b6"; lepatch 32 "$T/b6" $((NOTES + 4)) 0x7ffffff0
bad b6 "^zfcpdump-get: $T/b6: not a zfcpdump/s390 dump: not a valid ELF core: note at offset 288 \(name 5, desc 2147483632 bytes\) extends beyond its PT_NOTE segment$"
exit 0
