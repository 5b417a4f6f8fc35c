#!/bin/bash
# extfs sink under the real daemon: -o and config, the classic kernel
# command line (dump_part, dump_dir, dump_mode), UUID=/LABEL= resolution,
# mounted-device refusal, e2fsck handling, format = elf read back with
# readelf/eu-readelf, ask through stdin, and a daemon killed mid-dump.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"
$MKIMAGE -o "$T/img" -s 16M --seed 9 --cpus 3 >/dev/null || fail "zfd-mkimage"
names() { fs_ls "$T/fs" "${1:-/}" | tr '\n' ' '; }

note "-o extfs:..."
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs,fsck=no"
check_dump "$T/fs" /dump.0 "$T/img"
fsck_clean "$T/fs"
# zfcpdump-get finds and verifies it inside the unmounted filesystem
expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.0"
expect_out "complete, $((16 << 20)) memory bytes, digest ok"

note "unknown key and bad values name the place"
expect_rc 2 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs,colour=red"
expect_err "-o extfs: unknown key 'colour' for sink type 'extfs'"
cat >"$T/bad.conf" <<EOC
sinks = (
  { type = "extfs";
    device = "$T/fs";
    on_full = "panic"; }
);
EOC
expect_rc 2 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none -c "$T/bad.conf" -s "file:$T/img"
expect_err "bad.conf:4: 'on_full' must be one of delete-oldest, ask, fail, not 'panic'"
expect_rc 2 $ZFD -s "file:$T/img" -o "extfs:dir=/x"
expect_err "-o extfs: sink type 'extfs' needs a 'device'"

note "kernel command line: dump_part, dump_dir, dump_mode (with --root)"
mkdir -p "$T/root/dev" "$T/root/proc"
mkfs ext4 "$T/fs" 64M
ln -sf "$T/fs" "$T/root/dev/sda1"
cat >"$T/c.conf" <<EOC
sinks = ( { type = "extfs"; device = "/dev/sdz7"; fsck = "no"; } );
EOC
echo "BOOT_IMAGE=x dump_part=1 dump_dir=/crash dump_mode=auto" >"$T/cmdline"
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" --cmdline "$T/cmdline" \
	-c "$T/c.conf" -s "file:$T/img"
check_dump "$T/fs" /crash/dump.0 "$T/img"
fsck_clean "$T/fs"

note "LABEL= and UUID= resolved by probing ROOT/dev (libblkid)"
uuid=6b1f0c2e-93a4-4c5e-8d21-0f0e5d4c3b2a
mkfs ext3 "$T/fs2" 64M -L ZFDTEST -U "$uuid"
ln -sf "$T/fs2" "$T/root/dev/sdb1"
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" --cmdline none \
	-s "file:$T/img" -o "extfs:device=LABEL=ZFDTEST,fsck=no"
check_dump "$T/fs2" /dump.0 "$T/img"
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" --cmdline none \
	-s "file:$T/img" -o "extfs:device=UUID=$uuid,fsck=no"
check_dump "$T/fs2" /dump.1 "$T/img"
fsck_clean "$T/fs2"
expect_rc 1 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" --cmdline none \
	-s "file:$T/img" -o "extfs:device=LABEL=NOSUCH"
expect_err "no device with LABEL=NOSUCH found in $T/root/dev"
# The real libblkid cache knows no such label either.
expect_rc 1 $ZFD -s "file:$T/img" -o "extfs:device=LABEL=ZFD-NO-SUCH-LABEL"
expect_err "no device with LABEL=ZFD-NO-SUCH-LABEL found \(libblkid\)"

note "a mounted device is refused (ROOT/proc/mounts)"
echo "/dev/sdb1 /mnt/dumps ext3 rw,relatime 0 0" >"$T/root/proc/mounts"
expect_rc 1 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --root "$T/root" --cmdline none \
	-s "file:$T/img" -o "extfs:device=LABEL=ZFDTEST"
expect_err "is mounted on /mnt/dumps; refusing to write to a mounted filesystem"
[ "$(fs_ls "$T/fs2" | tr '\n' ' ')" = "dump.0 dump.0.info dump.1 dump.1.info " ] ||
	fail "a mounted filesystem was written to"
: >"$T/root/proc/mounts"

note "e2fsck: -p, then -y for what -p may not fix; exit codes in words"
mkfs ext3 "$T/fs" 64M
fs_put "$T/fs" /junk
debugfs -w -R "set_inode_field /junk block[2] 0x7fffffff" "$T/fs" >/dev/null 2>&1
debugfs -w -R "ssv state 0" "$T/fs" >/dev/null 2>&1
expect_rc 0 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs"
expect_err "e2fsck -p $T/fs: errors left uncorrected \(exit 4\); retrying with -y"
expect_err "e2fsck -y $T/fs: errors corrected \(exit 1\)"
check_dump "$T/fs" /dump.0 "$T/img"
fsck_clean "$T/fs"
expect_rc 1 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs,e2fsck=/nonexistent/e2fsck"
expect_err "e2fsck '/nonexistent/e2fsck': No such file or directory"

note "a journal that needs recovery: refused with fsck = no, replayed by e2fsck"
mkfs ext3 "$T/fs" 64M
debugfs -w -R "feature needs_recovery" "$T/fs" >/dev/null 2>&1
expect_rc 1 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs,fsck=no"
expect_err "the journal needs recovery; run e2fsck or set fsck = \"auto\""
expect_rc 0 $ZFD -s "file:$T/img" -o "extfs:device=$T/fs"
check_dump "$T/fs" /dump.0 "$T/img"
fsck_clean "$T/fs"

