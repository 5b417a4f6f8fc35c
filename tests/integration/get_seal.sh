#!/bin/bash
# Sealed dumps through zfcpdump-get (doc/sealing.md): keygen, info and
# verify without the secret key, verify --key, copy --key into s390 and
# ELF, a wrong key, a tampered chunk, a truncated dump, the raw layout.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"
SEAL="$TEST_WRAPPER $ZFD_BUILD/tests/integration/seal-mkdump"
CS=65536
CHUNK=$((CS + 17))

make_image
note "keygen"
expect_rc 0 $GET keygen -o "$T/k"
[ "$(stat -c %a "$T/k.key")" = 600 ] || fail "secret key mode $(stat -c %a "$T/k.key")"
[ "$(head -n1 "$T/k.pub")" = "zfcpdump-seal-public 1" ] || fail "public key file"
[ "$(wc -l <"$T/k.key")" = 3 ] || fail "secret key file"
FP=$(sed -n 's/^key //p' "$T/.stdout")
[[ $FP =~ ^[0-9a-f]{32}$ ]] || fail "keygen printed no fingerprint"
cp "$T/k.key" "$T/k.key.orig"
expect_rc 1 $GET keygen -o "$T/k"
expect_err "^zfcpdump-get: $T/k.pub: exists, not overwritten$"
cmp "$T/k.key" "$T/k.key.orig" || fail "keygen overwrote a secret key"
expect_rc 2 $GET keygen
expect_rc 0 $GET keygen -o "$T/other"

note "sealed file: info and verify without the key"
s=$T/sealed
$SEAL -k "$T/k.pub" -i "$T/expect" -o "$s" || fail "seal-mkdump"
# the plaintext does not show through
! grep -q DUMP_END "$s" || fail "end marker readable in the sealed dump"
expect_rc 0 $GET info "$s"
expect_out '^Encrypted: +x25519-sealed$'
expect_out "^Key: +$FP$"
expect_out "^Chunk size: +$CS bytes$"
expect_out '^Header state: +final chunk written$'
expect_out "^  key +$FP$"
expect_rc 0 $GET info --json "$s"
cp "$T/.stdout" "$T/info.json"; json_ok "$T/info.json"
[ "$(json_get "$T/info.json" 'd["key"]')" = "$FP" ] || fail "json key"
[ "$(json_get "$T/info.json" 'd["manifest"]["encrypted"]')" = x25519-sealed ] || fail "json manifest"
expect_rc 0 $GET verify "$s"
expect_out "^$s: complete, sealed to key $FP, [0-9]+ sealed bytes, digest ok \(xxh3-128:[0-9a-f]{32}\)$"
NCH=$(( ($(stat -c %s "$T/expect") + CS - 1) / CS ))
expect_rc 0 $GET verify --key "$T/k.key" "$s"
expect_out "digest ok \(xxh3-128:[0-9a-f]{32}\), $NCH chunks authenticated$"

