#!/bin/bash
# kdump dumps as the daemon stores them on every sink (KDUMP-SPEC): the
# makedumpfile FLATTENED stream on a raw image (manifest block at
# ALIGN_UP(S, 4096)), as dump.N in an ext filesystem (dump.N.info), on a
# tape (AWSTAPE image: stream, filemark, manifest), and as a plain file
# with FILE.info. Built without the daemon: "copy -f kdump-flat" of a test
# ELF core, laid out by get-kstream-mk with a manifest from the shared
# manifest code. zfcpdump-get info, verify, copy -f kdump|elf|kdump-flat
# and dmesg on each; corrupt and cut streams: one line, exit 1.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

KMK="$TEST_WRAPPER $ZFD_BUILD/tests/integration/get-kstream-mk"

# put_be64 FILE OFFSET VALUE: writes a big-endian u64 in place.
put_be64() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2], 0)); f.write(struct.pack('>Q', int(sys.argv[3], 0)))
PY
}

# set_flag_incomplete FILE ORDER: sets the incomplete flag 0x8 in the
# status (at 424 of its data) of the last record for offset 0 of the
# flattened stream FILE, its final kdump header; ORDER is the dump's byte
# order: '>' big-endian, '<' little-endian.
set_flag_incomplete() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
u32 = sys.argv[2] + 'I'
with open(sys.argv[1], 'r+b') as f:
    pos, last = 4096, None
    while True:
        f.seek(pos); off, size = struct.unpack('>QQ', f.read(16))
        if off == 2**64 - 1: break
        if off == 0: last = pos + 16
        pos += 16 + size
    f.seek(last + 424); st = struct.unpack(u32, f.read(4))[0]
    assert not st & 8, st
    f.seek(last + 424); f.write(struct.pack(u32, st | 8))
PY
}

