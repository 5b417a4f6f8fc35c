#!/bin/bash
# End-to-end test of the tape sink on a real SCSI tape stack: tgtd serves
# four tgtimg cartridges over iSCSI on 127.0.0.1; a QEMU (TCG) guest
# attaches them as scsi-generic devices on virtio-scsi; Debian's kernel
# drives them with its sg and st drivers. The guest dumps a 64 MiB s390
# image from a virtio disk:
#   big tape (scsi-id 0):  device = "auto"; then read back through st
#                          (/dev/nstN, dd) onto a second virtio disk
#   small tape (id 1):     16 MB, too small: "tape full after N bytes", exit 1
#   write-protected (id 2): refused, nothing written
#   no cartridge (id 3):   "no tape loaded", nothing written
#   elf tape (id 4):       an x86_64 ELF core from a third disk with
#                          format = "elf" (sink ABI 2); read back through
#                          st onto a fourth disk
# The host checks exit codes, messages, the record structure of each tape
# from tgt's backing files (tgtimg --op=show), the manifests, and the
# read-back bytes against the image (the elf dump: records and ELF core
# page by page, tests/integration/tape_elf_check.py).
#
# Usage: tests/e2e/tape.sh [BUILDDIR]   (default: build/ next to the sources)
# Standalone (not in "make check"); needs scripts/install-deps test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-${ZFD_BUILD:-$src/build}}" && pwd)
. "$here/tgt.sh"

# The guest runs the daemon, zfcpdump, with the tape plugin. With
# ZFD_E2E_DUMPER=feed it runs tests/unit/test_tape_feed instead (the sink
# linked in, driven through the same calls), to tell sink from daemon.
DUMPER=${ZFD_E2E_DUMPER:-zfcpdump}
case $DUMPER in
zfcpdump) BINS=("$build/zfcpdump" "$build/sinks/tape.so" "$build/zfcpdump-get") ;;
feed) BINS=("$build/tests/unit/test_tape_feed") ;;
*) echo "ZFD_E2E_DUMPER must be zfcpdump or feed" >&2; exit 2 ;;
esac
MEM=64M
MEM_BYTES=$((64 << 20))
ELF_MEM=32M
TIMEOUT=${ZFD_E2E_TIMEOUT:-200}

tape_begin zfd-tape-e2e
tape_need "${BINS[@]}" "$MKIMAGE" "$KERNEL" /bin/busybox /usr/bin/xxhsum /usr/sbin/tgtd \
	"$src/tests/integration/tape_elf_check.py"

# ---- the guest's initramfs ---------------------------------------------
R=$W/root
mkdir -p "$R"/{bin,dev,proc,sys,lib/modules,tmp,lib64}
cp /bin/busybox "$R/bin/busybox"
if [ "$DUMPER" = zfcpdump ]; then
	tape_root_daemon "$R"
	cat >"$R/bin/zfd-dump" <<'SH'
#!/bin/sh
# zfd-dump SINKOPTS SOURCE
exec zfcpdump --plugin-dir /lib/zfcpdump/sinks --cmdline none -s "file:$2" -o "tape:$1"
SH
else
	cp "$build/tests/unit/test_tape_feed" "$R/bin/test_tape_feed"
	cat >"$R/bin/zfd-dump" <<'SH'
#!/bin/sh
case "$1" in
*format=elf*) exec test_tape_feed dump --format elf -o "$1" "$2" ;;
esac
exec test_tape_feed dump -o "$1" "$2"
SH
fi
chmod +x "$R/bin/zfd-dump"
tape_root_finish "$R" "${BINS[@]}"

# wait for 5 sg devices, 5 st devices and 4 disks
{ tape_init_head '/dev/sg* /dev/nst[0-9] /dev/vd[a-d]' 14; cat <<'INIT'; } >"$R/init"
run auto zfd-dump device=auto /dev/vda
run wp zfd-dump device=$(sg_of 2),ready_timeout=5 /dev/vda
run small zfd-dump device=$(sg_of 1) /dev/vda

