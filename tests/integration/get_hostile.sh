#!/bin/bash
# zfcpdump-get against hostile and awkward inputs (issue 12, findings
# 18-23): crafted ELF cores that describe exabytes, FIFOs where files are
# needed, outputs that are the input, ELF dumps whose memory ends in a
# hole or starts at 2 GiB, output modes, and every allocation failing
# once. Everything runs under timeout: a hang is a failure, not a wait.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"
NOMEM="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_get_nomem"
TMO=30

# patch_load FILE N FIELD=VALUE...: rewrites fields of the N-th PT_LOAD
# (0-based) of a big-endian ELF64 core in place.
patch_load() {
	python3 - "$@" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
d = f.read(64)
phoff, = struct.unpack_from('>Q', d, 0x20)
phnum, = struct.unpack_from('>H', d, 0x38)
fields = {'offset': 8, 'vaddr': 16, 'paddr': 24, 'filesz': 32, 'memsz': 40}
i = 0
for n in range(phnum):
    f.seek(phoff + 56 * n)
    if struct.unpack('>I', f.read(4))[0] != 1:
        continue
    if i == int(sys.argv[2]):
        for kv in sys.argv[3:]:
            k, v = kv.split('=')
            f.seek(phoff + 56 * n + fields[k])
            f.write(struct.pack('>Q', int(v, 0)))
    i += 1
PY
}

# quick RC CMD...: CMD must exit RC within $TMO seconds.
quick() {
	local want=$1
	shift
	expect_rc "$want" timeout $TMO "$@"
}

make_image
d=$T/dump
$MKDUMP -i "$T/img" -o "$d" -l file || fail "get-mkdump"
expect_rc 0 $GET copy "$d" "$T/core" -f elf
readelf -W -l "$T/core" | grep -q ' LOAD ' || fail "no PT_LOAD in the test core"

note "20: a PT_LOAD of 2^62 bytes (file data: a few MiB)"
cp "$T/core" "$T/big"
patch_load "$T/big" 0 memsz=$((1 << 62))
quick 1 $GET verify "$T/big"
expect_err "ELF core, structure ok; no digest to check"
quick 0 $GET info "$T/big"
expect_out "^Memory size: +$((1 << 62)) bytes"
# copy: quick either way; ext4 refuses a 4 EiB file (File too large),
# tmpfs takes it as one sparse file
big_copy() {	# OUT [ARGS]: exit 0 with a sparse OUT, or 1 without OUT
	local rc=0
	timeout $TMO $GET copy "$T/big" "$@" >"$T/.stdout" 2>"$T/.stderr" || rc=$?
	case $rc in
	0) [ $(( $(stat -c %b "$1") * 512 )) -lt $((4 * MEM)) ] ||
		fail "copy of a 2^62-byte PT_LOAD is not sparse"
	   rm -f "$1" ;;
	1) expect_err "copy failed after [0-9]+ memory bytes: File too large"
	   [ ! -e "$1" ] || fail "a failed copy left its output" ;;
	*) cat "$T/.stderr" >&2; fail "copy of a 2^62-byte PT_LOAD exited $rc" ;;
	esac
}
big_copy "$T/big.s390"
big_copy "$T/big.elf" -f elf

note "20: PT_LOADs at addresses near 2^63"
cp "$T/core" "$T/far"
patch_load "$T/far" 0 paddr=$(( (1 << 62) - (1 << 24) )) vaddr=0
quick 1 $GET verify "$T/far"
expect_err "ELF core, structure ok"
cp "$T/core" "$T/far2"
patch_load "$T/far2" 0 paddr=$(( (1 << 63) - (1 << 20) ))
quick 1 $GET verify "$T/far2"
expect_err "not a zfcpdump/s390 dump: ELF core, but memory end 0x8000000000[0-9a-f]+ is impossible"
[ "$(wc -l <"$T/.stderr")" = 1 ] || fail "more than one line for a bad core"

note "20: many PT_LOADs sharing the same file bytes"
python3 - "$T/core" "$T/alias" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
phoff, = struct.unpack_from('>Q', d, 0x20)
phnum, = struct.unpack_from('>H', d, 0x38)
load = None
for n in range(phnum):
    ph = d[phoff + 56 * n: phoff + 56 * n + 56]
    if struct.unpack_from('>I', ph, 0)[0] == 1:
        load = n
        break
off, va, pa, fsz, msz = struct.unpack_from('>QQQQQ', d, phoff + 56 * load + 8)
# 8 spare slots follow the program headers: make them loads over the
# same file bytes, at higher addresses
for k in range(1, 9):
    p = phoff + 56 * (phnum + k - 1)
    struct.pack_into('>IIQQQQQQ', d, p, 1, 7, off, va + k * msz,
                     pa + k * msz, fsz, msz, 0)
