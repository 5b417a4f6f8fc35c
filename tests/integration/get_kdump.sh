#!/bin/bash
# The kdump-compressed format (zfcpdump-get copy -f kdump / kdump-flat and
# the kdump input), judged by independent readers:
#  - libkdumpfile (python3-libkdumpfile) reads every page of our kdump
#    files, every codec, and they equal the source ELF core's pages
#    (tests/integration/kdump_compare.py reads the ELF itself);
#  - makedumpfile -R turns our flattened streams (zlib, lzo: what Debian's
#    makedumpfile 1.7.2 decodes) into files byte-identical to our kdump
#    files;
#  - s390x (big-endian) and x86_64 (little-endian) dumps;
#  - bad kdump files: one line, exit 1.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

PY=${KDUMP_PYTHON:-/usr/bin/python3}
CMP="$PY $ZFD_SRC/tests/integration/kdump_compare.py"
MDF=$(command -v makedumpfile || echo /usr/sbin/makedumpfile)
"$PY" -c 'import kdumpfile' || fail "python3-libkdumpfile missing (scripts/install-deps)"
[ -x "$MDF" ] || fail "makedumpfile missing (scripts/install-deps)"

# put FILE OFFSET FMT VALUE: writes a struct-packed value in place.
put() {
	"$PY" - "$@" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2], 0)); f.write(struct.pack(sys.argv[3], int(sys.argv[4], 0)))
PY
}
# get FILE OFFSET FMT: reads a struct-packed value.
get() {
	"$PY" - "$@" <<'PY'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    f.seek(int(sys.argv[2], 0)); fmt = sys.argv[3]
    print(struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0])
PY
}

note "x86_64 ELF core -> kdump, every codec, read back by libkdumpfile"
$MKIMAGE -o "$T/x.elf" -s 48M --arch x86_64 --format elf --seed 5 \
	--hole 40M:4M --cpus 3 || fail "zfd-mkimage x86_64"
for c in zstd lzo snappy zlib none; do
	expect_rc 0 $GET copy -f kdump -c $c -v "$T/x.elf" "$T/x.$c"
	expect_err "x.$c: 11264 pages \(.* zero, .*\), [0-9]+ bytes$"
	[ "$(head -c 8 "$T/x.$c")" = "KDUMP   " ] || fail "$c: signature"
	[ "$(get "$T/x.$c" 8 '<i')" = 6 ] || fail "$c: header version"
	expect_rc 0 $CMP "$T/x.elf" "$T/x.$c" x86_64
	expect_out '^11264 pages equal, 1024 absent in both$'
done
# compressed pages carry their codec's flag; zero pages share one descriptor
[ "$(get "$T/x.zstd" 424 '<I')" = 32 ] || fail "zstd status flag"
[ "$(get "$T/x.lzo" 424 '<I')" = 2 ] || fail "lzo status flag"
[ "$(get "$T/x.none" 424 '<I')" = 0 ] || fail "none status flag"
[ "$(stat -c %s "$T/x.zstd")" -lt $(( $(stat -c %s "$T/x.none") / 2 )) ] ||
	fail "zstd output not smaller than half the uncompressed kdump file"
expect_rc 0 $GET copy -f kdump -c zstd -l 19 "$T/x.elf" "$T/x.zstd19"
expect_rc 0 $CMP "$T/x.elf" "$T/x.zstd19" x86_64
expect_rc 2 $GET copy -f kdump -c zlib -l 12 "$T/x.elf" "$T/bad"
expect_err 'compress_level 12 is outside 1..9 for zlib'
expect_rc 2 $GET copy -f kdump -c lz4 "$T/x.elf" "$T/bad"
expect_err "unknown compression 'lz4'"
expect_rc 1 $GET copy -f kdump "$T/x.elf" -
expect_err 'a kdump file needs a seekable output; use -f kdump-flat'

note "VMCOREINFO and notes in the sub-header, as makedumpfile reads them"
notes_off=$(get "$T/x.zstd" $((4096 + 48)) '<Q')
vmci_off=$(get "$T/x.zstd" $((4096 + 32)) '<Q')
vmci_len=$(get "$T/x.zstd" $((4096 + 40)) '<Q')
[ "$notes_off" = $((4096 + 104)) ] || fail "offset_note $notes_off"
dd if="$T/x.zstd" bs=1 skip="$vmci_off" count="$vmci_len" status=none |
	grep -q '^OSRELEASE=6.1.0-zfd-test$' || fail "VMCOREINFO not where offset_vmcoreinfo says"
"$PY" - "$T/x.zstd" <<'PY' || fail "libkdumpfile: utsname/VMCOREINFO"
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
uts = dict(k.attr['linux']['uts'].items())
assert uts['sysname'] == 'Linux' and uts['machine'] == 'x86_64', uts
assert uts['release'] == '6.1.0-zfd-test', uts
assert dict(k.attr['arch'].items())['byte_order'] == 1    # little-endian
PY