# read back: file 1 onto the second disk, file 2 (manifest) to the console
big=$(nst_of 0); small=$(nst_of 1)
echo "tapes: big $big small $small"
mt -f $big rewind; mt -f $big setblk 0
run readback dd if=$big of=/dev/vdb bs=32768
run manifest-auto dd if=$big bs=32768
mt -f $big rewind
mt -f $small rewind; mt -f $small setblk 0
run readback-small dd if=$small of=/dev/null bs=32768
run manifest-small dd if=$small bs=32768
mt -f $small rewind
# zfcpdump-get reads the tapes through st (/dev/nstN, MTIO)
if [ -x /bin/zfcpdump-get ]; then
	run get-verify zfcpdump-get verify $big
	mt -f $big rewind
	run get-info zfcpdump-get info $big
	mt -f $big rewind
	run get-verify-small zfcpdump-get verify $small
	mt -f $small rewind
fi
run nomedium zfd-dump device=$(sg_of 3),ready_timeout=3 /dev/vda
# the elf format: an ELF core from the third disk, read back onto the fourth
run elf zfd-dump device=$(sg_of 4),format=elf /dev/vdc
elft=$(nst_of 4)
mt -f $elft rewind; mt -f $elft setblk 0
run readback-elf dd if=$elft of=/dev/vdd bs=32768
run manifest-elf dd if=$elft bs=32768
mt -f $elft rewind
INIT
tape_initrd "$R"

# ---- image, disks, tapes -----------------------------------------------
"$MKIMAGE" -o "$W/image" -s "$MEM" --seed 7 || fail "zfd-mkimage failed"
truncate -s 80M "$W/out.img"
"$MKIMAGE" -o "$W/core" -s "$ELF_MEM" --seed 5 --arch x86_64 --format elf \
	--cpus 4 --hole 2M:1M --hole 20M:3M || fail "zfd-mkimage (elf) failed"
truncate -s 48M "$W/out-elf.img"
tgt_new_tape "$W/big.tape" 100 || fail "tgtimg failed"
tgt_new_tape "$W/small.tape" 16 || fail "tgtimg failed"
tgt_new_tape "$W/wp.tape" 100 || fail "tgtimg failed"
tgt_new_tape "$W/empty.tape" 16 || fail "tgtimg failed"
tgt_new_tape "$W/elf.tape" 100 || fail "tgtimg failed"
cp "$W/wp.tape" "$W/wp.tape.orig"
cp "$W/empty.tape" "$W/empty.tape.orig"

tape_tgt_start
tgt_add_tape 1 "$IQN:big" "$W/big.tape" || fail "tgtadm (big)"
tgt_add_tape 2 "$IQN:small" "$W/small.tape" || fail "tgtadm (small)"
tgt_add_tape 3 "$IQN:wp" "$W/wp.tape" readonly=1 || fail "tgtadm (wp)"
tgt_add_tape 4 "$IQN:empty" "$W/empty.tape" online=0 || fail "tgtadm (empty)"
tgt_add_tape 5 "$IQN:elf" "$W/elf.tape" || fail "tgtadm (elf)"

tape_boot "$TIMEOUT" \
	-drive "file=$W/image,format=raw,if=virtio,readonly=on" \
	-drive "file=$W/out.img,format=raw,if=virtio" \
	-drive "file=$W/core,format=raw,if=virtio,readonly=on" \
	-drive "file=$W/out-elf.img,format=raw,if=virtio" \
	-device virtio-scsi-pci,id=scsi0 \
	$(tape_dev 1 0 big) $(tape_dev 2 1 small) $(tape_dev 3 2 wp) \
	$(tape_dev 4 3 empty) $(tape_dev 5 4 elf)

# the manifest printed in step NAME: mf NAME KEY
mf() {
	section "$1" | sed -n "s/^$2: //p" | head -n 1
}

