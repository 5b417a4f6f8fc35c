#!/bin/bash
# The vmcore source (issue 10): an ELF core as /proc/vmcore under --root,
# through 'path', and as a file source detected by content.
# - an s390x core (zfd-mkimage --format elf) dumped to the raw sink in the
#   s390 format (format = "s390"; the default for an ELF core is elf):
#   memory byte-exact equal to the s390 image of the same seed (the
#   register notes go back into the save areas), verify ok;
# - the same core with the default format: the raw sink holds the core
#   itself, byte for byte;
# - mmap() windows by default, pread() when mmap fails: same bytes;
# - damage in the middle of the core (EIO): recorded as lost, incomplete;
# - bad cores: one line naming the problem, exit 1, the sink untouched;
# - a core of another architecture (x86_64): dumped as elf, a fresh ELF
#   core of the same memory and notes (the test sink, as /proc/vmcore);
#   format "s390" for it: one line, exit 2, the sink untouched;
# - no source configured: zcore/mem missing, /proc/vmcore is dumped; the
#   zcore reipl/hsa files of s390 kernels >= 3.12 are used; "reboot".
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

SHIM=$ZFD_BUILD/tests/shims/.libs/fault_io.so
[ -f "$SHIM" ] || fail "no $SHIM"
# the shim is not first in an ASan binary's library list; that is fine here
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
# with_shim VAR=VALUE... CMD...: CMD with the shim preloaded
# A sanitizer runtime the daemon links (the tsan and asan stages) must come
# before the shim in LD_PRELOAD, or ThreadSanitizer dies at start.
san_rt=
[ -n "${TEST_WRAPPER:-}" ] ||
	san_rt=$(ldd "$abs_top_builddir/zfcpdump" 2>/dev/null | awk '/lib[at]san\.so/ { print $3 }')
with_shim() {
	(
		export LD_PRELOAD="${san_rt:+$san_rt }$SHIM"
		export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
		while [[ $1 == *=* ]]; do export "${1?}"; shift; done
		"$@"
	)
}

MEM=$((32 << 20))
$MKIMAGE -o "$T/s390x.elf" -s 32M --seed 7 --cpus 3 --format elf --kernel 6.1.0-s390x-test ||
	fail "zfd-mkimage --format elf"
$MKIMAGE -o "$T/s390x.img" -s 32M --seed 7 --cpus 3 || fail "zfd-mkimage"
mkdir -p "$T/root/proc"
cp "$T/s390x.elf" "$T/root/proc/vmcore"

# check_s390 PART: a complete s390 dump whose memory is the s390 image's
check_s390() {
	same_bytes "$1" 4096 "$T/s390x.img" 4096 $MEM
	raw_has_end_marker "$1" $MEM || fail "$1: no end marker"
	raw_manifest "$1" $MEM "$T/man"
	[ "$(manifest_get "$T/man" status)" = complete ] || fail "$1: not complete"
	raw_check_digest "$1" $MEM "$T/man"
	expect_rc 0 $ZFCPDUMP_GET verify "$1"
}

# 1. /proc/vmcore under --root, mmap() windows (logged by the shim)
raw_target "$T/p1" $(raw_need $MEM)
expect_rc 0 with_shim ZFD_SHIM_PATH="$T/root/proc/vmcore" \
	ZFD_SHIM_LOG="$T/log1" zfd_raw --root "$T/root" -s vmcore -o "raw:device=$T/p1,format=s390"
expect_err "source vmcore:$T/root/proc/vmcore, 32 MiB of memory"
expect_err "dump of s390x, Linux 6.1.0-s390x-test, 3 CPUs, crashed 2026-01-01T00:00:07Z"
check_s390 "$T/p1"
[ "$(manifest_get "$T/man" arch)" = s390x ] || fail "manifest arch"
[ "$(manifest_get "$T/man" kernel)" = 6.1.0-s390x-test ] || fail "manifest kernel"
grep -q '^mmap ' "$T/log1" || fail "no mmap() of the core"
! grep -q '^pread [0-9]* [0-9]\{7,\}' "$T/log1" || fail "memory read with pread() although mmap() works"
manifest_get "$T/man" source | grep -qF "vmcore:$T/root/proc/vmcore" || fail "manifest source"
note "vmcore under --root: mmap windows, memory byte-exact, verify ok"

