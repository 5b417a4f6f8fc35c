#!/bin/bash
# Format kdump in the daemon (issue 11): makedumpfile's kdump-compressed
# format as a flattened stream on every sink.
# - raw, every codec: the stream on the device turns (makedumpfile -R, an
#   independent reader) into exactly the kdump file zfcpdump-get copy -f
#   kdump makes of the same core; libkdumpfile reads every page equal to
#   the core's; the manifest behind the stream (format kdump, compress,
#   dump_level, the digest of the stored stream as xxhsum computes it);
# - extfs: dump.N holds the same stream, e2fsck clean;
# - dump level 1 (-d 1 and the key): every page there, pages of zeros
#   with the one shared descriptor, as in makedumpfile's kdump files;
# - dump level 31 without struct pages in VMCOREINFO (a synthetic core):
#   one warning, level 1 applied and recorded;
# - a device too small for the stream: incomplete, "full after", exit 1;
#   too small even for an empty stream: refused before writing;
# - no module of format kdump beside the plugins: one line, exit 2.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"
GET="$TEST_WRAPPER $ZFD_BUILD/zfcpdump-get"
CMP="/usr/bin/python3 $ZFD_SRC/tests/integration/kdump_compare.py"

$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--hole 40M:4M --kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage x86_64"

# stream_end DEV: offset behind the flattened stream's end record
stream_end() {
	python3 - "$1" <<'PY' || fail "$1: no flattened stream"
import struct, sys
f = open(sys.argv[1], 'rb')
h = f.read(4096)
assert h[:12] == b'makedumpfile' and struct.unpack('>qq', h[16:32]) == (1, 1), "header"
while True:
    o, n = struct.unpack('>qq', f.read(16))
    if o == -1 and n == -1:
        break
    assert o >= 0 and n > 0, "record"
    f.seek(n, 1)
print(f.tell())
PY
}

# unflatten DEV OUT: makedumpfile -R of the stream on DEV
unflatten() {
	rm -f "$2"
	makedumpfile -R "$2" <"$1" >"$T/R.out" 2>&1 ||
		{ cat "$T/R.out" >&2; fail "makedumpfile -R of $1"; }
}

# raw_manifest DEV OUT: the manifest behind the stream (4 KiB aligned)
raw_manifest() {
	local end=$(stream_end "$1")
	local man=$(( (end + 4095) / 4096 * 4096 ))
	tail -c +$((man + 1)) "$1" | head -c 4096 | tr -d '\0' >"$2"
	[ "$(manifest_get "$2" digest)" = \
	  "xxh3-128:$(head -c "$man" "$1" | xxhsum -H2 - | cut -d' ' -f1)" ] ||
		fail "$1: the manifest's digest is not that of the stored stream"
}

for c in zstd lzo snappy zlib none; do
	note "raw, compress $c: makedumpfile -R gives zfcpdump-get's kdump file"
	truncate -s 80M "$T/part.$c"
	expect_rc 0 $ZFD -s "file:$T/x.elf" \
		-o "raw:device=$T/part.$c,format=kdump,compress=$c"
	unflatten "$T/part.$c" "$T/r.$c"
	expect_rc 0 $GET copy -f kdump -c "$c" "$T/x.elf" "$T/g.$c"
	cmp "$T/r.$c" "$T/g.$c" || fail "$c: the daemon's stream is not zfcpdump-get's kdump file"
	$CMP "$T/x.elf" "$T/r.$c" x86_64 >"$T/cmp.out" 2>&1 ||
		{ cat "$T/cmp.out" >&2; fail "libkdumpfile: $c dump differs from the core"; }
	raw_manifest "$T/part.$c" "$T/man"
	[ "$(manifest_get "$T/man" status)" = complete ] || fail "$c: status"
	[ "$(manifest_get "$T/man" format)" = kdump ] || fail "$c: manifest format"
	[ "$(manifest_get "$T/man" compress)" = "$c" ] || fail "$c: manifest compress"
	[ "$(manifest_get "$T/man" dump_level)" = 0 ] || fail "$c: manifest dump_level"
	[ "$(manifest_get "$T/man" mem_size)" = $((64 << 20)) ] || fail "$c: mem_size"
	[ "$c" = zstd ] && mv "$T/r.$c" "$T/r0"
	rm -f "$T/part.$c" "$T/r.$c" "$T/g.$c"