note "flattened streams: makedumpfile -R gives our kdump file byte for byte"
for c in zlib lzo; do
	expect_rc 0 $GET copy -f kdump-flat -c $c "$T/x.elf" "$T/x.$c.flat"
	[ "$(head -c 12 "$T/x.$c.flat")" = makedumpfile ] || fail "flat signature"
	"$MDF" -R "$T/x.$c.R" <"$T/x.$c.flat" >"$T/mdf.out" 2>&1 ||
		{ cat "$T/mdf.out"; fail "makedumpfile -R ($c)"; }
	cmp "$T/x.$c.R" "$T/x.$c" || fail "makedumpfile -R of our $c stream differs from our $c kdump file"
	# the same through a pipe (tape-like: no seeking)
	$GET copy -f kdump-flat -c $c "$T/x.elf" - | "$MDF" -R "$T/x.$c.P" >"$T/mdf.out" 2>&1 ||
		{ cat "$T/mdf.out"; fail "copy -f kdump-flat - | makedumpfile -R ($c)"; }
	cmp "$T/x.$c.P" "$T/x.$c" || fail "piped $c stream differs"
done

note "kdump input: info, verify, copy back and between codecs"
expect_rc 0 $GET info "$T/x.zstd"
expect_out '^Input: +kdump-compressed file$'
expect_out '^Status: +complete$'
expect_out '^Memory size: +50331648 bytes'
expect_out '^  chunk +0x0000000002c00000-0x0000000002ffffff'
expect_rc 0 $GET verify "$T/x.zstd"
expect_out 'complete, 50331648 memory bytes, every page of the kdump file readable'
expect_rc 0 $GET verify "$T/x.lzo.flat"
expect_out 'every page of the kdump-flat file readable'
expect_rc 0 $GET copy -f kdump -c lzo "$T/x.zstd" "$T/x.relzo"
cmp "$T/x.relzo" "$T/x.lzo" || fail "kdump(zstd) -> kdump(lzo) differs from elf -> kdump(lzo)"
expect_rc 0 $GET copy -f kdump -c snappy "$T/x.zlib.flat" "$T/x.resnappy"
expect_rc 0 $CMP "$T/x.elf" "$T/x.resnappy" x86_64
expect_rc 1 $GET copy -f s390 "$T/x.zstd" "$T/bad"
expect_err 'a Linux x86_64 dump cannot be written in the s390 format'
note "kdump -> elf (x86_64): notes kept, every page back"
expect_rc 0 $GET copy -f elf "$T/x.zstd" "$T/x.back.elf"
readelf -hW "$T/x.back.elf" | grep -Eq 'Machine: +Advanced Micro Devices X86-64' ||
	fail "ELF from kdump: not EM_X86_64"
readelf -nW "$T/x.back.elf" >"$T/notes" || fail "readelf -n"
[ "$(grep -c NT_PRSTATUS "$T/notes")" = 3 ] || fail "ELF from kdump: NT_PRSTATUS count"
grep -q VMCOREINFO "$T/notes" || fail "ELF from kdump: no VMCOREINFO"
expect_rc 0 $CMP "$T/x.back.elf" "$T/x.zstd" x86_64
expect_out '^11264 pages equal, 1024 absent in both$'
$GET copy -f elf "$T/x.zstd" - | cmp - "$T/x.back.elf" || fail "copy -f elf to a pipe differs"
expect_rc 0 $GET copy -f kdump -c lzo "$T/x.back.elf" "$T/x.lzo2"
# (phys_base is not in an ELF core whose segments lost their vaddr)
expect_rc 0 $CMP "$T/x.elf" "$T/x.lzo2" x86_64
expect_out '^11264 pages equal, 1024 absent in both$'

note "s390x (big-endian): s390 image -> kdump -> elf, against the image"
$MKIMAGE -o "$T/s.img" -s 16M --seed 9 --hole 4M:1M --cpus 2 --end-marker || fail "zfd-mkimage s390x"
expect_rc 0 $GET copy -f elf "$T/s.img" "$T/s.elf"
for c in zstd zlib; do
	expect_rc 0 $GET copy -f kdump -c $c "$T/s.img" "$T/s.$c"
	[ "$(get "$T/s.$c" 8 '>i')" = 6 ] || fail "s390x header not big-endian"
	expect_rc 0 $CMP "$T/s.elf" "$T/s.$c" s390x
	expect_out '^4096 pages equal, 0 absent in both$'
done
"$PY" -c 'import sys, kdumpfile; k = kdumpfile.kdumpfile(sys.argv[1]); assert dict(k.attr["arch"].items())["byte_order"] == 0' \
	"$T/s.zstd" || fail "libkdumpfile does not see a big-endian dump"