struct.pack_into('>H', d, 0x38, phnum + 8)
open(sys.argv[2], 'wb').write(d)
PY
quick 1 $GET verify "$T/alias"
expect_err "not a valid ELF core: PT_LOAD data at file offsets [0-9]+ and [0-9]+ overlap"

note "20: FIFOs as dump, sibling manifest, filesystem"
mkfifo "$T/fifo"
quick 1 $GET verify "$T/fifo"
expect_err "^zfcpdump-get: $T/fifo: is a FIFO, not a dump file or device$"
quick 1 $GET info "$T/fifo"
quick 1 $GET copy "$T/fifo" "$T/fifo.out"
[ ! -e "$T/fifo.out" ] || fail "copy of a FIFO created its output"
quick 1 $GET info "$T/fifo:dump.0"
expect_err "$T/fifo: is a FIFO, not a filesystem image or block device"
quick 1 $GET list "$T/fifo"
expect_err "$T/fifo: not a filesystem image or block device"
cp "$d" "$T/fm"
mkfifo "$T/fm.info"
quick 1 $GET verify "$T/fm"
expect_err "warning: $T/fm.info: not a regular file, ignored as manifest"
expect_err "manifest missing"
# a FIFO named like the manifest inside an ext filesystem
mke2fs -q -F -t ext4 -b 4096 "$T/ffs" 32M || fail "mke2fs"
debugfs -w "$T/ffs" -R "write $d dump.0" >/dev/null 2>&1 || fail "debugfs"
debugfs -w "$T/ffs" -R "mknod dump.0.info p" >/dev/null 2>&1 || fail "debugfs mknod"
quick 1 $GET verify "$T/ffs:dump.0"
expect_err "warning: dump.0.info: not a regular file, ignored as manifest"
expect_err "manifest missing"
mkdir "$T/dir"
quick 1 $GET info "$T/dir"
expect_err "is a directory, not a dump file or device"

note "22: copy never overwrites what it reads"
cp "$d" "$T/v"; cp "$d.info" "$T/v.info"
quick 1 $GET copy "$T/v" "$T/v.info"
expect_err "^zfcpdump-get: $T/v.info: is the input itself \(or a link to it\): refusing to overwrite it$"
cmp "$T/v.info" "$d.info" || fail "copy v v.info damaged the manifest"
ln "$T/v" "$T/hard"
quick 1 $GET copy "$T/v" "$T/hard"
expect_err "$T/hard: is the input itself"
ln -s "$T/v" "$T/soft"
quick 1 $GET copy "$T/soft" "$T/v"
expect_err "$T/v: is the input itself"
# a dump named x.info (with its manifest x.info.info): OUT x writes x.info
cp "$d" "$T/x.info"; cp "$d.info" "$T/x.info.info"
quick 1 $GET copy "$T/x.info" "$T/x"
expect_err "$T/x.info: is the input itself"
[ ! -e "$T/x" ] || fail "copy created its output before refusing"
cmp "$T/x.info" "$d" || fail "copy x.info x damaged its input"
# stdout appended to the input
quick 1 sh -c "$GET copy '$T/v' - >>'$T/v'"
expect_err "standard output is the input itself"
cmp "$T/v" "$d" || fail "copy to stdout appended to its input"
# the filesystem an ext dump is read from
mke2fs -q -F -t ext4 -b 4096 "$T/fs" 32M || fail "mke2fs"
debugfs -w "$T/fs" -R "write $d dump.0" >/dev/null 2>&1 || fail "debugfs"
cp "$T/fs" "$T/fs.orig"
quick 1 $GET copy "$T/fs:dump.0" "$T/fs"
expect_err "$T/fs: is the input itself"
cmp "$T/fs" "$T/fs.orig" || fail "copy onto the filesystem damaged it"

note "18: copy outputs are 0640 or stricter"
(umask 022; $GET copy "$d" "$T/m1") || fail "copy"
[ "$(stat -c %a "$T/m1")" = 640 ] || fail "new output mode $(stat -c %a "$T/m1")"
[ "$(stat -c %a "$T/m1.info")" = 640 ] || fail "new manifest mode $(stat -c %a "$T/m1.info")"
: >"$T/m2"; : >"$T/m2.info"; chmod 0666 "$T/m2" "$T/m2.info"
$GET copy "$d" "$T/m2" || fail "copy"
[ "$(stat -c %a "$T/m2")" = 640 ] || fail "existing output kept mode $(stat -c %a "$T/m2")"
[ "$(stat -c %a "$T/m2.info")" = 640 ] || fail "existing manifest kept mode $(stat -c %a "$T/m2.info")"
: >"$T/m3"; chmod 0600 "$T/m3"
$GET copy "$d" "$T/m3" -f elf || fail "copy"
[ "$(stat -c %a "$T/m3")" = 600 ] || fail "a stricter mode was widened: $(stat -c %a "$T/m3")"
cmp "$T/m2" "$T/expect" || fail "copy into an existing file differs"

