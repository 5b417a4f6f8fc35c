#!/bin/bash
# End-to-end test of a sealed dump on a real SCSI tape stack
# (doc/sealing.md): tgtd serves a tgtimg cartridge over iSCSI on 127.0.0.1,
# a QEMU (TCG) guest attaches it as a scsi-generic device, Debian's kernel
# drives it with sg and st. In the guest:
#   - the daemon, zfcpdump, with encrypt = { recipient = "k.pub"; }, dumps
#     a 32 MiB s390 image from a virtio disk through sg (device = auto);
#   - zfcpdump-get reads the tape through st (/dev/nstN): info and verify
#     without the key, verify --key, copy --key (written to a second disk),
#     and a wrong key;
#   - dd copies file 1 (the envelope records) onto a third disk and prints
#     file 2 (the manifest);
#   - a second, 16 MB cartridge is too small: "tape full", exit 1; through
#     st, verify --key says incomplete and copy --key decrypts the chunks
#     before the cut, equal to the image's first bytes.
# The host checks exit codes and messages, the record structure from tgt's
# backing file, that no memory bytes are readable on the tape, the guest's
# decrypted copy against the image, and runs zfcpdump-get verify --key and
# copy --key itself on the tape's records (the dd image with its manifest),
# byte-exact against the image. The secret key is in the guest only for
# the read-back steps, which stand for the analysis host.
#
# Usage: tests/e2e/tape-sealed.sh [BUILDDIR]  (default: build/ next to the
# sources). Run by tests/e2e/run (e2e stage); needs scripts/install-deps test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-${ZFD_BUILD:-$src/build}}" && pwd)
. "$here/tgt.sh"

BINS=("$build/zfcpdump" "$build/sinks/tape.so" "$build/zfcpdump-get")
GET=$build/zfcpdump-get
MEM=32M
MEM_BYTES=$((32 << 20))
STREAM=$((4096 + MEM_BYTES + 16))	# the s390 stream: header, memory, end
TIMEOUT=${ZFD_E2E_TIMEOUT:-300}

tape_begin zfd-tape-sealed
tape_need "${BINS[@]}" "$MKIMAGE" "$KERNEL" /bin/busybox /usr/sbin/tgtd

# ---- keys: made on the "analysis host" --------------------------------
"$GET" keygen -o "$W/k" >"$W/keygen.out" || fail "keygen failed"
"$GET" keygen -o "$W/other" >/dev/null || fail "keygen (other) failed"
FP=$(sed -n 's/^key //p' "$W/keygen.out")
[[ $FP =~ ^[0-9a-f]{32}$ ]] || fail "keygen printed no fingerprint"

# ---- the guest's initramfs ---------------------------------------------
R=$W/root
mkdir -p "$R"/{bin,dev,proc,sys,lib/modules,tmp,lib64,etc,keys}
cp /bin/busybox "$R/bin/busybox"
tape_root_daemon "$R"
cp "$W/k.pub" "$W/k.key" "$W/other.key" "$R/keys/"
cat >"$R/etc/zfcpdump.conf" <<'EOF'
encrypt = { recipient = "/keys/k.pub"; };
EOF
tape_root_finish "$R" "${BINS[@]}"

# wait for the sg and st nodes of the two tapes and three disks
{ tape_init_head '/dev/sg0 /dev/sg1 /dev/nst0 /dev/nst1 /dev/vda /dev/vdb /dev/vdc' 7 \
	tmpfs:/tmp; cat <<'INIT'; } >"$R/init"
run dump zfcpdump --plugin-dir /lib/zfcpdump/sinks --cmdline none \
	-c /etc/zfcpdump.conf -s file:/dev/vda -o tape:device=$(sg_of 0)
run small zfcpdump --plugin-dir /lib/zfcpdump/sinks --cmdline none \
	-c /etc/zfcpdump.conf -s file:/dev/vda -o tape:device=$(sg_of 1)
# zfcpdump-get through st, each step from the beginning of the tape
T=$(nst_of 0)
S=$(nst_of 1)
echo "tapes: big $T small $S"
mt -f $T rewind
run info zfcpdump-get info $T
mt -f $T rewind
run verify zfcpdump-get verify $T
mt -f $T rewind
run verify-key zfcpdump-get verify --key /keys/k.key $T
mt -f $T rewind
run verify-other zfcpdump-get verify --key /keys/other.key $T
mt -f $T rewind
run copy-key zfcpdump-get copy --key /keys/k.key $T /tmp/plain
run copy-out dd if=/tmp/plain of=/dev/vdb bs=1M
rm -f /tmp/plain
# the tape's records for the host: file 1 onto a disk, file 2 printed
mt -f $T rewind; mt -f $T setblk 0
run records dd if=$T of=/dev/vdc bs=65536
run manifest dd if=$T bs=65536
mt -f $T rewind
# the full tape: incomplete; the chunks before the cut decrypt
mt -f $S rewind
run small-verify zfcpdump-get verify --key /keys/k.key $S
mt -f $S rewind
run small-copy zfcpdump-get copy --key /keys/k.key $S /tmp/inc
n=$(stat -c %s /tmp/inc)
run small-cmp sh -c "head -c $n /dev/vda | cmp - /tmp/inc && echo prefix of $n bytes equal"
mt -f $S rewind
INIT
tape_initrd "$R"

