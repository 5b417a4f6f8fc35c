#!/bin/bash
# extfs sink: a dump killed at any point leaves dump.N.incomplete (never a
# dump.N), and a filesystem that e2fsck -p repairs without questions; the
# next dump (fsck = auto) runs e2fsck itself and succeeds.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

# Large enough to cross the sink's 256 MiB commit interval.
$MKIMAGE -o "$T/img" -s 300M --seed 5 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/small" -s 4M --seed 6 >/dev/null || fail "zfd-mkimage"

for t in ext3 ext4; do
	for at in 0 3M 255M 257M 299M; do
		note "$t killed after $at"
		mkfs "$t" "$T/fs" 400M
		# an older complete dump that must survive
		expect_rc 0 $FEED "$T/small" "device = \"$T/fs\"; fsck = \"no\";"
		expect_rc 137 $FEED --kill-after "$at" "$T/img" \
			"device = \"$T/fs\"; fsck = \"no\";"
		[ "$(fs_ls "$T/fs" | tr '\n' ' ')" = "dump.0 dump.0.info dump.1.incomplete " ] ||
			fail "unexpected names: $(fs_ls "$T/fs" | tr '\n' ' ')"
		# Whatever was committed is good data.
		fs_get "$T/fs" /dump.1.incomplete "$T/part"
		size=$(stat -c %s "$T/part")
		[ "$size" -ge 4096 ] || fail "partial dump lost its header"
		same_bytes "$T/part" 0 "$T/img" 0 "$size"
		# past the first commit, the first 256 MiB are kept
		[ "$at" != 257M ] || [ "$size" -ge $((256 << 20)) ] ||
			fail "only $size bytes kept after the first commit"
		# Marked "not clean", so that e2fsck -p really checks; -p needs
		# no answers (exit 0 or 1) and leaves it clean.
		rc=0
		e2fsck -p "$T/fs" >"$T/p.out" 2>&1 || rc=$?
		[ $rc -le 1 ] || { cat "$T/p.out" >&2; fail "e2fsck -p exit $rc"; }
		fsck_clean "$T/fs"
		check_dump "$T/fs" /dump.0 "$T/small"
		# With fsck = no the next dump refuses a not clean filesystem;
		# here it is clean again, so fsck = auto just works.
		expect_rc 0 $FEED "$T/small" "device = \"$T/fs\"; fsck = \"auto\";"
		expect_err "running .*e2fsck -p"
		check_dump "$T/fs" /dump.2 "$T/small"
		fsck_clean "$T/fs"
	done
done

note "a slow dump is committed every 5 s: killed after 7 s, 5 MiB or more are kept"
$MKIMAGE -o "$T/slow" -s 8M --seed 7 --mix 0,50,50 >/dev/null || fail "zfd-mkimage"
for t in ext3 ext4; do
	mkfs "$t" "$T/fs" 64M
	expect_rc 137 $FEED --delay-ms 1000 --kill-after 7M "$T/slow" \
		"device = \"$T/fs\"; fsck = \"no\";"
	fs_get "$T/fs" /dump.0.incomplete "$T/part"
	size=$(stat -c %s "$T/part")
	[ "$size" -ge $((4096 + (5 << 20))) ] ||
		fail "$t: only $size bytes committed after 7 s of a slow dump"
	same_bytes "$T/part" 0 "$T/slow" 0 "$size"
	rc=0
	e2fsck -p "$T/fs" >"$T/p.out" 2>&1 || rc=$?
	[ $rc -le 1 ] || { cat "$T/p.out" >&2; fail "e2fsck -p exit $rc"; }
	fsck_clean "$T/fs"
done

note "not clean + fsck = no is refused; fsck = auto repairs and dumps"
mkfs ext3 "$T/fs" 400M
expect_rc 137 $FEED --kill-after 100M "$T/img" "device = \"$T/fs\"; fsck = \"no\";"
expect_rc 1 $FEED "$T/small" "device = \"$T/fs\"; fsck = \"no\";"
expect_err "filesystem is not clean; run e2fsck or set fsck"
expect_rc 0 $FEED "$T/small" "device = \"$T/fs\"; fsck = \"auto\";"
expect_err "e2fsck -p .*: (no errors|errors corrected) \(exit [01]\)"
check_dump "$T/fs" /dump.1 "$T/small"
fsck_clean "$T/fs"
exit 0
