#!/bin/bash
# Format kdump on the simulated tape (issue 11 item 2: a tape cannot seek,
# so a kdump dump goes there as makedumpfile's flattened stream). An
# x86_64 ELF core from zfd-mkimage is fed to the tape sink exactly as the
# daemon feeds it (tests/unit/test_tape_feed --format kdump: the flattened
# header as prologue, the stream in blocks of whole pages, the last one
# padded with zeros; info->size only a bound), saved as AWSTAPE. Checked:
# - records: the prologue record, block_size records (the last one
#   shorter, whole pages), a filemark, the manifest file, a filemark;
# - the stored stream is the daemon's (the same bytes as on a raw sink,
#   the same manifest digest), its digest in the manifest is xxhsum -H2 of
#   the tape file, the padding behind the end record is zeros;
# - makedumpfile -R of the tape file is byte for byte what zfcpdump-get
#   copy -f kdump -c CODEC makes of the core, for every codec;
# - block_size 4096 and 1M, dump level 1;
# - a tape that runs full mid-stream: incomplete, "tape full after N
#   bytes", the N bytes before it on tape equal to the complete stream's;
# - an early warning: at the last record the dump is still complete;
#   mid-stream the block that met it is finished and the next refused, so
#   the tape holds exactly the stored bytes the digest covers;
# - sealed: verify with and without the key, copy --key back to the
#   kdump file.
. "$abs_top_srcdir/tests/lib.sh"

FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"
GET=$ZFCPDUMP_GET

$MKIMAGE -o "$T/x.elf" -s 32M --seed 7 --format elf --arch x86_64 --cpus 2 \
	--hole 20M:2M --kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage x86_64"

# tape_split AWS BLOCK_SIZE DIR: checks the record layout of a kdump tape
# and writes DIR/stream (tape file 1: the records' bytes), DIR/man (tape
# file 2) and DIR/lens (the record lengths of tape file 1)
tape_split() {
	mkdir -p "$3"
	python3 - "$1" "$2" "$3" "$ZFD_SRC/tests/integration" <<'PY' || fail "tape layout of $1"
import struct, sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[4])
from tape_elf_check import aws_records
aws, bs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
recs = aws_records(open(aws, 'rb').read())
assert recs.count(None) == 2 and recs[-1] is None, 'two tape files'
fm = recs.index(None)
assert fm + 3 == len(recs), 'the manifest file is one record'
data, man = recs[:fm], recs[fm + 1]
assert data[0][:12] == b'makedumpfile' and len(data[0]) == 4096, \
    'record 1: the flattened header alone'
assert struct.unpack('>qq', data[0][16:32]) == (1, 1), 'flat type, version'
assert not any(data[0][32:]), 'flat header: zeros behind type and version'
body = data[1:]
assert body, 'stream records'
assert all(len(r) == bs for r in body[:-1]), \
    'block_size records: %s' % sorted(set(len(r) for r in body[:-1]))
assert 0 < len(body[-1]) <= bs and len(body[-1]) % 4096 == 0, \
    'the last record: whole pages (%d)' % len(body[-1])
assert man.startswith(b'zfcpdump-info 1\n'), 'manifest'
open(out + '/stream', 'wb').write(b''.join(data))
open(out + '/man', 'wb').write(man)
open(out + '/lens', 'w').write(''.join('%d\n' % len(r) for r in data))
PY
}

# stream_check FILE: a complete flattened stream: records up to the end
# record, then only zeros, the whole a multiple of 4096 bytes
stream_check() {
	python3 - "$1" <<'PY' || fail "$1: not a complete, padded flattened stream"
import struct, sys
b = open(sys.argv[1], 'rb').read()
assert len(b) % 4096 == 0, 'size %d not whole pages' % len(b)
pos = 4096
while True:
    o, n = struct.unpack_from('>qq', b, pos)
    pos += 16
    if (o, n) == (-1, -1):
        break
    assert o >= 0 and n > 0, 'record at %d' % (pos - 16)
    pos += n
assert pos <= len(b) and not any(b[pos:]), 'padding behind the end record'
assert len(b) - pos < 4096, 'more than a page of padding'
PY
}

# unflatten STREAM OUT: makedumpfile -R, the independent reader
unflatten() {
	rm -f "$2"
	makedumpfile -R "$2" <"$1" >"$T/R.out" 2>&1 ||
		{ cat "$T/R.out" >&2; fail "makedumpfile -R of $1"; }
}

# digest_of FILE [LEN]: the xxh3-128 digest as a manifest writes it
digest_of() {
	echo "xxh3-128:$(head -c "${2:-$(stat -c %s "$1")}" "$1" | xxhsum -H2 - | cut -d' ' -f1)"
}

# fed_stored: stored bytes the host saw written (test_tape_feed's line)
fed_stored() {
	sed -n 's/^kdump stream: \([0-9]*\) stored bytes.*/\1/p' "$T/.stdout"
}