note "copy --key: s390 and ELF"
expect_rc 0 $GET copy --key "$T/k.key" "$s" "$T/plain"
cmp "$T/plain" "$T/expect" || fail "decrypted copy differs from the s390 stream"
# the sealed dump's manifest covers the ciphertext: none beside the copy
[ ! -e "$T/plain.info" ] || fail "manifest beside the decrypted copy"
expect_rc 0 $GET copy --key "$T/k.key" -f elf "$s" "$T/plain.elf"
expect_rc 0 $GET copy "$T/expect" -f elf "$T/ref.elf"
cmp "$T/plain.elf" "$T/ref.elf" || fail "ELF from the sealed dump differs"
ls "$T"/*.zfcpdump-get.* 2>/dev/null && fail "temporary file left behind"

note "envelope version 1 (one lane, written before lanes) and 5 lanes: both read"
for l in 0:1:1 5:5:2; do
	IFS=: read -r arg lanes ver <<<"$l"
	v=$T/v$arg
	$SEAL -k "$T/k.pub" -i "$T/expect" -o "$v" --lanes "$arg" || fail "seal-mkdump --lanes $arg"
	expect_rc 0 $GET info "$v"
	expect_out "^Lanes: +$lanes \(envelope version $ver\)$"
	expect_rc 0 $GET info --json "$v"
	cp "$T/.stdout" "$T/v.json"; json_ok "$T/v.json"
	[ "$(json_get "$T/v.json" 'd["lanes"]')" = "$lanes" ] || fail "json lanes $lanes"
	expect_rc 0 $GET verify "$v"
	expect_out "complete, sealed to key $FP, [0-9]+ sealed bytes, digest ok"
	expect_rc 0 $GET verify --key "$T/k.key" "$v"
	expect_out "digest ok \(xxh3-128:[0-9a-f]{32}\), $NCH chunks authenticated$"
	rm -f "$T/vplain"
	expect_rc 0 $GET copy --key "$T/k.key" "$v" "$T/vplain"
	cmp "$T/vplain" "$T/expect" || fail "decrypted copy of $lanes lanes differs"
done
# a damaged lane header (lane 3's, in the table at 0x100): lanes 0-2's
# first chunks decrypt, chunk 3 fails; without the key the digest fails
cp "$T/v5" "$T/lane3"; cp "$T/v5.info" "$T/lane3.info"
printf '\xff' | dd of="$T/lane3" bs=1 seek=$((0x100 + 2 * 24 + 3)) conv=notrunc status=none
expect_rc 1 $GET verify "$T/lane3"
expect_err "digest mismatch"
expect_rc 1 $GET verify --key "$T/k.key" "$T/lane3"
expect_err "chunk 3 at offset [0-9]+ fails authentication \(tampered or out of order\); nothing after it is trusted; [0-9]+ plaintext bytes in 3 chunks authenticated$"

note "OUT is the sealed dump itself (also through a link): refused, untouched"
cp "$s" "$T/self"; cp "$s.info" "$T/self.info"; ln "$T/self" "$T/self.link"
expect_rc 1 $GET copy --key "$T/k.key" "$T/self" "$T/self.link"
expect_err "^zfcpdump-get: $T/self.link: is the input itself \(or a link to it\): refusing to overwrite it$"
cmp "$T/self" "$s" || fail "the sealed dump was overwritten"

note "without a key, with the wrong key, with a public key"
expect_rc 1 $GET copy "$s" "$T/x"
expect_err "^zfcpdump-get: $s: sealed dump \(key $FP\): give the secret key with --key FILE$"
expect_rc 1 $GET copy --key "$T/other.key" "$s" "$T/x"
[ "$(cat "$T/.stderr")" = "zfcpdump-get: $s: sealed to key $FP, not this one" ] ||
	fail "wrong key: $(cat "$T/.stderr")"
[ ! -e "$T/x" ] || fail "wrong key left an output"
expect_rc 1 $GET verify --key "$T/other.key" "$s"
expect_err "^zfcpdump-get: $s: sealed to key $FP, not this one$"
expect_rc 1 $GET copy --key "$T/k.pub" "$s" "$T/x"
expect_err "is a public key"
expect_rc 1 $GET verify --key "$T/k.key" "$T/expect"
expect_err "not a sealed dump"

note "tampered chunk: digest without the key, offset with it"
cp "$s" "$T/tamp"; cp "$s.info" "$T/tamp.info"
OFF3=$((4096 + 3 * CHUNK))
flip "$T/tamp" $((OFF3 + 100))
expect_rc 1 $GET verify "$T/tamp"
expect_err "digest mismatch"
expect_rc 1 $GET copy --key "$T/k.key" "$T/tamp" "$T/tcopy"
expect_err "^zfcpdump-get: $T/tamp: chunk 3 at offset $OFF3 fails authentication \(tampered or out of order\); nothing after it is trusted$"
# only the chunks before it came out
[ "$(stat -c %s "$T/tcopy")" -le $((3 * CS)) ] || fail "bytes after the bad chunk were written"
cmp -n $((3 * CS - 4096)) "$T/tcopy" "$T/expect" || fail "chunks before the damage differ"

note "reordered chunks"
cp "$s" "$T/reord"; cp "$s.info" "$T/reord.info"
python3 - "$T/reord" $((4096 + 5 * CHUNK)) $CHUNK <<'PY'
import sys
p, o, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(p, 'r+b') as f:
    f.seek(o); a = f.read(n); b = f.read(n)
    f.seek(o); f.write(b + a)
PY
expect_rc 1 $GET copy --key "$T/k.key" "$T/reord" "$T/rcopy"
expect_err "chunk 5 at offset $((4096 + 5 * CHUNK)) fails authentication"

note "truncated file: the chunks before the cut decrypt"
CUTAT=$((4096 + 20 * CHUNK + 1000))
head -c $CUTAT "$s" >"$T/trunc"; cp "$s.info" "$T/trunc.info"
expect_rc 1 $GET verify "$T/trunc"
expect_err "sealed data ends after"
expect_rc 0 $GET copy --key "$T/k.key" "$T/trunc" "$T/trcopy"
expect_err "incomplete: sealed data ends inside chunk 20 at offset $((4096 + 20 * CHUNK)) \(1000 of $CHUNK bytes\); the $((20 * CS)) bytes before it decrypted"
cmp -n $((20 * CS - 4096)) "$T/trcopy" "$T/expect" || fail "truncated copy differs"
expect_rc 1 $GET verify "$T/trcopy"

note "a dump that stopped (no final chunk): incomplete, readable up to there"
$SEAL -k "$T/k.pub" -i "$T/expect" -o "$T/stop" --cut $((2 << 20)) || fail "seal-mkdump --cut"
expect_rc 0 $GET info "$T/stop"
expect_out '^Header state: +writer stopped before the end$'
expect_rc 1 $GET verify --key "$T/k.key" "$T/stop"
expect_err "^zfcpdump-get: $T/stop: incomplete: sealed data ends before chunk 32 at offset $((4096 + 32 * CHUNK)), no final chunk; $((2 << 20)) plaintext bytes in 32 chunks authenticated$"
expect_rc 0 $GET copy --key "$T/k.key" "$T/stop" "$T/stcopy"
cmp -n $((2 << 20)) "$T/stcopy" "$T/expect" || fail "stopped copy differs"

note "raw partition layout: header last, manifest behind the sealed data"
r=$T/raw
$SEAL -k "$T/k.pub" -i "$T/expect" -o "$r" -l raw --raw-size $((16 << 20)) || fail "seal-mkdump raw"
expect_rc 0 $GET info "$r"
expect_out "^Manifest: +manifest block at offset [0-9]+$"
expect_rc 0 $GET verify --key "$T/k.key" "$r"
expect_rc 0 $GET copy --key "$T/k.key" "$r" "$T/rawcopy"
cmp "$T/rawcopy" "$T/expect" || fail "raw copy differs"

note "a dd copy of a sealed tape's records: stream header, end record behind the envelope"
# the tape sink's file 1: header with state 0 (stream), the envelope, the
# 16-byte end-marker record; its manifest names sealed_bytes
cp "$s" "$T/dd"; cp "$s.info" "$T/dd.info"
for o in 0xc0 0xc4 0xc8 0xcc 0xd0; do put_be32 "$T/dd" $o 0; done
printf 'DUMP_END\0\0\0\0\0\0\0\1' >>"$T/dd"
expect_rc 0 $GET info "$T/dd"
expect_out '^Header state: +not recorded \(stream\)$'
expect_rc 0 $GET verify --key "$T/k.key" "$T/dd"
expect_rc 0 $GET copy --key "$T/k.key" "$T/dd" "$T/ddcopy"
[ ! -s "$T/.stderr" ] || fail "copy --key of the dd copy: $(cat "$T/.stderr")"
cmp "$T/ddcopy" "$T/expect" || fail "dd copy of a tape: decrypted copy differs"