# 2. mmap() refused (old kernel): pread(), the same dump
raw_target "$T/p2" $(raw_need $MEM)
expect_rc 0 with_shim ZFD_SHIM_PATH="$T/root/proc/vmcore" ZFD_SHIM_NOMMAP=1 \
	ZFD_SHIM_LOG="$T/log2" zfd_raw --root "$T/root" -s vmcore -o "raw:device=$T/p2,format=s390"
check_s390 "$T/p2"
grep -q '^pread [0-9]* 524288$' "$T/log2" || fail "no large pread() windows"
cmp -s "$T/p1" "$T/p2" || {
	# only the times in header, end marker and manifest may differ
	same_bytes "$T/p1" 4096 "$T/p2" 4096 $MEM
}
note "mmap refused: pread, same memory"

# 2b. the same core as a file source: pread() into the buffers, no mmap()
raw_target "$T/p2b" $(raw_need $MEM)
expect_rc 0 with_shim ZFD_SHIM_PATH="$T/root/proc/vmcore" \
	ZFD_SHIM_LOG="$T/log2b" zfd_raw -s "file:$T/root/proc/vmcore" -o "raw:device=$T/p2b,format=s390"
check_s390 "$T/p2b"
! grep -q '^mmap ' "$T/log2b" || fail "file source: the core was mmap()ed"
grep -q '^pread [0-9]* 524288$' "$T/log2b" || fail "file source: no pread() into the buffers"
same_bytes "$T/p1" 4096 "$T/p2b" 4096 $MEM
note "file source: pread, same memory"

# 3. key 'path' in the config, and the file source (content detection)
cat >"$T/cfg" <<EOF
source = { type = "vmcore"; path = "$T/s390x.elf"; };
sinks = ( { type = "raw"; device = "$T/p3"; format = "s390"; } );
EOF
raw_target "$T/p3" $(raw_need $MEM)
expect_rc 0 zfd_raw -c "$T/cfg"
check_s390 "$T/p3"
raw_target "$T/p4" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$T/s390x.elf" -o "raw:device=$T/p4,format=s390"
check_s390 "$T/p4"
# the default for an ELF core: elf, the core's own bytes, register notes
# unchanged and memory as the core has it (no save areas patched)
raw_target "$T/p8" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$T/s390x.elf" -o "raw:device=$T/p8"
same_bytes "$T/p8" 0 "$T/s390x.elf" 0 "$(stat -c %s "$T/s390x.elf")"
expect_rc 1 zfd_raw -s "file:$T/s390x.elf,memmap=$T/nothing" -o "raw:device=$T/p4" -n
expect_err "source $T/s390x.elf: an ELF core has no memmap file"
# an s390 image: arch from its header, no kernel release known
raw_target "$T/p7" $(raw_need $MEM)
expect_rc 0 zfd_raw -s "file:$T/s390x.img" -o "raw:device=$T/p7"
raw_manifest "$T/p7" $MEM "$T/man"
[ "$(manifest_get "$T/man" arch)" = s390x ] || fail "manifest arch (image)"
! grep -q '^kernel:' "$T/man" || fail "a kernel release for an s390 image"
# a sink onto the core itself is refused before anything is written
cp "$T/s390x.elf" "$T/self.elf"
expect_rc 2 zfd_raw -s "file:$T/self.elf" -o "raw:device=$T/self.elf"
expect_err "device $T/self.elf is the dump source"
cmp -s "$T/self.elf" "$T/s390x.elf" || fail "the source was written to"
note "path key and file:ELF; manifest arch and kernel; no sink onto the source"

