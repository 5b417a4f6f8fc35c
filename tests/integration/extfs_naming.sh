#!/bin/bash
# extfs sink: dump numbering (highest + 1; leading zeros, signs and junk are
# not dumps), the directory, and rename-on-complete.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

$MKIMAGE -o "$T/img" -s 4M --seed 11 >/dev/null || fail "zfd-mkimage"

note "numbering among junk"
mkfs ext3 "$T/fs" 32M
for n in dump.0 dump.1 dump.07 dump.-1 dump.+5 dump.1x dump. dump.9.old \
	 xdump.8 dump.99999999999999999999 junk; do
	fs_put "$T/fs" "/$n"
done
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
fs_ls "$T/fs" | grep -qx dump.2 || fail "new dump is not dump.2: $(fs_ls "$T/fs" | tr '\n' ' ')"
check_dump "$T/fs" /dump.2 "$T/img"
# The non-dumps are untouched.
for n in dump.07 dump.-1 dump.+5 dump.1x junk; do
	fs_ls "$T/fs" | grep -qx -- "$n" || fail "$n vanished"
done
fsck_clean "$T/fs"

note "names of directories and links count, but are never removed"
mkfs ext3 "$T/fs" 32M
debugfs -w -R "mkdir /dump.0" "$T/fs" >/dev/null 2>&1
fs_put "$T/fs" /dump.0/inside
debugfs -w -R "symlink /dump.1 /dump.0/inside" "$T/fs" >/dev/null 2>&1
for i in 1 2 3; do
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; keep = 1;"
done
[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0 dump.1 dump.4 dump.4.info " ] ||
	fail "unexpected names: $(fs_ls "$T/fs" | tr '\n' ' ')"
fs_ls "$T/fs" /dump.0 | grep -qx inside || fail "dump.0/inside vanished"
fsck_clean "$T/fs"

note "a leftover dump.N.incomplete or dump.N.info counts"
fs_put "$T/fs" /dump.6.incomplete
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
check_dump "$T/fs" /dump.7 "$T/img"
fs_put "$T/fs" /dump.12.info
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
check_dump "$T/fs" /dump.13 "$T/img"
fsck_clean "$T/fs"

note "dir, created when missing"
mkfs ext4 "$T/fs" 32M
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; dir = \"/var/dumps/\"; fsck = \"no\";"
expect_err "created directory /var/dumps"
check_dump "$T/fs" /var/dumps/dump.0 "$T/img"
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; dir = \"var/dumps\"; fsck = \"no\";"
check_dump "$T/fs" /var/dumps/dump.1 "$T/img"
[ "$(fs_ls "$T/fs" /var/dumps | tr '\n' ' ')" = "dump.0 dump.0.info dump.1 dump.1.info " ] ||
	fail "unexpected names: $(fs_ls "$T/fs" /var/dumps | tr '\n' ' ')"
fsck_clean "$T/fs"
fs_put "$T/fs" /afile
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; dir = \"/afile\"; fsck = \"no\";"
expect_err "'/afile' is not a directory"

note "a failed dump stays dump.N.incomplete, with a manifest saying so"
mkfs ext3 "$T/fs" 32M
expect_rc 1 $FEED --fail-after 2M "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0.incomplete dump.0.info " ] ||
	fail "unexpected names: $(fs_ls "$T/fs" | tr '\n' ' ')"
fs_get "$T/fs" /dump.0.info "$T/info"
[ "$(manifest_get "$T/info" status)" = incomplete ] || fail "status not incomplete"
[ "$(manifest_get "$T/info" dumped_bytes)" = $((2 << 20)) ] || fail "dumped_bytes"
fs_get "$T/fs" /dump.0.incomplete "$T/part"
[ "$(stat -c %s "$T/part")" = $((4096 + (2 << 20))) ] || fail "partial size $(stat -c %s "$T/part")"
same_bytes "$T/part" 0 "$T/img" 0 $((4096 + (2 << 20)))
fsck_clean "$T/fs"
# ... and the next dump gets the next number.
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
check_dump "$T/fs" /dump.1 "$T/img"
fsck_clean "$T/fs"

note "a failed ELF dump describes only the memory it holds (the daemon's elf format)"
mkfs ext4 "$T/fs" 32M
# the source ends after 2 MiB of memory
head -c $((4096 + (2 << 20))) "$T/img" >"$T/short"
expect_rc 1 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none -s "file:$T/short" \
	-o "extfs:device=$T/fs,fsck=no,format=elf"
expect_err "incomplete dump left as /dump.0.incomplete \(source ended after 2097152 of"
[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0.incomplete dump.0.info " ] ||
	fail "unexpected names: $(fs_ls "$T/fs" | tr '\n' ' ')"
fs_get "$T/fs" /dump.0.incomplete "$T/core"
loads=$(readelf -lW "$T/core" | awk '$1 == "LOAD" { print $5 }')
[ "$loads" = 0x200000 ] || fail "PT_LOAD file sizes: $loads, expected 0x200000"
off=$(readelf -lW "$T/core" | awk '$1 == "LOAD" { print $2 }')
same_bytes "$T/core" $((off)) "$T/img" 4096 $((2 << 20))
fsck_clean "$T/fs"
exit 0
