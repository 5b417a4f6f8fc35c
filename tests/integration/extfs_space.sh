#!/bin/bash
# extfs sink: room for new dumps. on_full = delete-oldest (before the dump
# and on ENOSPC in the middle of it), fail, ask (answered y, n, or not at
# all through stdin), and keep = K rotation. Old dumps are never harmed by a
# failed dump; the filesystem is clean after every scenario.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

# 20 MiB, no zero pages (a sparse dump needs all of it).
$MKIMAGE -o "$T/img" -s 20M --seed 21 --mix 0,50,50 >/dev/null || fail "zfd-mkimage"
names() { fs_ls "$T/fs" | tr '\n' ' '; }
dump() { $FEED "$@"; }

# An ext3 of 64 MiB holds two such dumps, not three.
fill() {
	mkfs ext3 "$T/fs" 64M
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
	[ "$(names)" = "dump.0 dump.0.info dump.1 dump.1.info " ] || fail "setup: $(names)"
}

note "delete-oldest before the dump (sparse = false: size known)"
fill
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; sparse = false;"
expect_err "removed dump.0 \([0-9]+ MiB\) to make room"
[ "$(names)" = "dump.1 dump.1.info dump.2 dump.2.info " ] || fail "names: $(names)"
check_dump "$T/fs" /dump.1 "$T/img"
check_dump "$T/fs" /dump.2 "$T/img"
fsck_clean "$T/fs"

note "delete-oldest on ENOSPC in the middle of the dump (sparse)"
fill
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
expect_err "full after [0-9]+ MiB of the dump"
expect_err "removed dump.0 "
[ "$(names)" = "dump.1 dump.1.info dump.2 dump.2.info " ] || fail "names: $(names)"
check_dump "$T/fs" /dump.2 "$T/img"
fsck_clean "$T/fs"

note "fail before the dump: nothing written, old dumps intact"
fill
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; sparse = false; on_full = \"fail\";"
expect_err "the dump needs [0-9]+ MiB, only [0-9]+ MiB free \(on_full = fail\)"
[ "$(names)" = "dump.0 dump.0.info dump.1 dump.1.info " ] || fail "names: $(names)"
fsck_clean "$T/fs"

note "fail on ENOSPC in the middle: dump.2.incomplete, old dumps intact"
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; on_full = \"fail\";"
expect_err "not enough space to continue the dump \(on_full = fail\)"
[ "$(names)" = "dump.0 dump.0.info dump.1 dump.1.info dump.2.incomplete dump.2.info " ] ||
	fail "names: $(names)"
fs_get "$T/fs" /dump.2.info "$T/info"
[ "$(manifest_get "$T/info" status)" = incomplete ] || fail "status"
check_dump "$T/fs" /dump.0 "$T/img"
check_dump "$T/fs" /dump.1 "$T/img"
fsck_clean "$T/fs"

note "ask, answered y"
fill
echo y >"$T/answer"
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; on_full = \"ask\";" <"$T/answer"
expect_err "^Remove oldest dump 'dump.0' \(y/n\)\?$"
[ "$(names)" = "dump.1 dump.1.info dump.2 dump.2.info " ] || fail "names: $(names)"
fsck_clean "$T/fs"

note "ask, answered n: the dump fails, nothing is removed"
echo n >"$T/answer"
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; on_full = \"ask\"; sparse = false;" <"$T/answer"
expect_err "^Remove oldest dump 'dump.1' \(y/n\)\?$"
expect_err "removing 'dump.1' declined"
[ "$(names)" = "dump.1 dump.1.info dump.2 dump.2.info " ] || fail "names: $(names)"
check_dump "$T/fs" /dump.1 "$T/img"
fsck_clean "$T/fs"

note "ask, no answer: counts as yes"
expect_rc 0 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\"; on_full = \"ask\"; ask_timeout = 1;" </dev/null
expect_err "no answer within 1 seconds: removing 'dump.1'"
[ "$(names)" = "dump.2 dump.2.info dump.3 dump.3.info " ] || fail "names: $(names)"
fsck_clean "$T/fs"

note "nothing left to delete"
mkfs ext3 "$T/fs" 16M
expect_rc 1 $FEED "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
expect_err "not enough space \([0-9]+ MiB more needed\) and no old dump left to remove"
fsck_clean "$T/fs"

note "keep = 2"
$MKIMAGE -o "$T/small" -s 2M --seed 2 >/dev/null || fail "zfd-mkimage"
mkfs ext4 "$T/fs" 64M
for i in 0 1 2 3; do
	expect_rc 0 $FEED "$T/small" "device = \"$T/fs\"; fsck = \"no\"; keep = 2;"
done
expect_err "removed dump.1 \([0-9]+ MiB\) \(keep\)"
[ "$(names)" = "dump.2 dump.2.info dump.3 dump.3.info " ] || fail "names: $(names)"
check_dump "$T/fs" /dump.3 "$T/small"
fsck_clean "$T/fs"
exit 0
