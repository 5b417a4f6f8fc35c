#!/bin/bash
# extfs sink, format elf under the real daemon (sink ABI 2: the host's elf
# format makes the bytes, the sink stores them):
# - an x86_64 ELF core like /proc/vmcore (kernel text described twice, a
#   hole, VMCOREINFO), dumped as elf (the default for an ELF source, and
#   with format = "elf"): e2fsck -fn clean, readelf reads a core, the notes
#   unchanged, every program header's addresses kept, every physical page
#   equal to the input's, zero pages and the hole not allocated, manifest
#   format elf with arch and kernel;
# - an s390 image with a hole, format elf: byte-identical to what the
#   extfs sink of sink ABI 1 wrote (its own s390x ELF writer), sparse and
#   not sparse, from the file source and from zcore;
# - encrypt with an ELF source (default elf): sealed, it decrypts to the
#   ELF dump.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"

# check_core CORE DUMP: DUMP is an ELF core with CORE's notes, program
# header addresses and memory (every physical page of every PT_LOAD).
check_core() {
	readelf -hW "$2" >"$T/eh" || fail "readelf -h $2"
	grep -q "CORE (Core file)" "$T/eh" && grep -q "X86-64" "$T/eh" ||
		{ cat "$T/eh" >&2; fail "$2: not an x86_64 core"; }
	same_elf_core "$1" "$2"
}

# stored_want CORE DUMP: bytes DUMP must allocate at least when zero pages
# are holes: its prologue (up to its first PT_LOAD data) and CORE's non-zero
# pages, each physical page once.
stored_want() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
def phdrs(d):
    phoff, = struct.unpack_from('<Q', d, 32)
    n, = struct.unpack_from('<H', d, 56)
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
        if t == 1:
            yield off, pa, fs
d = open(sys.argv[1], 'rb').read()
seen, z = set(), bytes(4096)
for off, pa, fs in phdrs(d):
    for a in range(0, fs, 4096):
        if pa + a not in seen and d[off + a: off + a + 4096] != z:
            seen.add(pa + a)
prologue = min(off for off, pa, fs in phdrs(open(sys.argv[2], 'rb').read()))
print(len(seen) * 4096 + prologue)
PY
}

$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--hole 40M:4M --kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage x86_64"

