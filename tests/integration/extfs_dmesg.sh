#!/bin/bash
# dump.N.dmesg (issue 11 item 6): the daemon reads the crashed kernel's
# log once (src/core/dmesg.c) and the extfs sink stores it beside the dump,
# before the dump file. Cores with a printk ring come from
# tests/integration/kmsg_core.py on zfd-mkimage's images: an x86_64 ELF
# core that Debian's makedumpfile reads, and an s390 image whose lowcore
# points to VMCOREINFO. Checked: the file read back with debugfs equals
# zfcpdump-get dmesg of the same core and makedumpfile --dump-dmesg, line
# for line; owner and mode as the dump's; e2fsck clean; written first (a
# dump that fails on a full filesystem keeps it); counted and removed
# with its dump by keep; zfcpdump-get list and verify unchanged; the log
# through the zcore source; the old log_buf; a log longer than 1 MiB
# keeps its end in whole lines; no file and one line for sources without a
# log, for a log in a memmap hole of zcore (never read), for a ring larger
# than the daemon reads, and beside a sealed dump; peak RSS.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"
KCORE="python3 $abs_top_srcdir/tests/integration/kmsg_core.py"
names() { fs_ls "$1" "${2:-/}" | tr '\n' ' '; }
# fs_cat FS PATH OUT: the file's bytes, through debugfs
fs_cat() {
	debugfs -R "cat $2" "$1" >"$3" 2>"$T/debugfs.err" || fail "debugfs cat $2"
}

$MKIMAGE -o "$T/plain.elf" -s 64M --seed 5 --format elf --arch x86_64 \
	--cpus 2 --symbols --kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage --symbols"
$KCORE "$T/plain.elf" "$T/k.elf" || fail "kmsg_core.py"

note "the reference: zfcpdump-get dmesg = makedumpfile --dump-dmesg"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/k.elf"
cp "$T/.stdout" "$T/get.txt"
makedumpfile --dump-dmesg "$T/k.elf" "$T/mdf.txt" >"$T/mdf.out" 2>&1 ||
	{ cat "$T/mdf.out" >&2; fail "makedumpfile --dump-dmesg"; }
diff "$T/mdf.txt" "$T/get.txt" >&2 || fail "zfcpdump-get dmesg differs from makedumpfile"
[ "$(wc -l <"$T/get.txt")" = 26 ] || fail "expected 26 lines, got $(wc -l <"$T/get.txt")"
tail -n 1 "$T/get.txt" | grep -qF "Kernel panic - not syncing: sysrq triggered crash" ||
	fail "the panic line is not last"