for c in zstd lzo snappy zlib none; do
	note "kdump, compress $c: records, manifest, makedumpfile -R = zfcpdump-get copy -f kdump"
	expect_rc 0 $FEED dump --sim --aws "$T/$c.aws" --format kdump -c "$c" "$T/x.elf"
	expect_err "dump complete: [0-9]+ records, [0-9]+ bytes of data"
	tape_split "$T/$c.aws" 32768 "$T/$c"
	stream_check "$T/$c/stream"
	[ "$(fed_stored)" = "$(stat -c %s "$T/$c/stream")" ] ||
		fail "$c: the tape file is not the stream the host stored"
	man=$T/$c/man
	[ "$(manifest_get "$man" status)" = complete ] || fail "$c: status"
	[ "$(manifest_get "$man" format)" = kdump ] || fail "$c: manifest format"
	[ "$(manifest_get "$man" compress)" = "$c" ] || fail "$c: manifest compress"
	[ "$(manifest_get "$man" dump_level)" = 0 ] || fail "$c: manifest dump_level"
	[ "$(manifest_get "$man" mem_size)" = $((32 << 20)) ] || fail "$c: mem_size"
	[ "$(manifest_get "$man" dumped_bytes)" = $((32 << 20)) ] || fail "$c: dumped_bytes"
	[ "$(manifest_get "$man" hole_bytes)" = $((2 << 20)) ] || fail "$c: hole_bytes"
	[ "$(manifest_get "$man" digest)" = "$(digest_of "$T/$c/stream")" ] ||
		fail "$c: the manifest's digest is not that of the stored stream"
	unflatten "$T/$c/stream" "$T/r.$c"
	expect_rc 0 $GET copy -f kdump -c "$c" "$T/x.elf" "$T/g.$c"
	cmp "$T/r.$c" "$T/g.$c" ||
		fail "$c: makedumpfile -R of the tape is not zfcpdump-get's kdump file"
	rm -f "$T/r.$c" "$T/g.$c"
done

note "the tape holds the daemon's stream: the same bytes and digest as a raw sink"
truncate -s 48M "$T/part"
expect_rc 0 $ZFD -s "file:$T/x.elf" -o "raw:device=$T/part,format=kdump,compress=zstd"
n=$(stat -c %s "$T/zstd/stream")
cmp -n "$n" "$T/zstd/stream" "$T/part" || fail "tape stream differs from the daemon's raw stream"
tail -c +$((n + 1)) "$T/part" | head -c 4096 | tr -d '\0' >"$T/raw.man"
for k in status format compress dump_level mem_size dumped_bytes zero_pages \
	hole_bytes digest; do
	[ "$(manifest_get "$T/raw.man" $k)" = "$(manifest_get "$T/zstd/man" $k)" ] ||
		fail "manifest $k: raw '$(manifest_get "$T/raw.man" $k)', tape '$(manifest_get "$T/zstd/man" $k)'"
done

for bs in 4096 1048576; do
	note "block_size $bs: the same stream in records of $bs bytes"
	expect_rc 0 $FEED dump --sim --aws "$T/b$bs.aws" --format kdump -c zstd \
		-o block_size=$bs "$T/x.elf"
	tape_split "$T/b$bs.aws" $bs "$T/b$bs"
	cmp "$T/b$bs/stream" "$T/zstd/stream" || fail "block_size $bs: other stream bytes"
done

note "dump level 1: recorded (pages of zeros share one descriptor at every level); the daemon's stream"
expect_rc 0 $FEED dump --sim --aws "$T/d1.aws" --format kdump -c lzo -d 1 "$T/x.elf"
tape_split "$T/d1.aws" 32768 "$T/d1"
stream_check "$T/d1/stream"
[ "$(manifest_get "$T/d1/man" dump_level)" = 1 ] || fail "-d 1: manifest dump_level"
[ "$(manifest_get "$T/d1/man" digest)" = "$(digest_of "$T/d1/stream")" ] || fail "-d 1: digest"
[ "$(stat -c %s "$T/d1/stream")" = "$(stat -c %s "$T/lzo/stream")" ] ||
	fail "-d 1: the stream's length differs from level 0's (only its dump_level field may)"
expect_rc 0 $ZFD -s "file:$T/x.elf" -d 1 -o "raw:device=$T/part,format=kdump,compress=lzo"
cmp -n "$(stat -c %s "$T/d1/stream")" "$T/d1/stream" "$T/part" ||
	fail "-d 1: tape stream differs from the daemon's raw stream"
unflatten "$T/d1/stream" "$T/r.d1"

note "tape full mid-stream: incomplete, tape full after N bytes, the records before it kept"
expect_rc 1 $FEED dump --sim --sim-capacity 3M --aws "$T/full.aws" --format kdump -c zstd "$T/x.elf"
expect_err "tape full after [0-9]+ bytes"
N=$(sed -n 's/.*tape full after \([0-9]*\) bytes.*/\1/p' "$T/.stderr" | head -n 1)
expect_err "dump incomplete: $N bytes of data on tape: tape full after $N bytes$"
grep -q "bytes of data on tape.* of " "$T/.stderr" && fail "a size of a cut stream claimed"
S=$(fed_stored)
tape_split "$T/full.aws" 32768 "$T/full"
man=$T/full/man
[ "$(manifest_get "$man" status)" = incomplete ] || fail "full: status"
[ "$(manifest_get "$man" reason)" = "tape full after $N bytes" ] || fail "full: reason"
[ "$(manifest_get "$man" format)" = kdump ] || fail "full: format"
[ "$(stat -c %s "$T/full/stream")" = $((4096 + N)) ] ||
	fail "full: tape file of $(stat -c %s "$T/full/stream") bytes, not the header + $N"
