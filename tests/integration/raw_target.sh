#!/bin/bash
# What the raw sink may overwrite and how it leaves the target (issue 12):
# #16 a filesystem (here an ext3 with a dump in it) is refused unless
#     force = true; our own older dump is overwritten, and
# #17 the sink says which older dump it replaces;
# #18 an image file ends up mode 0640 or stricter;
# #24 /dev/... and LABEL= specs are looked up below --root, as in extfs.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

MEM=$((4 << 20))
IMG=$T/src.img
$MKIMAGE -o "$IMG" -s 4M || fail mkimage
part=$T/part
SIZE=$((16 << 20))

note "#16: an ext3 filesystem holding a dump is refused, byte for byte unchanged"
mke2fs -q -F -t ext3 "$part" 16M >/dev/null 2>&1 || fail mke2fs
expect_rc 0 zfd_raw -s "file:$IMG" -o "extfs:device=$part,fsck=no"
cp "$part" "$T/before"
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part holds data \(ext3 filesystem\); refusing to overwrite it without force = true"
cmp -s "$part" "$T/before" || fail "filesystem modified"
expect_rc 0 $ZFCPDUMP_GET verify "$part:dump.0"
# also with -n (the dry run names the problem, too)
expect_rc 1 zfd_raw -n -s "file:$IMG" -o "raw:device=$part"
expect_err "holds data \(ext3 filesystem\)"

note "#16: ... and overwritten with force = true, with a warning"
expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$part,force=true"
expect_err "device $part holds data \(ext3 filesystem\); overwriting it \(force = true\)"
same_bytes "$part" 0 "$IMG" 0 $((4096 + MEM))
expect_rc 0 $ZFCPDUMP_GET verify "$part"

note "#16/#17: our own dump is overwritten without force, and the line says so"
expect_rc 0 zfd_raw -v -s "file:$IMG" -o "raw:device=$part"
expect_err "overwriting complete dump of [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z on $part"
! grep -q "holds data" "$T/.stderr" || fail "own dump called foreign data"

note "#17: an incomplete older dump is named as such"
printf 'XXXXXXXX' | dd of="$part" bs=1 seek=$((4096 + MEM)) conv=notrunc status=none
expect_rc 0 zfd_raw -v -s "file:$IMG" -o "raw:device=$part"
expect_err "overwriting incomplete dump of .* on $part"

note "#16: swap and a partition table are refused, too"
rm -f "$part"; truncate -s $SIZE "$part"
mkswap "$part" >/dev/null 2>&1 || fail mkswap
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part holds data \(swap signature\)"
rm -f "$part"; truncate -s $SIZE "$part"
# an MBR with one Linux partition at sector 2048 (what sfdisk would write)
printf '\0\0\0\0\203\0\0\0\0\10\0\0\0\10\0\0' |
	dd of="$part" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$part" bs=1 seek=510 conv=notrunc status=none
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part holds data \(dos partition table\)"

note "#18: an image file with mode 0644 (or 0666) becomes 0640 (0600 stays)"
for m in 644:640 666:640 600:600 604:600; do
	rm -f "$part"; truncate -s $SIZE "$part"
	chmod "${m%:*}" "$part"
	expect_rc 0 zfd_raw -s "file:$IMG" -o "raw:device=$part"
	[ "$(stat -c %a "$part")" = "${m#*:}" ] ||
		fail "mode ${m%:*} became $(stat -c %a "$part"), expected ${m#*:}"
done

note "#24: /dev/... and LABEL= below --root (raw used to ignore --root)"
mkdir -p "$T/root/dev" "$T/root/proc"
: >"$T/root/proc/mounts"
truncate -s $SIZE "$T/root/dev/sdz2"
expect_rc 0 zfd_raw --root "$T/root" -s "file:$IMG" -o "raw:device=/dev/sdz2"
same_bytes "$T/root/dev/sdz2" 0 "$IMG" 0 $((4096 + MEM))
mke2fs -q -F -L ZFDRAW "$T/root/dev/sdz3" 16M >/dev/null 2>&1 || fail mke2fs
expect_rc 0 zfd_raw --root "$T/root" -s "file:$IMG" -o "raw:device=LABEL=ZFDRAW,force=true"
expect_err "LABEL=ZFDRAW \($T/root/dev/sdz3\) holds data \(ext2 filesystem\); overwriting it"
same_bytes "$T/root/dev/sdz3" 0 "$IMG" 0 $((4096 + MEM))
# a mount listed under --root with the path as seen inside it
echo "/dev/sdz2 /var/crash ext4 rw 0 0" >"$T/root/proc/mounts"
expect_rc 1 zfd_raw --root "$T/root" -s "file:$IMG" -o "raw:device=/dev/sdz2"
expect_err "device /dev/sdz2 \($T/root/dev/sdz2\) is mounted on /var/crash"

note "etc/examples/raw.conf: parses, and its device is found below --root"
mkdir -p "$T/root/dev/disk/by-partlabel"
truncate -s $SIZE "$T/root/dev/disk/by-partlabel/zfcpdump"
: >"$T/root/proc/mounts"
expect_rc 0 zfd_raw --root "$T/root" -n -c "$ZFD_SRC/etc/examples/raw.conf" -s "file:$IMG"
expect_rc 0 zfd_raw --root "$T/root" -c "$ZFD_SRC/etc/examples/raw.conf" -s "file:$IMG"
same_bytes "$T/root/dev/disk/by-partlabel/zfcpdump" 0 "$IMG" 0 $((4096 + MEM))
exit 0