done
note "compression workers: threads 0, 1, 3: the same stream as without"
expect_rc 0 $GET copy -f kdump "$T/x.elf" "$T/g.zstd"
for n in 0 1 3; do
	printf 'threads = %d;\nsinks = ( { type = "raw"; device = "%s"; format = "kdump"; } );\n' \
		"$n" "$T/part.t" >"$T/t.conf"
	truncate -s 80M "$T/part.t"
	expect_rc 0 $ZFD -c "$T/t.conf" -s "file:$T/x.elf"
	unflatten "$T/part.t" "$T/r.t"
	cmp "$T/r.t" "$T/g.zstd" || fail "threads = $n: the stream differs"
	rm -f "$T/part.t"
done
printf 'threads = 65;\nsinks = ( { type = "raw"; device = "%s"; format = "kdump"; } );\n' \
	"$T/part.t" >"$T/t.conf"
expect_rc 2 $ZFD -c "$T/t.conf" -s "file:$T/x.elf"
expect_err "^$T/t.conf:1: 'threads'"

note "compress_level 19 (zstd) is taken"
truncate -s 80M "$T/part"
expect_rc 0 $ZFD -s "file:$T/x.elf" -o "raw:device=$T/part,format=kdump,compress_level=19"
unflatten "$T/part" "$T/r"
$CMP "$T/x.elf" "$T/r" >/dev/null || fail "zstd 19: pages differ"

note "extfs: dump.0 holds the stream, e2fsck clean"
mkfs ext4 "$T/fs" 128M
printf 'compress = "lzo";\nsinks = ( { type = "extfs"; device = "%s"; fsck = "no"; format = "kdump"; } );\n' \
	"$T/fs" >"$T/ext.conf"
expect_rc 0 $ZFD -c "$T/ext.conf" -s "file:$T/x.elf"
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.0 "$T/d0"
fs_get "$T/fs" /dump.0.info "$T/d0.info"
unflatten "$T/d0" "$T/r.ext"
expect_rc 0 $GET copy -f kdump -c lzo "$T/x.elf" "$T/g.lzo"
cmp "$T/r.ext" "$T/g.lzo" || fail "extfs: the stream is not zfcpdump-get's lzo kdump file"
[ "$(manifest_get "$T/d0.info" format)" = kdump ] || fail "extfs: manifest format"
[ "$(manifest_get "$T/d0.info" compress)" = lzo ] || fail "extfs: manifest compress"
[ "$(manifest_get "$T/d0.info" digest)" = \
  "xxh3-128:$(xxhsum -H2 - <"$T/d0" | cut -d' ' -f1)" ] ||
	fail "extfs: the manifest's digest is not that of dump.0"
[ $(( $(stat -c %s "$T/d0") % 4096 )) = 0 ] || fail "extfs: stream not padded to pages"

note "dump level 1: pages of zeros share one descriptor (as makedumpfile's kdump files), all pages there"
truncate -s 80M "$T/part"
expect_rc 0 $ZFD -d 1 -s "file:$T/x.elf" -o "raw:device=$T/part,format=kdump"
unflatten "$T/part" "$T/r1"
$CMP "$T/x.elf" "$T/r1" >"$T/cmp.out" 2>&1 ||
	{ cat "$T/cmp.out" >&2; fail "dump level 1: a page differs or is missing"; }