note "ext3, format elf: dump.0.dmesg beside the dump, line for line"
mkfs ext3 "$T/fs" 128M
expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: kernel log: 26 lines, $(stat -c %s "$T/get.txt") bytes$"
expect_err "kernel log written to $T/fs:/dump.0.dmesg$"
[ "$(names "$T/fs")" = "dump.0 dump.0.dmesg dump.0.info " ] ||
	fail "names: $(names "$T/fs")"
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
diff "$T/get.txt" "$T/fs.txt" >&2 || fail "dump.0.dmesg differs from zfcpdump-get dmesg"
diff "$T/mdf.txt" "$T/fs.txt" >&2 || fail "dump.0.dmesg differs from makedumpfile --dump-dmesg"
fsck_clean "$T/fs"
# written first: its inode was allocated before the dump's
di=$(debugfs -R "stat /dump.0.dmesg" "$T/fs" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
dd=$(debugfs -R "stat /dump.0" "$T/fs" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
[ -n "$di" ] && [ -n "$dd" ] && [ "$di" -lt "$dd" ] ||
	fail "dump.0.dmesg (inode $di) was not created before dump.0 (inode $dd)"
# owner and mode as the dump's other files: root, 0640, regular
for f in dump.0 dump.0.dmesg dump.0.info; do
	debugfs -R "stat /$f" "$T/fs" 2>/dev/null | grep -q "Mode:  0640" ||
		fail "$f: mode is not 0640"
	debugfs -R "stat /$f" "$T/fs" 2>/dev/null | grep -q "User:     0   Group:     0" ||
		fail "$f: not owned by root"
done
expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.0"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/fs:dump.0"
cmp -s "$T/.stdout" "$T/fs.txt" || fail "zfcpdump-get dmesg of the stored dump differs"

note "keep = 2: the log goes with its dump; list shows dumps only"
expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,keep=2"
expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,keep=2"
expect_err "removed dump.0 \([0-9]+ MiB\) \(keep\)"
[ "$(names "$T/fs")" = "dump.1 dump.1.dmesg dump.1.info dump.2 dump.2.dmesg dump.2.info " ] ||
	fail "names after keep: $(names "$T/fs")"
fs_cat "$T/fs" /dump.2.dmesg "$T/fs2.txt"
cmp -s "$T/get.txt" "$T/fs2.txt" || fail "dump.2.dmesg differs"
expect_rc 0 $ZFCPDUMP_GET list "$T/fs"
[ "$(grep -c ' complete' "$T/.stdout")" = 2 ] || { cat "$T/.stdout" >&2; fail "list: two complete dumps expected"; }
grep -q dmesg "$T/.stdout" && { cat "$T/.stdout" >&2; fail "list shows the log as a dump"; }
fsck_clean "$T/fs"
# a log left alone (a dump that failed at once) still takes its number
debugfs -w -R "unlink /dump.2" "$T/fs" >/dev/null 2>&1
debugfs -w -R "unlink /dump.2.info" "$T/fs" >/dev/null 2>&1
e2fsck -fy "$T/fs" >/dev/null 2>&1
expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs"
expect_err "next is /dump.3$"

note "ext4 and ext2 too; a full filesystem: the log was written first"
for t in ext4 ext2; do
	mkfs $t "$T/fs" 64M
	expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,dir=/crash"
	fs_cat "$T/fs" /crash/dump.0.dmesg "$T/fs.txt"
	cmp -s "$T/get.txt" "$T/fs.txt" || fail "$t: dump.0.dmesg differs"
	fsck_clean "$T/fs"
done
mkfs ext3 "$T/fs" 8M
expect_rc 1 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,on_full=fail"
[ "$(names "$T/fs")" = "dump.0.dmesg dump.0.incomplete dump.0.info " ] ||
	fail "names after a failed dump: $(names "$T/fs")"
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
cmp -s "$T/get.txt" "$T/fs.txt" || fail "the failed dump's log differs"
fsck_clean "$T/fs"

# no block left even for the log: one warning, nothing leaked (the dump
# then fails on its own, on_full = fail)
mkfs ext2 "$T/fs" 4M
head -c $((4000 << 10)) /dev/urandom >"$T/filler"
debugfs -w -R "write $T/filler /filler" "$T/fs" >/dev/null 2>&1
[ "$(debugfs -R stats "$T/fs" 2>/dev/null | sed -n 's/^Free blocks: *//p')" = 0 ] ||
	fail "could not fill the filesystem"
expect_rc 1 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,on_full=fail"
expect_err "warning: extfs:$T/fs: dump.0.dmesg not written \(No space left on device\); the dump goes on without it$"
fs_ls "$T/fs" | grep -qx dump.0.dmesg && fail "a dump.0.dmesg on a full filesystem"
fsck_clean "$T/fs"

note "sparse = false counts the log in the space it needs"
mkfs ext2 "$T/fs" 80M -b 4096
expect_rc 0 $ZFD -s "file:$T/k.elf" -o "extfs:device=$T/fs,sparse=false"
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
cmp -s "$T/get.txt" "$T/fs.txt" || fail "sparse = false: dump.0.dmesg differs"
fsck_clean "$T/fs"

note "the log_buf of Linux 3.5 to 5.9, wrapped; a long one keeps its end"
$KCORE --log-buf 15 "$T/plain.elf" "$T/lb.elf" || fail "kmsg_core.py --log-buf"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/lb.elf"
cp "$T/.stdout" "$T/getlb.txt"
makedumpfile --dump-dmesg "$T/lb.elf" "$T/mdflb.txt" >"$T/mdf.out" 2>&1 ||
	{ cat "$T/mdf.out" >&2; fail "makedumpfile --dump-dmesg (log_buf)"; }
diff "$T/mdflb.txt" "$T/getlb.txt" >&2 || fail "log_buf: zfcpdump-get dmesg differs from makedumpfile"
mkfs ext3 "$T/fs" 128M
expect_rc 0 $ZFD -s "file:$T/lb.elf" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: kernel log: 26 lines, "
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
cmp -s "$T/mdflb.txt" "$T/fs.txt" || fail "log_buf: dump.0.dmesg differs from makedumpfile"
# 2 MiB of log_buf, 1.4 MiB of text: the last 1 MiB is kept, whole lines
$KCORE --log-buf 21 --records 20000 "$T/plain.elf" "$T/lbb.elf" || fail "kmsg_core.py --log-buf 21"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/lbb.elf"
cp "$T/.stdout" "$T/getlbb.txt"
expect_rc 0 $ZFD -s "file:$T/lbb.elf" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: warning: kernel log: only its last [0-9]+ lines kept, [0-9]+ of $(stat -c %s "$T/getlbb.txt") bytes$"
fs_cat "$T/fs" /dump.1.dmesg "$T/fs.txt"
n=$(wc -l <"$T/fs.txt")
[ "$(stat -c %s "$T/fs.txt")" -le $((1 << 20)) ] && [ "$(stat -c %s "$T/fs.txt")" -gt $((3 << 18)) ] ||
	fail "kept $(stat -c %s "$T/fs.txt") bytes, expected 768 KiB to 1 MiB"
tail -n "$n" "$T/getlbb.txt" | cmp -s - "$T/fs.txt" || fail "the kept log is not the end of the whole, in lines"
tail -n 1 "$T/fs.txt" | grep -qF "Kernel panic - not syncing" || fail "the panic line was not kept"
fsck_clean "$T/fs"

note "format s390: an s390 image whose lowcore points to VMCOREINFO"
$MKIMAGE -o "$T/s.img" -s 16M --seed 3 --cpus 2 >/dev/null || fail "zfd-mkimage"
$KCORE --s390 "$T/s.img" "$T/k390.img" || fail "kmsg_core.py --s390"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/k390.img"
cp "$T/.stdout" "$T/get390.txt"
sed 1d "$T/get.txt" | cmp -s - <(sed 1d "$T/get390.txt") ||
	fail "the s390 log differs from the x86_64 one beyond the banner"
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD -s "file:$T/k390.img" -o "extfs:device=$T/fs"
expect_err "\(format s390\)"
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
cmp -s "$T/get390.txt" "$T/fs.txt" || fail "s390: dump.0.dmesg differs"
fsck_clean "$T/fs"

note "source zcore: the log read through zcore/mem; a memmap hole is not read"
Z=$T/root/sys/kernel/debug/zcore
mkdir -p "$Z"
$MKIMAGE -o "$T/z.img" -s 16M --seed 3 --cpus 2 --memmap "$Z/memmap" >/dev/null || fail "zfd-mkimage"
$KCORE --s390 "$T/z.img" "$Z/mem" || fail "kmsg_core.py --s390"
echo 1000000 >"$Z/hsa"
: >"$Z/reipl"
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD --root "$T/root" -s zcore -o "extfs:device=$T/fs"
expect_err "^zfcpdump: kernel log: 26 lines, "
fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
cmp -s "$T/get390.txt" "$T/fs.txt" || fail "zcore: dump.0.dmesg differs"
# the text ring (1.0625 MiB) in a hole of zcore/memmap: garbage there is
# never read, the log is not found in the dump, the dump is complete
$MKIMAGE -o "$T/z.img" -s 16M --seed 3 --cpus 2 --hole 1088K:64K \
	--memmap "$Z/memmap" >/dev/null || fail "zfd-mkimage --hole"
$KCORE --s390 "$T/z.img" "$Z/mem" || fail "kmsg_core.py --s390"
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD --root "$T/root" -s zcore -o "extfs:device=$T/fs"
expect_err "^zfcpdump: warning: kernel log: the printk text ring at kernel address 0x110000 \(32768 bytes\) is not in the dump; the dump goes on without it$"
[ "$(names "$T/fs")" = "dump.0 dump.0.info " ] || fail "names: $(names "$T/fs")"
fsck_clean "$T/fs"

note "no log: the dump is complete, no file, one line"
mkfs ext3 "$T/fs" 128M
expect_rc 0 $ZFD -s "file:$T/s.img" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: kernel log not found: the dump has no VMCOREINFO$"
[ "$(grep -c 'kernel log' "$T/.stderr")" = 1 ] || fail "more than one line about the log"
expect_rc 0 $ZFD -s "file:$T/plain.elf" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: kernel log not found: VMCOREINFO names no kernel log \(neither SYMBOL\(prb\) nor SYMBOL\(log_buf\)\)$"
[ "$(grep -c 'kernel log' "$T/.stderr")" = 1 ] || fail "more than one line about the log"
[ "$(names "$T/fs")" = "dump.0 dump.0.info dump.1 dump.1.info " ] ||
	fail "names without a log: $(names "$T/fs")"
expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.1"
fsck_clean "$T/fs"

note "a ring larger than the daemon reads: one warning, the dump goes on"
$KCORE --big "$T/plain.elf" "$T/big.elf" || fail "kmsg_core.py --big"
expect_rc 0 $ZFCPDUMP_GET dmesg "$T/big.elf"
cmp -s "$T/.stdout" "$T/get.txt" || fail "zfcpdump-get dmesg of the 4 MiB ring differs"
mkfs ext3 "$T/fs" 128M
expect_rc 0 $ZFD -s "file:$T/big.elf" -o "extfs:device=$T/fs"
expect_err "^zfcpdump: warning: kernel log: not kept, its ring buffer is larger than the 3 MiB read at most \(zfcpdump-get dmesg reads it from the dump\)$"
[ "$(names "$T/fs")" = "dump.0 dump.0.info " ] || fail "names: $(names "$T/fs")"

note "a sealed dump gets no plain-text log"
expect_rc 0 $ZFCPDUMP_GET keygen -o "$T/key"
cat >"$T/seal.conf" <<EOC
sinks = ( { type = "extfs"; device = "$T/fs"; encrypt = { recipient = "$T/key.pub"; }; } );
EOC
mkfs ext3 "$T/fs" 128M
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none -c "$T/seal.conf" -s "file:$T/k.elf"
expect_err "no dump.0.dmesg beside a sealed dump: the kernel log is part of the sealed memory$"
[ "$(names "$T/fs")" = "dump.0 dump.0.info " ] || fail "names: $(names "$T/fs")"
fsck_clean "$T/fs"

note "peak RSS with a 512 KiB ring (7006 lines) stays under 8 MiB"
# natively and uninstrumented only: under qemu-user the RSS is the
# emulator's, with ASan/TSan the sanitizer's shadow memory
if [ -z "$TEST_WRAPPER" ] && ! grep -aqE "__(asan|tsan)_init" "$ZFD_BUILD/zfcpdump"; then
	$KCORE --ring 14:19 --records 7000 "$T/plain.elf" "$T/r512.elf" || fail "kmsg_core.py --ring"
	mkfs ext3 "$T/fs" 128M
	expect_rc 0 /usr/bin/time -f "RSS %M" -o "$T/rss" $ZFD -s "file:$T/r512.elf" -o "extfs:device=$T/fs"
	expect_err "^zfcpdump: kernel log: 7006 lines, "
	rss=$(sed -n 's/^RSS //p' "$T/rss")
	note "peak RSS $rss KiB"
	[ "$rss" -lt 8192 ] || fail "peak RSS $rss KiB, more than 8 MiB"
	expect_rc 0 $ZFCPDUMP_GET dmesg "$T/r512.elf"
	fs_cat "$T/fs" /dump.0.dmesg "$T/fs.txt"
	cmp -s "$T/.stdout" "$T/fs.txt" || fail "the 512 KiB ring's log differs"
	# the bounds' worst case: 2 MiB of log_buf read, 1 MiB of text kept
	expect_rc 0 /usr/bin/time -f "RSS %M" -o "$T/rss" $ZFD -s "file:$T/lbb.elf" -o "extfs:device=$T/fs"
	rss=$(sed -n 's/^RSS //p' "$T/rss")
	note "peak RSS $rss KiB with 2 MiB of log_buf and 1 MiB of text kept"
	[ "$rss" -lt 8192 ] || fail "peak RSS $rss KiB, more than 8 MiB"
else
	note "(RSS measured only natively, without sanitizers)"
fi
exit 0