# ---- image, disks, tape ------------------------------------------------
"$MKIMAGE" -o "$W/image" -s "$MEM" --seed 11 || fail "zfd-mkimage failed"
truncate -s 40M "$W/plain.img" "$W/records.img"
tgt_new_tape "$W/sealed.tape" 100 || fail "tgtimg failed"
tgt_new_tape "$W/small.tape" 16 || fail "tgtimg failed"
tape_tgt_start
tgt_add_tape 1 "$IQN:sealed" "$W/sealed.tape" || fail "tgtadm (sealed)"
tgt_add_tape 2 "$IQN:small" "$W/small.tape" || fail "tgtadm (small)"

tape_boot "$TIMEOUT" \
	-drive "file=$W/image,format=raw,if=virtio,readonly=on" \
	-drive "file=$W/plain.img,format=raw,if=virtio" \
	-drive "file=$W/records.img,format=raw,if=virtio" \
	-device virtio-scsi-pci,id=scsi0 \
	$(tape_dev 1 0 sealed) $(tape_dev 2 1 small)

expect_rc() {	# step rc
	[ "$(rc_of "$1")" = "$2" ] ||
		{ section "$1" >&2; fail "$1: exit $(rc_of "$1"), expected $2"; }
}
mf() {	# key: from the manifest printed by the guest
	section manifest | sed -n "s/^$1: //p" | head -n 1
}

# ---- the dump ----------------------------------------------------------
expect_rc dump 0
expect_in dump "sealed to key $FP \(/keys/k.pub\)"
expect_in dump 'dump complete'
[ "$(mf status)" = complete ] || { section manifest >&2; fail "manifest: status not complete"; }
[ "$(mf encrypted)" = x25519-sealed ] || fail "manifest: encrypted"
[ "$(mf key)" = "$FP" ] || fail "manifest: key $(mf key), expected $FP"
SEALED=$(mf sealed_bytes)
CHUNK=$(mf sealed_chunk)
[ -n "$SEALED" ] && [ -n "$CHUNK" ] || fail "manifest: no sealed_bytes/sealed_chunk"
# the envelope of the s390 stream: full chunks + the final one, 17 bytes each
want=$(( STREAM / CHUNK * (CHUNK + 17) + STREAM % CHUNK + 17 ))
[ "$SEALED" = "$want" ] || fail "manifest: sealed_bytes $SEALED, expected $want for a $STREAM-byte stream"
note "dump complete, manifest: x25519-sealed, key $FP, $SEALED sealed bytes"

# tape records from tgt's backing file: "data SIZE" / "filemark" lines
records "$W/sealed.tape" >"$W/rec"
python3 - "$W/rec" "$SEALED" <<'PY' || fail "sealed tape: record structure (see $W/rec)"
import sys
recs = open(sys.argv[1]).read().split("\n")[:-1]
sealed = int(sys.argv[2])
fm = recs.index("filemark")
f1, rest = recs[:fm], recs[fm + 1:]
sizes = [int(r.split()[1]) for r in f1]
assert sizes[0] == 4096, "record 1 is not the 4096-byte envelope header"
assert sizes[-1] == 16, "file 1 does not end with the 16-byte end-marker record"
body = sizes[1:-1]
assert all(s == 32768 for s in body[:-1]), "envelope records are not 32768 bytes"
assert sealed <= sum(body) < sealed + 4096, "envelope records hold %d bytes for %d sealed" % (sum(body), sealed)
assert len(rest) == 2 and rest[0].startswith("data ") and rest[1] == "filemark", \
    "file 2 is not one manifest record and a filemark"
print("# file 1: 1 x 4096, %d envelope records (%d bytes), 1 x 16, filemark; file 2: manifest" % (len(body), sum(body)))
PY