note "format = elf with a memory hole: readelf and eu-readelf read it back"
$MKIMAGE -o "$T/h" -s 32M --seed 4 --cpus 3 --hole 8M:4M --memmap "$T/h.map" >/dev/null ||
	fail "zfd-mkimage"
mkfs ext4 "$T/fs" 64M
expect_rc 0 $ZFD -s "file:$T/h,memmap=$T/h.map" -o "extfs:device=$T/fs,format=elf,fsck=no"
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.0 "$T/core"
fs_get "$T/fs" /dump.0.info "$T/core.info"
[ "$(manifest_get "$T/core.info" format)" = elf ] || fail "manifest format"
readelf -hW "$T/core" >"$T/eh" || fail "readelf -h"
grep -q "big endian" "$T/eh" && grep -q "CORE (Core file)" "$T/eh" &&
	grep -q "IBM S/390" "$T/eh" || { cat "$T/eh"; fail "ELF header"; }
readelf -lW "$T/core" | awk '$1 == "LOAD" { print $2, $4, $5, $6 }' >"$T/loads"
[ "$(wc -l <"$T/loads")" = 2 ] || { cat "$T/loads"; fail "expected 2 PT_LOADs"; }
read -r off1 pa1 fs1 ms1 < <(sed -n 1p "$T/loads")
read -r off2 pa2 fs2 ms2 < <(sed -n 2p "$T/loads")
[ $((pa1)) = 0 ] && [ $((fs1)) = $((8 << 20)) ] && [ $((ms1)) = $((8 << 20)) ] &&
	[ $((pa2)) = $((12 << 20)) ] && [ $((fs2)) = $((20 << 20)) ] ||
	{ cat "$T/loads"; fail "PT_LOADs do not match the memory chunks"; }
same_bytes "$T/core" $((off1)) "$T/h" 4096 $((8 << 20))
same_bytes "$T/core" $((off2)) "$T/h" $((4096 + (12 << 20))) $((20 << 20))
eu-readelf -n "$T/core" >"$T/notes" || fail "eu-readelf -n"
[ "$(grep -c 'CORE .* PRSTATUS' "$T/notes")" = 3 ] || { cat "$T/notes"; fail "NT_PRSTATUS per CPU"; }
for c in 0 1 2; do
	# planted by zfd-mkimage: psw address 0x100000 + c*0x100, gpr r = 0x47505200...c<<8|r
	grep -q "pswa:   0x$(printf %016x $((0x100000 + c * 0x100)))" "$T/notes" ||
		fail "CPU $c: PSW address"
	grep -Eq "r5: +$(printf %u $((0x4750520000000000 | c << 8 | 5)))" "$T/notes" ||
		fail "CPU $c: gpr 5"
done

note "ask on the console (dump_mode=interactive), answered through stdin"
$MKIMAGE -o "$T/full" -s 20M --seed 21 --mix 0,50,50 >/dev/null || fail "zfd-mkimage"
mkfs ext3 "$T/fs" 64M
expect_rc 0 $ZFD -s "file:$T/full" -o "extfs:device=$T/fs,fsck=no"
expect_rc 0 $ZFD -s "file:$T/full" -o "extfs:device=$T/fs,fsck=no"
echo "BOOT_IMAGE=x dump_mode=interactive" >"$T/cmdline"
cat >"$T/c.conf" <<EOC
sinks = ( { type = "extfs"; device = "$T/fs"; fsck = "no"; } );
EOC
echo y >"$T/answer"
expect_rc 0 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline "$T/cmdline" \
	-c "$T/c.conf" -s "file:$T/full" <"$T/answer"
expect_out "Remove oldest dump 'dump.0' \(y/n\)\?"
[ "$(names)" = "dump.1 dump.1.info dump.2 dump.2.info " ] || fail "names: $(names)"
echo n >"$T/answer"
expect_rc 1 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline "$T/cmdline" \
	-c "$T/c.conf" -s "file:$T/full" <"$T/answer"
expect_out "Remove oldest dump 'dump.1' \(y/n\)\?"
expect_err "removing 'dump.1' declined"
[ "$(grep -o 'Remove oldest' "$T/.stdout" | wc -l)" = 1 ] || fail "asked again after no"
check_dump "$T/fs" /dump.1 "$T/full"
check_dump "$T/fs" /dump.2 "$T/full"
fsck_clean "$T/fs"

note "the daemon killed in the middle of a dump"
$MKIMAGE -o "$T/big" -s 512M --seed 1 >/dev/null || fail "zfd-mkimage"
mkfs ext3 "$T/fs" 700M
$ZFD -s "file:$T/big" -o "extfs:device=$T/fs,fsck=no,sparse=false" >"$T/kill.out" 2>&1 &
pid=$!
for i in $(seq 1 600); do
	fs_ls "$T/fs" | grep -qx dump.0.incomplete && break
	sleep 0.05
done
sleep 0.05
kill -KILL "$pid" 2>/dev/null || fail "the dump ended before it could be killed"
wait "$pid" 2>/dev/null || true
[ "$(names)" = "dump.0.incomplete " ] || fail "names after kill: $(names)"
rc=0
e2fsck -p "$T/fs" >"$T/p.out" 2>&1 || rc=$?
[ $rc -le 1 ] || { cat "$T/p.out" >&2; fail "e2fsck -p exit $rc"; }
fsck_clean "$T/fs"
fs_get "$T/fs" /dump.0.incomplete "$T/part"
same_bytes "$T/part" 0 "$T/big" 0 "$(stat -c %s "$T/part")"
# never taken for a complete dump
rc=0
$ZFCPDUMP_GET verify "$T/fs:dump.0.incomplete" >/dev/null 2>&1 || rc=$?
[ $rc != 0 ] || fail "zfcpdump-get verify accepts an interrupted dump"
exit 0