# one_line: the last command's stderr is exactly one line.
one_line() {
	[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr"; fail "$1: not one line"; }
}

$MKIMAGE -o "$T/x.elf" -s 48M --arch x86_64 --format elf --seed 5 \
	--hole 40M:4M --cpus 3 || fail "zfd-mkimage x86_64"
expect_rc 0 $GET copy -f kdump -c zstd "$T/x.elf" "$T/ref.kdump"
expect_rc 0 $GET copy -f kdump -c lzo "$T/x.elf" "$T/ref.lzo"
expect_rc 0 $GET copy -f elf "$T/ref.kdump" "$T/ref.elf"
expect_rc 0 $GET copy -f kdump-flat -c zstd "$T/x.elf" "$T/s.flat"
S=$(stat -c %s "$T/s.flat")
# the stream ends with the end record (-1, -1)
[ "$(tail -c 16 "$T/s.flat" | od -An -tx1 | tr -d ' \n')" = \
	ffffffffffffffffffffffffffffffff ] || fail "no end record at the stream's end"
$KMK -i "$T/s.flat" -o "$T/dg" -l file || fail "get-kstream-mk"
DIGEST=$(sed -n 's/^digest: //p' "$T/dg.info")

# check_container DUMP KIND: info, verify, copy (kdump, elf, kdump-flat)
# and dmesg of a complete kdump stream in a container.
check_container() {
	local d=$1 kind=$2
	expect_rc 0 $GET info "$d"
	expect_out "^Input: +$kind$"
	expect_out "^Format: +kdump \(flattened stream, $S bytes, [0-9]+ records, end record ok\)$"
	expect_out '^Status: +complete$'
	expect_out '^Compress: +zstd$'
	expect_out '^Dump level: +0$'
	expect_out '^Arch: +x86_64$'
	expect_out '^Memory size: +50331648 bytes'
	expect_out '^  format +kdump$'
	expect_out '^  compress +zstd$'
	expect_out '^  dump_level +0$'
	expect_rc 0 $GET info --json "$d"
	json_ok "$T/.stdout"
	cp "$T/.stdout" "$T/info.json"
	[ "$(json_get "$T/info.json" 'd["stream_size"]')" = "$S" ] || fail "$d: json stream_size"
	[ "$(json_get "$T/info.json" 'd["end_record"]')" = ok ] || fail "$d: json end_record"
	[ "$(json_get "$T/info.json" 'd["stream_digest"]')" = "$DIGEST" ] || fail "$d: json stream_digest"
	[ "$(json_get "$T/info.json" 'd["status"]')" = complete ] || fail "$d: json status"
	expect_rc 0 $GET verify --json "$d"
	cp "$T/.stdout" "$T/verify.json"
	[ "$(json_get "$T/verify.json" 'd["verdict"]')" = ok ] || fail "$d: verify --json verdict"
	[ "$(json_get "$T/verify.json" 'd["verified_bytes"]')" = "$S" ] || fail "$d: verify --json verified_bytes"
	[ "$(json_get "$T/verify.json" 'd["digest_ok"]')" = True ] || fail "$d: verify --json digest_ok"
	expect_rc 0 $GET verify "$d"
	expect_out "complete, kdump flattened stream of $S bytes \(compress zstd, dump_level 0\), digest ok \($DIGEST\)$"
	rm -f "$T/c.kdump" "$T/c.lzo" "$T/c.elf" "$T/c.flat"
	expect_rc 0 $GET copy -f kdump "$d" "$T/c.kdump"
	cmp "$T/c.kdump" "$T/ref.kdump" || fail "$d: copy -f kdump differs from copy -f kdump of the ELF core"
	expect_rc 0 $GET copy -f kdump -c lzo "$d" "$T/c.lzo"
	cmp "$T/c.lzo" "$T/ref.lzo" || fail "$d: copy -f kdump -c lzo differs"
	expect_rc 0 $GET copy -f elf "$d" "$T/c.elf"
	cmp "$T/c.elf" "$T/ref.elf" || fail "$d: copy -f elf differs"
	expect_rc 0 $GET copy -f kdump-flat "$d" "$T/c.flat"
	cmp "$T/c.flat" "$T/s.flat" || fail "$d: copy -f kdump-flat differs from the stored stream"
	# dmesg reads VMCOREINFO from the kdump notes: the same verdict as
	# on the ELF core (the test core has no printk ring: the e2e stage
	# compares a real log with makedumpfile's)
	expect_rc 1 $GET dmesg "$d"
	sed "s|$d|DUMP|" "$T/.stderr" | cmp - "$T/ref.dmesg" ||
		fail "$d: dmesg differs from the ELF core's"
}

expect_rc 1 $GET dmesg "$T/x.elf"
sed "s|$T/x.elf|DUMP|" "$T/.stderr" >"$T/ref.dmesg"
grep -q '^zfcpdump-get: DUMP: kernel log: VMCOREINFO names no kernel log' "$T/ref.dmesg" ||
	fail "dmesg of the test core: $(cat "$T/ref.dmesg")"

note "raw image: stream at 0, manifest block at ALIGN_UP(S, 4096)"
$KMK -i "$T/s.flat" -o "$T/raw" -l raw --raw-size $((S + 3 * 1048576)) || fail "get-kstream-mk raw"
check_container "$T/raw" 'raw dump \(partition or image\)'
expect_rc 0 $GET info "$T/raw"
expect_out "^Manifest: +manifest block at offset $(( (S + 4095) / 4096 * 4096 ))$"

# verify reads the stream once and unpacks nothing: no temporary file
expect_rc 0 env TMPDIR="$T/nonexistent" $GET verify "$T/raw"
expect_out 'digest ok'
expect_rc 1 env TMPDIR="$T/nonexistent" $GET info "$T/raw"
expect_err 'cannot create a temporary file'

note "plain file with FILE.info"
$KMK -i "$T/s.flat" -o "$T/file" -l file || fail "get-kstream-mk file"
check_container "$T/file" 'kdump flattened stream file'
# without its manifest: a kdump-flat file as before
cp "$T/file" "$T/bare"
expect_rc 0 $GET verify "$T/bare"
expect_out 'every page of the kdump-flat file readable'

note "tape (AWSTAPE): stream in block_size records, filemark, manifest"
for bs in 32768 4096 1048576; do
	$KMK -i "$T/s.flat" -o "$T/tape" -l aws -b $bs || fail "get-kstream-mk aws"
	check_container "$T/tape" tape
	expect_rc 0 $GET info "$T/tape"
	expect_out '^Manifest: +tape file 2$'
done

note "ext2/3/4 filesystem: dump.N and dump.N.info"
for fstype in ext2 ext4; do
	fs=$T/fs.$fstype
	rm -f "$fs"
	mke2fs -q -F -t $fstype -b 4096 "$fs" 64M || fail "mke2fs"
	debugfs -w "$fs" -R "write $T/file dump.0" >/dev/null 2>&1 || fail "debugfs write"
	debugfs -w "$fs" -R "write $T/file.info dump.0.info" >/dev/null 2>&1 || fail "debugfs write"
	check_container "$fs:dump.0" 'file in an ext2/3/4 filesystem'
	expect_rc 0 $GET info "$fs:dump.0"
	expect_out "^Manifest: +dump.0.info$"
	expect_rc 0 $GET list "$fs"
	expect_out '^0 +dump.0 .* complete *$'
done

note "s390x (big-endian kdump header) on a raw image and a tape"
$MKIMAGE -o "$T/z.img" -s 16M --seed 9 --hole 4M:1M --cpus 2 --end-marker || fail "zfd-mkimage s390x"
# (a kdump input of s390x has no CPU list: nr_cpus of a copy of it is 0,
# whether the kdump file or its stream is copied)
expect_rc 0 $GET copy -f kdump -c zlib "$T/z.img" "$T/z.kdump"
expect_rc 0 $GET copy -f kdump -c zlib "$T/z.kdump" "$T/z.ref"
expect_rc 0 $GET copy -f kdump-flat -c zlib "$T/z.img" "$T/z.flat"
$KMK -i "$T/z.flat" -o "$T/z.raw" -l raw -c zlib || fail "get-kstream-mk"
$KMK -i "$T/z.flat" -o "$T/z.aws" -l aws -c zlib || fail "get-kstream-mk"
for d in "$T/z.raw" "$T/z.aws"; do
	expect_rc 0 $GET verify "$d"
	expect_out '\(compress zlib, dump_level 0\), digest ok'
	expect_rc 0 $GET info "$d"
	expect_out '^Arch: +s390x$'
	expect_out '^Compress: +zlib$'
	rm -f "$T/z.out"
	expect_rc 0 $GET copy -f kdump -c zlib "$d" "$T/z.out"
	cmp "$T/z.out" "$T/z.ref" || fail "$d: s390x copy -f kdump differs"
done
# the final header's incomplete flag, big-endian
cp "$T/z.flat" "$T/z.inc"
set_flag_incomplete "$T/z.inc" '>' || fail "set flag 0x8"
$KMK -i "$T/z.inc" -o "$T/z.lie" -l raw -c zlib || fail "get-kstream-mk"
expect_rc 1 $GET verify "$T/z.lie"
expect_err 'the kdump header says incomplete \(status flag 0x8\)'
one_line "s390x flag 0x8"

note "a source that failed: end record there, header flag 0x8, manifest incomplete"
# the stream ends with the final kdump header (the first one, written
# before the pages, has the flag already): set 0x8 in the last record
# for offset 0 (status at 424 of its data)
cp "$T/s.flat" "$T/inc.flat"
set_flag_incomplete "$T/inc.flat" '<' || fail "set flag 0x8"
$KMK -i "$T/inc.flat" -o "$T/raw.inc" -l raw --incomplete || fail "get-kstream-mk"
expect_rc 1 $GET verify "$T/raw.inc"
expect_err "raw.inc: incomplete: 0 of 50331648 memory bytes dumped \(test: write error\); digest of the $S stored bytes ok$"
one_line "incomplete raw"
expect_rc 0 $GET info "$T/raw.inc"
expect_out '^Status: +incomplete: '
# header flag 0x8 under a manifest that says complete
$KMK -i "$T/inc.flat" -o "$T/raw.lie" -l raw || fail "get-kstream-mk"
expect_rc 1 $GET verify "$T/raw.lie"
expect_err 'the kdump header says incomplete \(status flag 0x8\)'
one_line "flag 0x8, manifest complete"

note "a sink that failed: stream cut, no end record"
for layout in raw aws file; do
	$KMK -i "$T/s.flat" -o "$T/cut.$layout" -l $layout --cut $((S / 2)) || fail "get-kstream-mk"
	expect_rc 1 $GET verify "$T/cut.$layout"
	expect_err "incomplete: .*flattened kdump stream (cut off|ends at [0-9]+ without its end record)"
	one_line "cut $layout"
	expect_rc 0 $GET info "$T/cut.$layout"
	expect_out '^Status: +incomplete: '
	expect_out "end record missing"
	expect_rc 1 $GET copy -f kdump "$T/cut.$layout" "$T/cut.out"
	expect_err 'nothing to convert$'
	one_line "copy of cut $layout"
	[ ! -e "$T/cut.out" ] || fail "copy of a cut stream left an output"
	expect_rc 1 $GET dmesg "$T/cut.$layout"
	one_line "dmesg of cut $layout"
done

note "sealed (encrypt): the decrypted stored bytes are the stream"
SEAL="$TEST_WRAPPER $ZFD_BUILD/tests/integration/seal-mkdump"
expect_rc 0 $GET keygen -o "$T/k"
for layout in file raw; do
	$SEAL -k "$T/k.pub" -i "$T/s.flat" -o "$T/sealed.$layout" -l $layout \
		--raw-size $((S + 1048576)) || fail "seal-mkdump $layout"
	expect_rc 0 $GET verify "$T/sealed.$layout"
	expect_out 'complete, sealed to key [0-9a-f]+, [0-9]+ sealed bytes, digest ok'
	expect_rc 0 $GET verify --key "$T/k.key" "$T/sealed.$layout"
	expect_out 'chunks authenticated$'
	rm -f "$T/sc.kdump" "$T/sc.elf"
	expect_rc 0 $GET copy --key "$T/k.key" -f kdump "$T/sealed.$layout" "$T/sc.kdump"
	cmp "$T/sc.kdump" "$T/ref.kdump" || fail "sealed $layout: copy -f kdump differs"
	expect_rc 0 $GET copy --key "$T/k.key" -f elf "$T/sealed.$layout" "$T/sc.elf"
	cmp "$T/sc.elf" "$T/ref.elf" || fail "sealed $layout: copy -f elf differs"
done
ls "$T"/*.zfcpdump-get.* 2>/dev/null && fail "temporary file left behind"

note "corrupt streams: one line, exit 1"
# the last data record (the final kdump header) made absurd
R=$(python3 - "$T/s.flat" <<'PY'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    pos = 4096
    while True:
        f.seek(pos); off, size = struct.unpack('>QQ', f.read(16))
        if off == 2**64 - 1: break
        last = pos; pos += 16 + size
    print(last)
PY
)
cp "$T/raw" "$T/bad"; put_be64 "$T/bad" $((R + 8)) 0xffffffffffff
expect_rc 1 $GET verify "$T/bad"
expect_err "bad: flattened kdump stream: record at $R: offset 0 size 281474976710655 are impossible$"
one_line "absurd size"
expect_rc 1 $GET copy -f kdump "$T/bad" "$T/bad.out"
one_line "copy absurd size"
expect_rc 0 $GET info "$T/bad"
expect_out "^Status: +corrupt: flattened kdump stream: record at $R: offset 0 size 281474976710655 are impossible$"
# a record running past the end of the image
cp "$T/raw" "$T/bad"; put_be64 "$T/bad" $((R + 8)) $((1 << 32))
expect_rc 1 $GET verify "$T/bad"
expect_err "bad: flattened kdump stream: record at $R: its 4294967296 bytes run past the end of the container \([0-9]+ bytes\)$"
one_line "past the end"
# the same corruption early in the stream: no manifest to be found (an
# image is then a plain kdump-flat file), still one line
cp "$T/raw" "$T/bad"; put_be64 "$T/bad" $((4096 + 8)) 0xffffffffffff
expect_rc 1 $GET verify "$T/bad"
expect_err "record at 4096: offset 0 size 281474976710655 are impossible$"
one_line "absurd size early"
# a flipped data byte: the digest says so
cp "$T/raw" "$T/bad"; flip "$T/bad" $((S - 100))
expect_rc 1 $GET verify "$T/bad"
expect_err "digest mismatch: computed xxh3-128:[0-9a-f]+ over the $S stored bytes and their padding to 4 KiB, manifest has $DIGEST$"
one_line "flipped byte"
# a manifest naming another format
$KMK -i "$T/s.flat" -o "$T/fmt" -l raw --format elf || fail "get-kstream-mk"
expect_rc 1 $GET verify "$T/fmt"
expect_err 'the manifest says format elf, the dump is a kdump flattened stream$'
note "every allocation fails once (no crash, no double free, no leak)"
NOMEM="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_get_nomem"
for args in "info $T/raw" "verify $T/raw" "copy -f kdump $T/raw $T/n1" \
	"verify $T/tape" "copy -f elf $T/tape $T/n2" "verify $T/fs.ext4:dump.0" \
	"info $T/cut.raw" "verify $T/cut.aws" "list $T/fs.ext4"; do
	# shellcheck disable=SC2086
	$NOMEM $args >/dev/null 2>"$T/.stderr"
	grep -q "each failed once: no crash, nothing leaked" "$T/.stderr" ||
		fail "test_get_nomem $args: $(tail -3 "$T/.stderr")"
	! grep -q "dump.0: $\|raw: $\|tape: $" "$T/.stderr" ||
		fail "test_get_nomem $args: an empty error message"
done
cmp "$T/n1" "$T/ref.kdump" || fail "kdump copy after the failure runs differs"

# a truncated tape (the stream stops, no filemark, no manifest)
head -c $((S / 3)) "$T/tape" >"$T/short.aws"
expect_rc 1 $GET verify "$T/short.aws"
one_line "short tape"
exit 0