# ---- device = auto, complete dump --------------------------------------
[ "$(rc_of auto)" = 0 ] || { section auto >&2; fail "auto: exit $(rc_of auto), expected 0"; }
records "$W/big.tape" >"$W/big.rec"
nrec=$((MEM_BYTES / 32768))
{
	echo "data 4096"
	for _ in $(seq "$nrec"); do echo "data 32768"; done
	echo "data 16"
	echo filemark
} >"$W/big.want"
head -n $((nrec + 3)) "$W/big.rec" | cmp -s - "$W/big.want" ||
	{ diff "$W/big.want" "$W/big.rec" | head >&2; fail "big tape: file 1 is not 1 x 4096, $nrec x 32768, 1 x 16, filemark"; }
[ "$(wc -l <"$W/big.rec")" = $((nrec + 5)) ] && \
	sed -n "$((nrec + 4))p" "$W/big.rec" | grep -q '^data [0-9]' && \
	[ "$(tail -n 1 "$W/big.rec")" = filemark ] ||
	{ tail -n 4 "$W/big.rec" >&2; fail "big tape: file 2 is not one manifest record and a filemark"; }
note "big tape: 1 x 4096, $nrec x 32768, 1 x 16, filemark, manifest, filemark"

# read back through st: the s390 stream, byte-exact
expect_in readback "^$nrec\+2 records in"
cmp -n $((4096 + MEM_BYTES)) "$W/image" "$W/out.img" ||
	fail "read-back data differ from the image"
dd if="$W/out.img" bs=1 skip=$((4096 + MEM_BYTES)) count=8 2>/dev/null | grep -q DUMP_END ||
	fail "read-back: no end marker after the memory"
[ "$(mf manifest-auto status)" = complete ] || { section manifest-auto >&2; fail "manifest: status not complete"; }
[ "$(mf manifest-auto dumped_bytes)" = $MEM_BYTES ] || fail "manifest: dumped_bytes"
[ "$(mf manifest-auto mem_size)" = $MEM_BYTES ] || fail "manifest: mem_size"
mf manifest-auto sink | grep -q '^tape:/dev/sg' || fail "manifest: sink"
want=$(head -c $((4096 + MEM_BYTES + 16)) "$W/out.img" | xxhsum -H2 | cut -d' ' -f1)
[ "$(mf manifest-auto digest)" = "xxh3-128:$want" ] ||
	fail "manifest digest $(mf manifest-auto digest) != xxh3-128:$want of the read-back stream"
note "digest of the read-back stream matches the manifest"
note "read back through st: byte-exact, end marker, manifest complete"

# ---- zfcpdump-get on the tapes, in the guest through st ----------------
if [ "$DUMPER" = zfcpdump ]; then
	[ "$(rc_of get-verify)" = 0 ] || { section get-verify >&2; fail "zfcpdump-get verify (big tape): exit $(rc_of get-verify)"; }
	expect_in get-verify "complete, $MEM_BYTES memory bytes, digest ok \\(xxh3-128:$want\\)"
	[ "$(rc_of get-info)" = 0 ] || { section get-info >&2; fail "zfcpdump-get info: exit $(rc_of get-info)"; }
	expect_in get-info '^Status: +complete$'
	expect_in get-info '^Input: +tape$'
	[ "$(rc_of get-verify-small)" = 1 ] || { section get-verify-small >&2; fail "zfcpdump-get verify (small): exit $(rc_of get-verify-small)"; }
	expect_in get-verify-small 'incomplete: [0-9]+ of [0-9]+ memory bytes dumped \(tape full after'
	note "zfcpdump-get through st: big tape verified, small tape incomplete"
fi

# ---- write-protected ---------------------------------------------------
[ "$(rc_of wp)" = 1 ] || { section wp >&2; fail "wp: exit $(rc_of wp), expected 1"; }
expect_in wp 'tape is write-protected; nothing written'
cmp -s "$W/wp.tape" "$W/wp.tape.orig" || fail "write-protected tape was changed"
note "write-protected tape: refused, unchanged"