[ $N -gt $((2 << 20)) ] || fail "full: only $N bytes before the end of the tape"
cmp -n $((4096 + N)) "$T/full/stream" "$T/zstd/stream" ||
	fail "full: the records before the cut are not the stream's"
# the digest covers the stored bytes the host saw written
[ "$S" -le $((4096 + N)) ] && [ $((S % 4096)) = 0 ] || fail "full: host stored $S"
[ "$(manifest_get "$man" digest)" = "$(digest_of "$T/full/stream" "$S")" ] ||
	fail "full: the manifest's digest is not that of the $S stored bytes"

# An early warning: a stream of unknown size may end with the block that
# met it; that block goes on tape whole, the next one is refused. So the
# tape holds exactly the blocks the host counts as stored.
SZ=$(stat -c %s "$T/zstd/stream")
note "early warning at the stream's last record: the dump is complete"
expect_rc 0 $FEED dump --sim --sim-capacity $((SZ + 65536)) \
	--sim-early-warning $((65536 + 1)) --aws "$T/ew.aws" --format kdump -c zstd "$T/x.elf"
tape_split "$T/ew.aws" 32768 "$T/ew"
[ "$(manifest_get "$T/ew/man" status)" = complete ] || fail "early warning at the end: status"
cmp "$T/ew/stream" "$T/zstd/stream" || fail "early warning at the end: other stream bytes"

for bs in 32768 12288; do
	note "early warning mid-stream, block_size $bs: incomplete, the tape holds the blocks stored"
	expect_rc 1 $FEED dump --sim --sim-capacity $((SZ + 65536)) -o block_size=$bs \
		--sim-early-warning $((65536 + (1 << 20))) --aws "$T/ewm.aws" \
		--format kdump -c zstd "$T/x.elf"
	expect_err "tape full after [0-9]+ bytes \(early warning: end of medium\)"
	S=$(fed_stored)
	tape_split "$T/ewm.aws" $bs "$T/ewm$bs"
	[ "$(stat -c %s "$T/ewm$bs/stream")" = "$S" ] ||
		fail "early warning, block_size $bs: $(stat -c %s "$T/ewm$bs/stream") bytes on tape, the host stored $S"
	[ $S -gt $((SZ - (2 << 20))) ] && [ $S -lt $SZ ] ||
		fail "early warning, block_size $bs: cut at $S of $SZ"
	cmp -n "$S" "$T/ewm$bs/stream" "$T/zstd/stream" ||
		fail "early warning, block_size $bs: the records before the cut are not the stream's"
	[ "$(manifest_get "$T/ewm$bs/man" status)" = incomplete ] || fail "early warning: status"
	[ "$(manifest_get "$T/ewm$bs/man" digest)" = "$(digest_of "$T/ewm$bs/stream")" ] ||
		fail "early warning, block_size $bs: the digest is not that of the tape file"
done

note "sealed kdump tape: verifies with and without the key, decrypts to the kdump file"
expect_rc 0 $GET keygen -o "$T/k"
expect_rc 0 $FEED dump --sim --encrypt "$T/k.pub" --aws "$T/sealed.aws" --format kdump -c lzo "$T/x.elf"
expect_err "sealed to key"
grep -aq makedumpfile "$T/sealed.aws" && fail "sealed tape: the stream in plain"
expect_rc 0 $GET verify --key "$T/k.key" "$T/sealed.aws"
expect_out "complete, sealed to key .* digest ok .* chunks authenticated"
expect_rc 0 $GET verify "$T/sealed.aws"
expect_out "complete, sealed to key .* digest ok"
expect_rc 0 $GET copy -f kdump -c lzo --key "$T/k.key" "$T/sealed.aws" "$T/dec.kdump"
expect_rc 0 $GET copy -f kdump -c lzo "$T/x.elf" "$T/g.lzo"
cmp "$T/dec.kdump" "$T/g.lzo" || fail "sealed tape: decrypted kdump file differs"
unflatten "$T/lzo/stream" "$T/r.lzo"
cmp "$T/dec.kdump" "$T/r.lzo" || fail "sealed tape: decrypted kdump file is not the plain tape's"
expect_rc 0 $GET copy -f kdump-flat -c lzo --key "$T/k.key" "$T/sealed.aws" "$T/dec.flat"
unflatten "$T/dec.flat" "$T/r.dec"
cmp "$T/r.dec" "$T/r.lzo" || fail "sealed tape: decrypted stream differs"
exit 0
