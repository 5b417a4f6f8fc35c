#!/bin/bash
# extfs sink, hostile cases of issue 12: readable libext2fs messages (13),
# the dump-number overflow (10), immutable dumps under rotation (14), a
# block bitmap that lost an older dump's and the journal's blocks on a
# filesystem marked clean (9).
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

$MKIMAGE -o "$T/img" -s 4M --seed 12 >/dev/null || fail "zfd-mkimage"

note "13: libext2fs errors in words, not 'Unknown code ext2 19'"
truncate -s 8M "$T/notfs"
expect_rc 1 $FEED "$T/img" "device = \"$T/notfs\"; fsck = \"no\";"
expect_err "^extfs: $T/notfs: not an ext2/ext3/ext4 filesystem we can use: Bad magic number in super-block$"
grep -q "Unknown code" "$T/.stderr" && fail "unreadable libext2fs message"

note "10: dump.9999999999999999999 exists: refused in one line, nothing added"
mkfs ext3 "$T/fs" 32M
fs_put "$T/fs" /dump.9999999999999999999
fs_put "$T/fs" /dump.3
for i in 1 2; do
	expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	expect_err "^extfs: $T/fs: no dump number left after dump.9999999999999999999 in /; rename or remove it$"
	[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "more than one line"; }
done
[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.3 dump.9999999999999999999 " ] ||
	fail "names changed: $(fs_ls "$T/fs" | tr '\n' ' ')"
fsck_clean "$T/fs"
# The highest number below the limit still works; the 20-digit name is no dump.
mkfs ext3 "$T/fs" 32M
fs_put "$T/fs" /dump.9999999999999999998
fs_put "$T/fs" /dump.10000000000000000000
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
check_dump "$T/fs" /dump.9999999999999999999 "$T/img"
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
expect_err "no dump number left after dump.9999999999999999999"
[ "$(fs_ls "$T/fs" | grep -c '^dump\.')" = 4 ] || fail "names: $(fs_ls "$T/fs" | tr '\n' ' ')"
fsck_clean "$T/fs"

note "14: keep skips an immutable dump and says so"
mkfs ext3 "$T/fs" 48M
for i in 0 1; do
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
done
debugfs -w -R "set_inode_field /dump.0 flags 0x10" "$T/fs" >/dev/null 2>&1 ||
	fail "debugfs set_inode_field"
fs_get "$T/fs" /dump.0 "$T/d0"
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; keep = 1;"
expect_err "^extfs: keeping dump.0: it is immutable or append-only \(not counted for keep\)$"
expect_err "removed dump.1 "
[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0 dump.0.info dump.2 dump.2.info " ] ||
	fail "unexpected names: $(fs_ls "$T/fs" | tr '\n' ' ')"
fs_get "$T/fs" /dump.0 "$T/d0.after"
cmp -s "$T/d0" "$T/d0.after" || fail "immutable dump.0 changed"
check_dump "$T/fs" /dump.2 "$T/img"
fsck_clean "$T/fs"
# ... and on a full filesystem it is not removed to make room either.
mkfs ext3 "$T/fs" 24M
$MKIMAGE -o "$T/big" -s 8M --seed 13 --mix 0,0,100 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/big2" -s 16M --seed 14 --mix 0,0,100 >/dev/null || fail "zfd-mkimage"
expect_rc 0 $FEED "$T/big" "device = \"$T/fs\"; fsck = \"no\"; sparse = false;"
debugfs -w -R "set_inode_field /dump.0 flags 0x10" "$T/fs" >/dev/null 2>&1
# 16 MiB fit only without dump.0 (8 MiB of 21)
expect_rc 1 $FEED "$T/big2" "device = \"$T/fs\"; fsck = \"no\"; sparse = false;"
expect_err "keeping dump.0: it is immutable or append-only \(not removed to make room\)"
fs_ls "$T/fs" | grep -qx dump.0 || fail "immutable dump.0 removed"
check_dump "$T/fs" /dump.0 "$T/big"

note "9: bitmap bits of an older dump and of the journal cleared, fs marked clean"
$MKIMAGE -o "$T/img8" -s 8M --seed 9 --mix 10,40,50 >/dev/null || fail "zfd-mkimage"
for t in ext3 ext4; do
	mkfs $t "$T/fs" 40M
	expect_rc 0 $FEED "$T/img8" "device = \"$T/fs\"; fsck = \"no\";"
	expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.0"
	{ debugfs -R "blocks /dump.0" "$T/fs"; debugfs -R "blocks <8>" "$T/fs"; } 2>/dev/null |
		tr ' ' '\n' | grep . | sed 's/^/freeb /' >"$T/freeb"
	[ "$(wc -l <"$T/freeb")" -gt 2048 ] || fail "too few blocks to free"
	debugfs -w -f "$T/freeb" "$T/fs" >/dev/null 2>&1 || fail "debugfs freeb"
	e2fsck -n "$T/fs" >/dev/null 2>&1 || fail "$t: e2fsck -n should believe the clean flag"
	cp "$T/fs" "$T/fs.bad"
	# fsck = no: refused in one line, nothing written
	expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	expect_err "^extfs: $T/fs: filesystem is inconsistent: [0-9]+ blocks in use marked free \(first [0-9]+\); not writing to it \(run e2fsck -f or set fsck = \"auto\"\)$"
	cmp -s "$T/fs" "$T/fs.bad" || fail "$t: refused, but the filesystem changed"
	# fsck = auto: e2fsck -f repairs the bitmap first; dump.0 survives
	expect_rc 0 $FEED "$T/img8" "device = \"$T/fs\"; fsck = \"auto\";"
	expect_err "^extfs: $T/fs: filesystem is inconsistent although marked clean: [0-9]+ blocks in use marked free \(first [0-9]+\); running e2fsck -f$"
	expect_err "e2fsck -fp $T/fs: errors corrected"
	expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.0"
	expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.1"
	check_dump "$T/fs" /dump.0 "$T/img8"
	fsck_clean "$T/fs"

	# the inode bitmap lost dump.0's inode: its number must not be reused
	mkfs $t "$T/fs" 40M
	expect_rc 0 $FEED "$T/img8" "device = \"$T/fs\"; fsck = \"no\";"
	debugfs -w -R "freei /dump.0" "$T/fs" >/dev/null 2>&1 || fail "debugfs freei"
	expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	expect_err "^extfs: $T/fs: filesystem is inconsistent: 1 inodes in use marked free \(first 12\); not writing to it"
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"auto\";"
	expect_err "inconsistent although marked clean: 1 inodes in use marked free"
	expect_rc 0 $ZFCPDUMP_GET verify "$T/fs:dump.0"
	check_dump "$T/fs" /dump.1 "$T/img"
	fsck_clean "$T/fs"
done
exit 0