# 4. damage in the middle: pages at file offsets 16M..16M+8K unreadable
raw_target "$T/p5" $(raw_need $MEM)
expect_rc 1 with_shim ZFD_SHIM_PATH="$T/s390x.elf" \
	ZFD_SHIM_EIO=1000000-1002000 zfd_raw -s "file:$T/s390x.elf" -o "raw:device=$T/p5,format=s390"
expect_out "incomplete.*memory unreadable: 8192 bytes lost"
raw_has_end_marker "$T/p5" $MEM 2>/dev/null && fail "a damaged dump has an end marker"
raw_manifest "$T/p5" $MEM "$T/man"
[ "$(manifest_get "$T/man" status)" = incomplete ] || fail "damaged dump not incomplete"
expect_rc 1 $ZFCPDUMP_GET verify "$T/p5"
note "damage: lost, incomplete, no end marker"

# 5. bad cores: one line, exit 1, before any sink is touched
bad() {	# NAME EXPECTED-MESSAGE: $T/bad.elf prepared by the caller
	raw_target "$T/pb" 65536
	cp "$T/pb" "$T/pb.before"
	expect_rc 1 zfd_raw -s "file:$T/bad.elf" -o "raw:device=$T/pb"
	expect_err "$2"
	[ "$(grep -c 'error' "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "$1: not one line"; }
	cmp -s "$T/pb" "$T/pb.before" || fail "$1: the sink was touched"
}
# put_le/put_be FILE OFF BYTES(hex)
patch() {
	printf "$(echo "$3" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
head -c 40 "$T/s390x.elf" >"$T/bad.elf"
bad truncated "not a usable ELF core: file too short for an ELF header \(40 bytes\)"
head -c $((8 << 20)) "$T/s390x.elf" >"$T/bad.elf"
bad past-eof "PT_LOAD 1 \(offset 4096, 33554432 bytes\) extends beyond the end of the file \(8388608 bytes\)"
cp "$T/s390x.elf" "$T/bad.elf"
patch "$T/bad.elf" 56 "ffff"	# e_phnum = PN_XNUM without section headers
bad phnum "PN_XNUM but there is no section header 0"
head -c $((1 << 20)) "$T/s390x.elf" >"$T/bad.elf"
patch "$T/bad.elf" 56 "7fff"	# 32767 program headers
bad count "32767 program headers at offset 64 extend beyond the end of the file \(1048576 bytes\)"
cp "$T/s390x.elf" "$T/bad.elf"
off=$(be_u64 "$T/s390x.elf" $((64 + 8)))	# the notes
patch "$T/bad.elf" $((off + 4)) "7fffff00"	# descsz of the first note
bad notesize "not a usable ELF core: note at offset $off \(name 5, desc 2147483392 bytes\) extends beyond its PT_NOTE segment"
note "bad cores refused before the sink"

# 6. another architecture: dumped as elf (a fresh ELF core of the same
#    memory and notes, as zfcpdump-get copy -f elf writes it), here as
#    /proc/vmcore through the test sink; format "s390" for it: one line,
#    exit 2, the sink untouched
$MKIMAGE -o "$T/x86.elf" -s 16M --format elf --arch x86_64 || fail "mkimage x86_64"
mkdir -p "$T/xroot/proc" "$T/plug"
cp "$T/x86.elf" "$T/xroot/proc/vmcore"
ln -s "$ZFD_BUILD/tests/plugins/.libs/test.so" "$T/plug/test.so"
expect_rc 0 $ZFCPDUMP --plugin-dir "$T/plug" --cmdline none --root "$T/xroot" -s vmcore \
	-o "test:path=$T/x1"
expect_err "dump of x86_64, Linux 6.1.0-zfd-test, 2 CPUs"
expect_rc 0 $ZFCPDUMP_GET copy "$T/x86.elf" "$T/x1.copy" -f elf
cmp "$T/x1" "$T/x1.copy" || fail "x86_64: not the ELF core zfcpdump-get copy -f elf writes"
[ "$(manifest_get "$T/x1.info" format)" = elf ] || fail "x86_64: manifest format"
[ "$(manifest_get "$T/x1.info" arch)" = x86_64 ] || fail "x86_64: manifest arch"
# PT_NOTE and memory, page by page, against the core
python3 - "$T/x1" "$T/x86.elf" <<'PY' || fail "x86_64: notes or memory differ from the core"
import struct, sys
def parse(path):
    d = open(path, 'rb').read()
    phoff, = struct.unpack_from('<Q', d, 32)
    phnum, = struct.unpack_from('<H', d, 56)
    notes, mem = b'', {}
    for i in range(phnum):
        t, _, off, _, paddr, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
        if t == 4:
            notes += d[off:off + filesz]
        elif t == 1:
            for p in range(0, filesz, 4096):
                mem[paddr + p] = d[off + p:off + p + 4096]
    return notes, mem
a, b = parse(sys.argv[1]), parse(sys.argv[2])
sys.exit(0 if a == b and len(a[1]) == 4096 else 1)
PY
cp "$T/x86.elf" "$T/bad.elf"
raw_target "$T/pb" 65536
cp "$T/pb" "$T/pb.before"
expect_rc 2 zfd_raw -s "file:$T/bad.elf" -o "raw:device=$T/pb,format=s390"
expect_err "sink raw:$T/pb: format \"s390\" holds s390 dumps only, and file:$T/bad.elf is a dump of x86_64 \\(use format = \"elf\"\\)"
[ "$(grep -c 'error' "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "x86_64 s390: not one line"; }
cmp -s "$T/pb" "$T/pb.before" || fail "x86_64 s390: the sink was touched"
note "x86_64: elf by default; format s390 refused before the sink"

# 7. no /proc/vmcore
expect_rc 1 zfd_raw --root "$T/nothing" -s vmcore -o "raw:device=$T/p1"
expect_err "source vmcore: cannot open $T/nothing/proc/vmcore: No such file or directory"

# 8. no source configured, an s390 kernel >= 3.12 (zcore without mem):
#    /proc/vmcore; as PID 1 the HSA is released through zcore/hsa at the
#    end and final_action "reipl" writes zcore/reipl
Z=$T/root/sys/kernel/debug/zcore
mkdir -p "$Z"
echo 2000000 >"$Z/hsa"
: >"$Z/reipl"
raw_target "$T/p6" $(raw_need $MEM)
printf 'final_action = "reipl";\nsinks = ( { type = "raw"; device = "%s"; format = "s390"; } );\n' "$T/p6" >"$T/auto.conf"
rc=0
timeout 60 unshare --pid --fork --mount --propagation private \
	$ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" -c "$T/auto.conf" \
	--cmdline none >"$T/a.out" 2>&1 || rc=$?
cat "$T/a.out"
[ $rc != 124 ] || fail "PID 1 did not end after the re-IPL request"
grep -q "no zcore/mem: dumping /proc/vmcore" "$T/a.out" || fail "vmcore not chosen"
grep -q "HSA released (32 MiB)" "$T/a.out" || fail "HSA not released"
[ "$(head -n 1 "$Z/hsa")" = 0 ] || fail "zcore/hsa not written"
[ "$(cat "$Z/reipl")" = 1 ] || fail "zcore/reipl not written"
check_s390 "$T/p6"
note "no source: /proc/vmcore, HSA released, re-IPL through zcore"

# 9. final_action "reboot" (machines without re-IPL): in a PID namespace
#    reboot(2) ends the namespace's init with SIGHUP
rm -rf "$T/root/sys"
printf 'final_action = "reboot";\nsinks = ( { type = "raw"; device = "%s"; format = "s390"; } );\n' "$T/p6" >"$T/reboot.conf"
rc=0
timeout 60 unshare --pid --fork --mount --propagation private \
	$ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" -c "$T/reboot.conf" \
	--cmdline none >"$T/r.out" 2>&1 || rc=$?
cat "$T/r.out"
grep -q "final action: reboot" "$T/r.out" || fail "no reboot"
[ $rc = 129 ] || fail "reboot: exit $rc, expected 129 (SIGHUP from reboot(2) in a PID namespace)"
check_s390 "$T/p6"
note "final_action reboot"
exit 0