for t in ext3 ext4; do
	note "$t: an x86_64 ELF core dumped as elf (the default for an ELF source)"
	mkfs "$t" "$T/fs" 128M -b 4096
	expect_rc 0 $ZFD -s "file:$T/x.elf" -o "extfs:device=$T/fs,fsck=no"
	expect_rc 0 $ZFD -s "file:$T/x.elf" -o "extfs:device=$T/fs,fsck=no,format=elf"
	fsck_clean "$T/fs"
	[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0 dump.0.info dump.1 dump.1.info " ] ||
		fail "names: $(fs_ls "$T/fs" | tr '\n' ' ')"
	for n in 0 1; do
		fs_get "$T/fs" /dump.$n "$T/core"
		fs_get "$T/fs" /dump.$n.info "$T/core.info"
		check_core "$T/x.elf" "$T/core"
		[ "$(manifest_get "$T/core.info" status)" = complete ] || fail "status"
		[ "$(manifest_get "$T/core.info" format)" = elf ] || fail "manifest format"
		[ "$(manifest_get "$T/core.info" arch)" = x86_64 ] || fail "manifest arch"
		[ "$(manifest_get "$T/core.info" kernel)" = 6.1.0-13-amd64 ] ||
			fail "manifest kernel"
		# the manifest's digest is that of the file (xxhsum, independently)
		[ "$(manifest_get "$T/core.info" digest)" = \
		  "xxh3-128:$(xxhsum -H2 - <"$T/core" | cut -d' ' -f1)" ] ||
			fail "dump.$n: digest differs from the manifest's"
	done
	# zero pages are holes: the file allocates the prologue and the
	# non-zero pages, plus at most 128 KiB of mapping blocks
	want=$(stored_want "$T/x.elf" "$T/core")
	got=$(( $(fs_blocks "$T/fs" /dump.1) * 512 ))
	[ "$got" -ge "$want" ] && [ "$got" -le $((want + 131072)) ] ||
		fail "dump.1 allocates $got bytes, non-zero data is $want"
	# not sparse: every stored byte is allocated
	mkfs "$t" "$T/fs" 128M -b 4096
	expect_rc 0 $ZFD -s "file:$T/x.elf" -o "extfs:device=$T/fs,fsck=no,sparse=false"
	fsck_clean "$T/fs"
	fs_get "$T/fs" /dump.0 "$T/core"
	check_core "$T/x.elf" "$T/core"
	got=$(( $(fs_blocks "$T/fs" /dump.0) * 512 ))
	size=$(stat -c %s "$T/core")
	[ "$got" -ge "$size" ] || fail "sparse = false allocates $got of $size bytes"
done

note "encrypt with the default elf of an ELF source: the sealed stream is the ELF dump"
expect_rc 0 $ZFCPDUMP_GET keygen -o "$T/k"
mkfs ext4 "$T/fs" 128M
cat >"$T/seal.conf" <<EOC
sinks = ( { type = "extfs"; device = "$T/fs"; fsck = "no";
	    encrypt = { recipient = "$T/k.pub"; }; } );
EOC
expect_rc 0 $ZFD -c "$T/seal.conf" -s "file:$T/x.elf"
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.0 "$T/sealed"
fs_get "$T/fs" /dump.0.info "$T/sealed.info"
[ "$(manifest_get "$T/sealed.info" status)" = complete ] || fail "sealed: status"
[ "$(manifest_get "$T/sealed.info" format)" = elf ] || fail "sealed: format"
# no page of the core's memory in clear in the sealed file
python3 - "$T/x.elf" "$T/sealed" <<'PY' || fail "plaintext in the sealed dump"
import sys
core, sealed = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
z = bytes(4096)
pages = {core[o:o + 4096] for o in range(4096, len(core) - 4095, 4096)} - {z}
hits = [o for o in range(0, len(sealed) - 4095, 4096) if sealed[o:o + 4096] in pages]
sys.exit('%d clear pages' % len(hits) if hits else 0)
PY
expect_rc 0 $ZFCPDUMP_GET verify --key "$T/k.key" "$T/fs:dump.0"
expect_out "digest ok"
rm -f "$T/out.elf"
expect_rc 0 $ZFCPDUMP_GET copy --key "$T/k.key" -f elf "$T/fs:dump.0" "$T/out.elf"
check_core "$T/x.elf" "$T/out.elf"

note "an s390 image with a hole as elf: the bytes of sink ABI 1's extfs elf"
# sha256 of dump.0 that the extfs sink of sink ABI 1 (main at 8e3109d)
# wrote for this image: its own s390x ELF writer, memory positional.
ABI1_SHA=91d996bd6cc174744d038a419a65a2bbd0a8f2b43fe1edf72b1cd6e876d75fd3
$MKIMAGE -o "$T/h" -s 32M --seed 4 --cpus 3 --hole 8M:4M --memmap "$T/h.map" >/dev/null ||
	fail "zfd-mkimage"
for sp in true false; do
	mkfs ext4 "$T/fs" 64M
	expect_rc 0 $ZFD -s "file:$T/h,memmap=$T/h.map" \
		-o "extfs:device=$T/fs,format=elf,fsck=no,sparse=$sp"
	fsck_clean "$T/fs"
	fs_get "$T/fs" /dump.0 "$T/core"
	[ "$(sha256sum <"$T/core" | cut -d' ' -f1)" = "$ABI1_SHA" ] ||
		fail "sparse = $sp: the elf dump differs from sink ABI 1's"
done
note "the same memory from zcore (fake debugfs tree) as elf: the same bytes"
Z=$T/root/sys/kernel/debug/zcore
mkdir -p "$Z"
cp "$T/h" "$Z/mem"
cp "$T/h.map" "$Z/memmap"
echo 1000000 >"$Z/hsa"
: >"$Z/reipl"
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD --root "$T/root" -s zcore -o "extfs:device=$T/fs,format=elf,fsck=no"
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.0 "$T/core"
[ "$(sha256sum <"$T/core" | cut -d' ' -f1)" = "$ABI1_SHA" ] ||
	fail "zcore: the elf dump differs from sink ABI 1's"
exit 0