# nothing of the memory is readable on the tape
python3 - "$W/image" "$W/sealed.tape" <<'PY' || fail "memory bytes readable on the sealed tape"
import sys
img = open(sys.argv[1], 'rb').read()
tape = open(sys.argv[2], 'rb').read()
mem = img[4096:]
for off in range(0, len(mem) - 64, len(mem) // 97):
    piece = mem[off:off + 64]
    if piece.count(piece[:1]) == len(piece):
        continue	# a run of one byte value proves nothing
    assert piece not in tape, "memory at offset %d found on the tape" % off
PY
note "no memory bytes readable on the tape"

# ---- zfcpdump-get through st in the guest ------------------------------
expect_rc info 0
expect_in info '^Encrypted: +x25519-sealed$'
expect_in info "^Key: +$FP$"
expect_in info '^Stored: +tape \(envelope in records\)$'
expect_in info '^Manifest: +tape file 2 \(manifest\)$'
expect_rc verify 0
NST=$(sed -n 's/^tapes: big \([^ ]*\) small .*/\1/p' "$C.txt")
[ -n "$NST" ] || fail "the guest named no st device"
expect_in verify "^$NST: complete, sealed to key $FP, $SEALED sealed bytes, digest ok \(xxh3-128:[0-9a-f]{32}\)$"
NCH=$(( STREAM / CHUNK + 1 ))
expect_rc verify-key 0
expect_in verify-key "^$NST: complete, sealed to key $FP, $SEALED sealed bytes, digest ok \(xxh3-128:[0-9a-f]{32}\), $NCH chunks authenticated$"
expect_rc verify-other 1
expect_in verify-other "^zfcpdump-get: $NST: sealed to key $FP, not this one$"
expect_rc copy-key 0
expect_rc copy-out 0
cmp -n $((4096 + MEM_BYTES)) "$W/image" "$W/plain.img" ||
	fail "copy --key through st: the decrypted dump differs from the image"
dd if="$W/plain.img" bs=1 skip=$((4096 + MEM_BYTES)) count=8 2>/dev/null | grep -q DUMP_END ||
	fail "copy --key through st: no end marker after the memory"
note "through st: info, verify, verify --key ($NCH chunks), wrong key refused, copy --key byte-exact"

# ---- on the host: the tape's records (dd image) with its manifest -------
expect_rc records 0
# busybox dd prints no byte count: file 1's size from tgt's records
bytes=$(awk '/^filemark/ { exit } { s += $2 } END { print s }' "$W/rec")
expect_in records "^0\+$(awk '/^filemark/ { exit } { n++ } END { print n }' "$W/rec") records in"
head -c "$bytes" "$W/records.img" >"$W/sealed.img"
section manifest | grep -E '^(zfcpdump-info [0-9]+|[a-z0-9_]+: .*)$' >"$W/sealed.img.info"
"$GET" verify --key "$W/k.key" "$W/sealed.img" >"$W/hv.out" 2>&1 ||
	{ cat "$W/hv.out" >&2; fail "host: zfcpdump-get verify --key of the tape's records failed"; }
grep -Eq "complete, sealed to key $FP, $SEALED sealed bytes, digest ok .*, $NCH chunks authenticated$" "$W/hv.out" ||
	{ cat "$W/hv.out" >&2; fail "host: verify --key output"; }
"$GET" copy --key "$W/k.key" "$W/sealed.img" "$W/host.plain" >"$W/hc.out" 2>&1 ||
	{ cat "$W/hc.out" >&2; fail "host: zfcpdump-get copy --key failed"; }
[ "$(stat -c %s "$W/host.plain")" = $STREAM ] || fail "host: decrypted copy has $(stat -c %s "$W/host.plain") bytes, expected $STREAM"
cmp -n $((4096 + MEM_BYTES)) "$W/image" "$W/host.plain" ||
	fail "host: copy --key differs from the image"
cmp -n $STREAM "$W/host.plain" "$W/plain.img" ||
	fail "host: copy --key differs from the guest's copy through st"
note "host: verify --key and copy --key of the tape's records, byte-exact"

# ---- the full tape -----------------------------------------------------
expect_rc small 1
expect_in small 'tape full after [0-9]+ bytes'
expect_rc small-verify 1
expect_in small-verify ': incomplete: sealed data ends (inside|before) chunk [0-9]+ at offset [0-9]+.*; [0-9]+ plaintext bytes in [0-9]+ chunks authenticated$'
expect_rc small-copy 0
expect_in small-copy 'incomplete: sealed data ends .*; the [0-9]+ bytes before it decrypted'
expect_rc small-cmp 0
n=$(section small-cmp | sed -n 's/^prefix of \([0-9]*\) bytes equal$/\1/p')
[ -n "$n" ] && [ "$n" -ge $((12 << 20)) ] ||
	{ section small-cmp >&2; fail "full tape: only ${n:-0} bytes decrypted (a 16 MB cartridge)"; }
note "full tape: tape full, exit 1; through st verify --key incomplete, copy --key gives the first $n bytes, equal to the image"

failed=0; [ -n "${ZFD_KEEP:-}" ] && failed=1
echo "PASS: tape-sealed e2e"