note "21: an ELF dump whose memory ends in a hole (extfs sink, format elf)"
$MKIMAGE -o "$T/himg" -s $MEM --seed 5 --cpus 2 --hole $((MEM - (1 << 20))):1M \
	--memmap "$T/hmap" || fail "zfd-mkimage"
mke2fs -q -F -t ext4 -b 4096 "$T/hfs" 64M || fail "mke2fs"
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none \
	-s "file:$T/himg,memmap=$T/hmap" -o "extfs:device=$T/hfs,format=elf,fsck=no"
quick 0 $GET list "$T/hfs"
grep -Eq '^0 +dump.0 +8.0 .* complete *$' "$T/.stdout" || { cat "$T/.stdout"; fail "list calls the dump not complete"; }
quick 0 $GET info "$T/hfs:dump.0"
expect_out '^Status: +complete$'
expect_out "^Memory size: +$MEM bytes"
# (sink ABI 2: the manifest digest covers the stored ELF bytes)
quick 0 $GET verify "$T/hfs:dump.0"
expect_out "dump.0: complete, $((MEM - (1 << 20))) memory bytes, [0-9]+ stored bytes \(elf\), digest ok"
quick 0 $GET copy "$T/hfs:dump.0" "$T/h.s390"
[ "$(stat -c %s "$T/h.s390")" = $((4096 + MEM + 16)) ] || fail "s390 copy size"
same_bytes "$T/h.s390" 4096 "$T/himg" 4096 $MEM
[ ! -e "$T/h.s390.info" ] || fail "an s390 copy of an ELF core got a manifest whose digest cannot match"

note "21: an ELF dump whose memory starts at 2 GiB"
cp "$T/core" "$T/hi"
patch_load "$T/hi" 0 paddr=$((2 << 30)) vaddr=$((2 << 30))
mke2fs -q -F -t ext4 -b 4096 "$T/hifs" 32M || fail "mke2fs"
debugfs -w "$T/hifs" -R "write $T/hi dump.0" >/dev/null 2>&1 || fail "debugfs"
debugfs -w "$T/hifs" -R "write $d.info dump.0.info" >/dev/null 2>&1 || fail "debugfs"
quick 0 $GET list "$T/hifs"
grep -Eq '^0 +dump.0 .* complete *$' "$T/.stdout" || { cat "$T/.stdout"; fail "list: a core at 2 GiB is not complete"; }
quick 0 $GET info "$T/hifs:dump.0"
expect_out '^Status: +complete$'
# a manifest smaller than what the loads span is still a mix-up
python3 - "$d.info" "$T/small.info" <<'PY'
import sys
t = open(sys.argv[1]).read().splitlines()
open(sys.argv[2], 'w').write('\n'.join(l if not l.startswith('mem_size:') else 'mem_size: 4096' for l in t) + '\n')
PY
debugfs -w "$T/hifs" -R "rm dump.0.info" >/dev/null 2>&1
debugfs -w "$T/hifs" -R "write $T/small.info dump.0.info" >/dev/null 2>&1 || fail "debugfs"
quick 0 $GET info "$T/hifs:dump.0"
expect_out "^Status: +corrupt: manifest mem_size 4096 is smaller than the $MEM bytes the ELF core's PT_LOADs span"

note "23: every allocation fails once (no crash, no double free, no leak)"
debugfs -w "$T/fs" -R "write $T/core core.0" >/dev/null 2>&1 || fail "debugfs"
debugfs -w "$T/fs" -R "write $d.info dump.0.info" >/dev/null 2>&1 || fail "debugfs"
for args in "info $T/fs:core.0" "verify $T/fs:core.0" "info $T/fs:dump.0" \
	"verify $d" "list $T/fs" "copy $T/fs:core.0 $T/n1 -f elf" \
	"copy $T/fs:core.0 $T/n2" "copy $d $T/n3" "copy $T/core $T/n4 -f elf" \
	"verify $T/hfs:dump.0"; do
	# shellcheck disable=SC2086
	quick 0 $NOMEM $args
	grep -q "each failed once: no crash, nothing leaked" "$T/.stderr" ||
		fail "test_get_nomem $args: $(cat "$T/.stderr")"
done
cmp "$T/n1" "$T/core" || fail "ELF copy after the failure runs differs"
exit 0
