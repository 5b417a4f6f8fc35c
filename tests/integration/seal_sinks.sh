#!/bin/bash
# Sealed dumps written by the daemon (doc/sealing.md) on the real sinks:
# encrypt per sink and global (also for -o sinks), the decrypted copy
# equals the plain dump of the same image, no plaintext on the target, a
# secret key refused as recipient, an incomplete sealed dump, the lanes
# (threads sealing at once) of the key threads, a tape that runs full.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
GET=$ZFCPDUMP_GET
MEM=$((16 << 20))
IMG=$T/src.img
$MKIMAGE -o "$IMG" -s 16M --seed 9 || fail mkimage
expect_rc 0 $GET keygen -o "$T/k"
FP=$(sed -n 's/^key //p' "$T/.stdout")

# the reference: a plain dump of the same image, copied out
raw_target "$T/plain.part" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$T/plain.part"
expect_rc 0 $GET copy "$T/plain.part" "$T/ref"
expect_rc 0 $GET copy -f elf "$T/plain.part" "$T/ref.elf"

# no_plaintext FILE: 4 KiB of random memory from the image is nowhere in FILE
no_plaintext() {
	python3 - "$IMG" "$1" <<'PY' || fail "plaintext memory found in $1"
import sys
img = open(sys.argv[1], 'rb').read()
data = open(sys.argv[2], 'rb').read()
cand = [img[o:o + 256] for o in range(8192, len(img), 4096)
        if img[o:o + 256] != bytes(256)]
assert len(cand) >= 64
probes = cand[::len(cand) // 16]
for probe in probes:
    if data.find(probe) >= 0:
        sys.exit(1)
PY
}

# check_sealed DUMP: info/verify without the key, verify/copy with it
check_sealed() {
	expect_rc 0 $GET info "$1"
	expect_out '^Encrypted: +x25519-sealed$'
	expect_out "^Key: +$FP$"
	expect_out '^  status +complete$'
	expect_out "^  key +$FP$"
	expect_rc 0 $GET verify "$1"
	expect_out "complete, sealed to key $FP, [0-9]+ sealed bytes, digest ok"
	expect_rc 0 $GET verify --key "$T/k.key" "$1"
	expect_out "chunks authenticated$"
	rm -f "$T/out" "$T/out.elf"
	expect_rc 0 $GET copy --key "$T/k.key" "$1" "$T/out"
	# equal but for the end marker's TOD (another dump, another time)
	[ "$(stat -c %s "$T/out")" = "$(stat -c %s "$T/ref")" ] || fail "size of the copy of $1"
	cmp -n $((4096 + MEM + 8)) "$T/out" "$T/ref" ||
		fail "decrypted copy of $1 differs from the plain dump"
	expect_rc 0 $GET copy --key "$T/k.key" -f elf "$1" "$T/out.elf"
	cmp "$T/out.elf" "$T/ref.elf" || fail "decrypted ELF copy of $1 differs"
}

cat >"$T/raw.conf" <<EOF2
sinks = ( { type = "raw"; device = "$T/part"; encrypt = { recipient = "$T/k.pub"; }; } );
EOF2
note "raw, encrypt in the sink"
part=$T/part
raw_target "$part" $((MEM + (1 << 20)))
expect_rc 0 zfd_raw -c "$T/raw.conf" -s "file:$IMG"
expect_err "sealed to key $FP"
check_sealed "$part"
no_plaintext "$part"
# header-last commit: the envelope header at 0, its state final
[ "$(be_hex "$part" 0 8)" = 5a46445345414c31 ] || fail "no envelope header at 0"
[ "$(be_hex "$part" $((0xd0)) 4)" = 00000001 ] || fail "envelope state not final"

note "raw: lanes follow the key threads (two a thread, one for one thread)"
for t in 1:1 3:6; do
	{ echo "threads = ${t%%:*};"; cat "$T/raw.conf"; } >"$T/threads.conf"
	raw_target "$part" $((MEM + (1 << 20)))
	expect_rc 0 zfd_raw -c "$T/threads.conf" -s "file:$IMG"
	expect_rc 0 $GET info "$part"
	expect_out "^Lanes: +${t#*:} \(envelope version 2\)$"
	[ "$(be_hex "$part" $((0x98)) 4)" = "$(printf %08x "${t#*:}")" ] ||
		fail "lanes field of threads ${t%%:*}"
	check_sealed "$part"
done

note "raw, encrypt global, sinks from -o"
cat >"$T/global.conf" <<EOF2
encrypt = { recipient = "$T/k.pub"; };
sinks = ( { type = "raw"; device = "/nonexistent"; } );
EOF2
raw_target "$part" $((MEM + (1 << 20)))
expect_rc 0 zfd_raw -c "$T/global.conf" -s "file:$IMG" -o "raw:device=$part"
check_sealed "$part"

note "a secret key as recipient: refused before anything is written"
sed "s|k.pub|k.key|" "$T/global.conf" >"$T/bad.conf"
raw_target "$part" $((MEM + (1 << 20)))
cp "$part" "$T/before"
expect_rc 2 zfd_raw -c "$T/bad.conf" -s "file:$IMG" -o "raw:device=$part"
expect_err "bad.conf:1: encrypt recipient $T/k.key: holds a secret key \(use the .pub file\)$"
cmp "$part" "$T/before" || fail "target written despite the config error"
echo 'sinks = ( { type = "raw"; device = "x"; encrypt = { recipent = "y"; }; } );' >"$T/typo.conf"
expect_rc 2 zfd_raw -c "$T/typo.conf" -s "file:$IMG" -n
expect_err "typo.conf:1: unknown key 'recipent' in 'encrypt'"

note "raw, a source that ends early: sealed and incomplete"
GOOD=$((10 << 20))
head -c $((4096 + GOOD)) "$IMG" >"$T/short.img"
raw_target "$part" $((MEM + (1 << 20)))
expect_rc 1 zfd_raw -c "$T/raw.conf" -s "file:$T/short.img"
expect_rc 1 $GET verify "$part"
expect_err "incomplete; digest of the [0-9]+ sealed bytes ok"
expect_rc 1 $GET verify --key "$T/k.key" "$part"
expect_err "incomplete: sealed data ends before chunk"
expect_rc 0 $GET copy --key "$T/k.key" "$part" "$T/inc"
# every byte that was sealed decrypts: header + memory up to the last full chunk
n=$(stat -c %s "$T/inc")
[ $n -ge $((GOOD + 4096 - 65536)) ] || fail "only $n bytes decrypted"
cmp -n $n "$T/inc" "$IMG" || fail "incomplete sealed dump decrypts to other bytes"

note "raw, format elf (an x86_64 core): the sealed stream is the ELF dump"
$MKIMAGE -o "$T/x86.elf" -s 16M --seed 9 --arch x86_64 --format elf ||
	fail "zfd-mkimage --format elf"
raw_target "$T/plain-elf.part" $((MEM + (1 << 20)))
expect_rc 0 zfd_raw -s "file:$T/x86.elf" -o "raw:device=$T/plain-elf.part,format=elf"
python3 "$abs_top_srcdir/tests/integration/raw_elfcheck.py" "$T/plain-elf.part" \
	"$T/x86.elf" "$T/man" >"$T/check.out" || fail "plain ELF dump"
esize=$(sed -n 's/^size //p' "$T/check.out")
raw_target "$part" $((MEM + (1 << 20)))
expect_rc 0 zfd_raw -c "$T/raw.conf" -s "file:$T/x86.elf"
expect_rc 0 $GET verify "$part"
expect_out "complete, sealed to key $FP, [0-9]+ sealed bytes, digest ok"
no_plaintext "$part"
rm -f "$T/out.elf"
expect_rc 0 $GET copy --key "$T/k.key" -f elf "$part" "$T/out.elf"
[ "$(stat -c %s "$T/out.elf")" = "$esize" ] || fail "decrypted ELF dump: size"
cmp -n "$esize" "$T/out.elf" "$T/plain-elf.part" ||
	fail "decrypted ELF dump differs from the plain raw ELF dump"

note "extfs (ext4 1 KiB blocks, ext3): .incomplete renamed at the end, fsck clean"
for t in ext4:-b1024 ext3:-b4096; do
	fs=$T/fs.img
	mkfs "${t%%:*}" "$fs" 64M "${t#*:}"
	cat >"$T/ext.conf" <<EOF2
sinks = ( { type = "extfs"; device = "$fs"; encrypt = { recipient = "$T/k.pub"; }; } );
EOF2
	expect_rc 0 zfd_raw -c "$T/ext.conf" -s "file:$IMG"
	[ "$(fs_ls "$fs" | tr '\n' ' ')" = "dump.0 dump.0.info " ] || fail "names: $(fs_ls "$fs")"
	fsck_clean "$fs"
	check_sealed "$fs:dump.0"
	fs_get "$fs" dump.0 "$T/d0"
	no_plaintext "$T/d0"
	# a failed dump stays dump.1.incomplete, sealed and readable up to the cut
	expect_rc 1 zfd_raw -c "$T/ext.conf" -s "file:$T/short.img"
	[ "$(fs_ls "$fs" | tr '\n' ' ')" = "dump.0 dump.0.info dump.1.incomplete dump.1.info " ] ||
		fail "names after a failed dump: $(fs_ls "$fs")"
	fsck_clean "$fs"
	expect_rc 0 $GET list "$fs"
	expect_out "^0 +dump.0 +16.0 +20[0-9T:-]+Z +complete +sealed to key $FP$"
	expect_out "^1 +dump.1.incomplete +16.0 .* incomplete +sealed to key $FP$"
	expect_rc 1 $GET verify --key "$T/k.key" "$fs:dump.1.incomplete"
	expect_err "incomplete: sealed data ends before chunk"
	expect_rc 0 $GET copy --key "$T/k.key" "$fs:dump.1.incomplete" "$T/inc"
	n=$(stat -c %s "$T/inc")
	[ $n -ge $((GOOD + 4096 - 65536)) ] || fail "only $n bytes decrypted"
	cmp -n $n "$T/inc" "$IMG" || fail "incomplete sealed dump decrypts to other bytes"
done
note "tape (simulated drive, saved as AWSTAPE): end record and manifest file kept"
FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
$FEED dump --sim --aws "$T/plain.aws" "$IMG" >/dev/null 2>&1 || fail "plain tape dump"
expect_rc 0 $GET copy "$T/plain.aws" "$T/ref"
expect_rc 0 $GET copy -f elf "$T/plain.aws" "$T/ref.elf"
expect_rc 0 $FEED dump --sim --encrypt "$T/k.pub" --aws "$T/tape.aws" "$IMG"
expect_err "sealed to key $FP"
check_sealed "$T/tape.aws"
expect_rc 0 $GET info "$T/tape.aws"
expect_out '^Header state: +not recorded \(stream\)$'
expect_out '^Manifest: +tape file 2 \(manifest\)$'
no_plaintext "$T/tape.aws"
# the record before the filemark is the 16-byte end record
python3 - "$T/tape.aws" <<'PY' || fail "tape layout"
import struct, sys
d = open(sys.argv[1], 'rb').read()
recs, pos = [], 0
while pos < len(d):
    n, prev, fl, _ = struct.unpack_from('<HHBB', d, pos); pos += 6
    recs.append(None if fl & 0x40 else d[pos:pos + n]); pos += 0 if fl & 0x40 else n
fm = recs.index(None)
assert recs[0][:8] == b'ZFDSEAL1' and len(recs[0]) == 4096, 'record 1'
assert len(recs[fm - 1]) == 16 and recs[fm - 1][:8] == b'DUMP_END', 'end record'
assert recs[fm + 1].startswith(b'zfcpdump-info 1\n') and recs[fm + 2] is None, 'manifest file'
PY
note "tape full: incomplete, the sealed part decrypts"
expect_rc 1 $FEED dump --sim --sim-capacity 6M --encrypt "$T/k.pub" --aws "$T/full.aws" "$IMG"
expect_err "tape full after"
# the manifest counts and hashes the envelope bytes on tape, not the ones
# the sink had taken but not yet written when the tape ran full
expect_rc 1 $GET verify "$T/full.aws"
expect_err "full.aws: incomplete; digest of the [0-9]+ sealed bytes ok$"
expect_rc 1 $GET verify --key "$T/k.key" "$T/full.aws"
expect_err "incomplete: sealed data ends"
expect_rc 0 $GET copy --key "$T/k.key" "$T/full.aws" "$T/inc"
n=$(stat -c %s "$T/inc")
[ $n -ge $(( (5 << 20) )) ] || fail "only $n bytes decrypted from the full tape"
cmp -n $n "$T/inc" "$IMG" || fail "full tape decrypts to other bytes"

exit 0