expect_rc 0 $GET copy -f elf "$T/s.zstd" "$T/s.back.elf"
expect_rc 0 $CMP "$T/s.back.elf" "$T/s.zlib" s390x
expect_rc 0 $GET copy -f s390 "$T/s.zstd" "$T/s.back.img"
expect_rc 0 $GET copy -f kdump -c zstd "$T/s.back.img" "$T/s.back.zstd"
expect_rc 0 $CMP "$T/s.elf" "$T/s.back.zstd" s390x

note "incomplete kdump files say so"
cp "$T/x.zstd" "$T/inc"
put "$T/inc" 424 '<I' $((32 | 8))
expect_rc 0 $GET info "$T/inc"
expect_out '^Status: +incomplete: the kdump header says incomplete \(status flag 0x8\); pages up to memory byte 50331648 of 50331648 are in the file$'
expect_rc 1 $GET verify "$T/inc"
expect_err 'the kdump header says incomplete'
[ "$(wc -l <"$T/.stderr")" = 1 ] || fail "verify of an incomplete kdump: not one line"

note "bad kdump files: one line naming the problem, exit 1, no crash"
bad() {	# NAME REGEX: verify and copy of $T/b say REGEX in one line
	local cmd
	for cmd in "verify $T/b" "copy -f kdump $T/b $T/b.out" "info $T/b"; do
		[ "${cmd%% *}" = info ] && [ "${3:-}" = open-ok ] && continue
		expect_rc 1 $GET $cmd
		expect_err "$2"
		[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr"; fail "$1: $cmd: not one line"; }
	done
	[ ! -e "$T/b.out" ] || fail "$1: a failed copy left its output"
}
desc_off=$(( 4096 * (1 + $(get "$T/x.zstd" 432 '<i') + $(get "$T/x.zstd" 436 '<I')) ))
cp "$T/x.zstd" "$T/b"; put "$T/b" 428 '<i' 12345
bad "block size" 'block size 0x.* is not a page size'
cp "$T/x.zstd" "$T/b"; put "$T/b" 436 '<I' 0x7ffffffe
bad "bitmap size" 'bitmaps end at [0-9]+, beyond the end of the file'
cp "$T/x.zstd" "$T/b"; put "$T/b" $((4096 + 96)) '<Q' 0xffffffffffff
bad "max_mapnr" 'max_mapnr 281474976710655 does not fit bitmaps'
cp "$T/x.zstd" "$T/b"; put "$T/b" $((4096 + 56)) '<Q' 0x100000000
bad "notes" 'notes \(4294967296 bytes at 4200\) lie outside the sub-header'
cp "$T/x.zstd" "$T/b"; put "$T/b" 8 '<i' 3
bad "version" 'kdump header version 3 is not supported'
# bitmap 2 with bits beyond max_mapnr (48M = 12288 frames)
bm2=$(( 4096 * (1 + $(get "$T/x.zstd" 432 '<i')) + $(get "$T/x.zstd" 436 '<I') * 4096 / 2 ))
cp "$T/x.zstd" "$T/b"; put "$T/b" $((bm2 + 12288 / 8)) '<B' 1
bad "bitmap 2" 'bitmap 2 marks page frame 12288 beyond max_mapnr 12288'
# a descriptor pointing outside the file (the first one, page frame 0)
cp "$T/x.zstd" "$T/b"; put "$T/b" $desc_off '<Q' 0x7fffffffffff
bad "descriptor" 'page frame 0: data at 140737488355327 \(\+[0-9]+\) lies outside the page data area' open-ok
# a descriptor with an impossible size
cp "$T/x.zstd" "$T/b"; put "$T/b" $((desc_off + 8)) '<I' 70000
bad "descriptor size" 'page frame 0: descriptor size 70000 is impossible' open-ok
# corrupt compressed data: the first compressed page's bytes inverted
first=$("$PY" - "$T/x.zstd" $desc_off <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb'); off = int(sys.argv[2])
while True:
    f.seek(off); o, s, fl, _ = struct.unpack('<QIIQ', f.read(24)); off += 24
    if fl: print(o); break
PY
)
cp "$T/x.zstd" "$T/b"; for i in 0 1 2 3 4 5 6 7 8 9; do flip "$T/b" $((first + i)); done
bad "data" 'zstd data at [0-9]+ does not decompress to one page' open-ok
# cut off inside the descriptors
head -c $((desc_off + 100)) "$T/x.zstd" >"$T/b"
bad "cut off" 'bitmap 2 marks more pages than the file has page descriptors'
# flattened stream cut off
head -c 100000 "$T/x.zlib.flat" >"$T/b"
bad "flat cut" 'flattened stream cut off at|flattened stream ends at [0-9]+ without its end record'
exit 0