# ---- no cartridge (tgt: online=0) --------------------------------------
[ "$(rc_of nomedium)" = 1 ] || { section nomedium >&2; fail "nomedium: exit $(rc_of nomedium), expected 1"; }
expect_in nomedium 'no tape loaded \(Not Ready: Medium not present \(ASC/ASCQ 3a/00\)\); nothing written'
cmp -s "$W/empty.tape" "$W/empty.tape.orig" || fail "offline tape was changed"
note "drive without cartridge: no tape loaded (Medium not present), nothing written"

# ---- tape too small ----------------------------------------------------
[ "$(rc_of small)" = 1 ] || { section small >&2; fail "small: exit $(rc_of small), expected 1"; }
expect_in small 'tape full after [0-9]+ bytes'
full=$(section small | grep -oE 'tape full after [0-9]+ bytes' | head -n 1 | grep -oE '[0-9]+')
records "$W/small.tape" >"$W/small.rec"
k=$(awk '/^filemark/ { exit } NR > 1' "$W/small.rec" | grep -c '^data 32768$')
[ "$(head -n 1 "$W/small.rec")" = "data 4096" ] || fail "small tape: first record is not the header"
[ "$full" = $((k * 32768)) ] || fail "small tape: 'tape full after $full bytes' but $k memory records on tape"
[ "$(sed -n "$((k + 2))p" "$W/small.rec")" = filemark ] ||
	{ sed -n "$((k)),$((k + 4))p" "$W/small.rec" >&2; fail "small tape: no filemark right after the memory (or an end marker)"; }
expect_in readback-small "^$k\+1 records in"
[ "$(mf manifest-small status)" = incomplete ] || { section manifest-small >&2; fail "small tape: manifest status not incomplete"; }
mf manifest-small reason | grep -q "tape full after $full bytes" || fail "small tape: manifest reason"
note "small tape: tape full after $full bytes ($k records), exit 1, manifest incomplete"

# ---- format elf ----------------------------------------------------------
[ "$(rc_of elf)" = 0 ] || { section elf >&2; fail "elf: exit $(rc_of elf), expected 0"; }
records "$W/elf.tape" >"$W/elf.rec"
awk '/^filemark/ { exit } { print $2 }' "$W/elf.rec" >"$W/elf.len"
n=$(wc -l <"$W/elf.len")
[ "$(sed -n "$((n + 1))p" "$W/elf.rec")" = filemark ] &&
	sed -n "$((n + 2))p" "$W/elf.rec" | grep -q '^data [0-9]' &&
	[ "$(sed -n "$((n + 3))p" "$W/elf.rec")" = filemark ] &&
	[ "$(wc -l <"$W/elf.rec")" = $((n + 3)) ] ||
	{ tail -n 4 "$W/elf.rec" >&2; fail "elf tape: not dump file, filemark, manifest, filemark"; }
expect_in readback-elf "^[0-9]+\+[0-9]+ records in"
section manifest-elf >"$W/elf.manifest"
head -c "$(awk '{ s += $1 } END { print s }' "$W/elf.len")" "$W/out-elf.img" >"$W/elf.stream"
python3 "$src/tests/integration/tape_elf_check.py" "$W/core" 32768 \
	--stream "$W/elf.stream" --lengths "$W/elf.len" \
	--manifest "$W/elf.manifest" || fail "elf tape: records or ELF core"
want=$(xxhsum -H2 <"$W/elf.stream" | cut -d' ' -f1)
[ "$(mf manifest-elf digest)" = "xxh3-128:$want" ] ||
	fail "elf manifest digest $(mf manifest-elf digest) != xxh3-128:$want of the read-back stream"
note "elf tape: prologue and data records, no trailer, manifest; the read-back ELF core equals the source page by page"

failed=0; [ -n "${ZFD_KEEP:-}" ] && failed=1
echo "PASS: tape e2e"