raw_manifest "$T/part" "$T/man"
[ "$(manifest_get "$T/man" dump_level)" = 1 ] || fail "dump level 1: manifest"
[ "$(manifest_get "$T/man" zero_pages)" -gt 0 ] || fail "dump level 1: no zero pages counted"
# the file differs from level 0's only in the sub-header's dump_level
cmp -l "$T/r0" "$T/r1" >"$T/cmp-l.out" 2>&1
[ "$(wc -l <"$T/cmp-l.out")" = 1 ] && [ "$(awk '{print $1}' "$T/cmp-l.out")" = $((4096 + 8 + 1)) ] ||
	{ head "$T/cmp-l.out" >&2; fail "dump level 1 differs from level 0 beyond the sub-header's dump_level"; }
note "the key dump_level gives the same file"
printf 'dump_level = 1;\nsinks = ( { type = "raw"; device = "%s"; format = "kdump"; } );\n' \
	"$T/part" >"$T/d1.conf"
expect_rc 0 $ZFD -c "$T/d1.conf" -s "file:$T/x.elf"
unflatten "$T/part" "$T/r1k"
cmp "$T/r1" "$T/r1k" || fail "dump_level = 1 differs from -d 1"

note "dump level 31 without struct pages: one warning, level 1 applied and recorded"
expect_rc 0 $ZFD -d 31 -s "file:$T/x.elf" -o "raw:device=$T/part,format=kdump"
expect_err "warning: raw:$T/part: dump_level 31: .*; only pages of zeros are left out \\(dump level 1\\)$"
[ "$(grep -c "dump_level 31" "$T/.stderr")" = 1 ] || fail "the warning is not one line"
unflatten "$T/part" "$T/r31"
cmp "$T/r1" "$T/r31" || fail "dump level 31 fallback differs from level 1"
raw_manifest "$T/part" "$T/man"
[ "$(manifest_get "$T/man" dump_level)" = 1 ] || fail "fallback: manifest dump_level"

note "format elf with dump level 1: zero pages as holes, the rest unchanged"
truncate -s 80M "$T/part.elf"
expect_rc 0 $ZFD -d 1 -s "file:$T/x.elf" -o "raw:device=$T/part.elf,format=elf"
expect_rc 0 $GET verify "$T/part.elf"
expect_rc 0 $GET copy -f elf "$T/part.elf" "$T/back.elf"
same_elf_core "$T/x.elf" "$T/back.elf"
expect_rc 0 $GET info "$T/part.elf"
expect_out "^  dump_level +1$"

note "a device too small for the stream: incomplete, exit 1"
head -c 48M /dev/urandom >"$T/rand"
$MKIMAGE -o "$T/y.elf" -s 48M --seed 9 --format elf --arch x86_64 --cpus 1 \
	--kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage y"
python3 - "$T/y.elf" "$T/rand" <<'PY' || fail "filling y.elf"
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
r = open(sys.argv[2], 'rb').read()
phoff, = struct.unpack_from('<Q', d, 32)
n, = struct.unpack_from('<H', d, 56)
for i in range(n):
    t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
    if t == 1:
        d[off:off + fs] = r[pa:pa + fs]
open(sys.argv[1], 'wb').write(d)
PY
truncate -s 24M "$T/small"
expect_rc 1 $ZFD -s "file:$T/y.elf" -o "raw:device=$T/small,format=kdump,compress=lzo"
expect_err "full after [0-9]+ bytes"
truncate -s 16K "$T/tiny"
expect_rc 1 $ZFD -s "file:$T/y.elf" -o "raw:device=$T/tiny,format=kdump"
expect_err "too small: 16384 bytes, even an empty kdump dump needs [0-9]+$"
[ "$(head -c 16384 "$T/tiny" | tr -d '\0' | wc -c)" = 0 ] || fail "the tiny device was written"

note "no module of format kdump beside the plugins: one line, exit 2"
mkdir -p "$T/p2/sinks"
ln -s "$ZFD_PLUGINS/raw.so" "$T/p2/sinks/raw.so"
expect_rc 2 $ZFCPDUMP --plugin-dir "$T/p2/sinks" --cmdline none -s "file:$T/x.elf" \
	-o "raw:device=$T/part,format=kdump"
expect_err "format kdump: cannot load $T/p2/formats/kdump.so"
exit 0
