#!/bin/bash
# Issue 12 #7: two zfcpdump runs onto the same image file (raw or extfs)
# used to both exit 0 and corrupt each other. Every target is now locked
# (flock, src/lib/device.c) for the whole pass: a second writer is refused
# with one line and writes nothing; the first one's dump stays intact.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

MEM=$((8 << 20))
IMG=$T/src.img
$MKIMAGE -o "$IMG" -s 8M --mix 0,50,50 --seed 9 || fail mkimage
part=$T/part
raw_target "$part" $(raw_need $MEM)
ext=$T/ext.img
mke2fs -q -F -t ext3 "$ext" 64M >/dev/null 2>&1 || fail mke2fs

# locked FILE: true while another process holds an exclusive flock on FILE.
locked() {
	local rc=0
	flock -n -E 42 "$1" true || rc=$?
	[ $rc -eq 42 ]
}

note "raw: a target locked with flock(1) is refused, unchanged"
cp "$part" "$T/before"
expect_rc 1 flock "$part" $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none \
	-s "file:$IMG" -o "raw:device=$part"
expect_err "target $part is in use by another process"
cmp -s "$part" "$T/before" || fail "locked raw target was written"

note "extfs: the same"
cp "$ext" "$T/ext.before"
expect_rc 1 flock "$ext" $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none \
	-s "file:$IMG" -o "extfs:device=$ext,fsck=no"
expect_err "target $ext is in use by another process"
cmp -s "$ext" "$T/ext.before" || fail "locked extfs target was written"

# A failing check must not leave a first run waiting forever.
first_pid=
trap 'rc=$?; rm -f "$T/hold"; [ -z "$first_pid" ] || kill $first_pid 2>/dev/null; (exit $rc); zfd_cleanup' EXIT

# race TARGET SPEC: a first run held in its first write (the iofault
# shim waits while $T/hold exists), a second run meanwhile: the second is
# refused, the first completes once released.
race() {
	local target=$1 spec=$2 rc=0 i
	: >"$T/hold"
	ZFD_IOFAULT_PATH=$(readlink -f "$target") ZFD_IOFAULT_HOLD=$T/hold \
	ZFD_IOFAULT_SKIP=1000000000 \
		zfd_raw_faulty -s "file:$IMG" -o "$spec" >"$T/first.out" 2>&1 &
	first_pid=$!
	for i in $(seq 600); do
		locked "$target" && break
		kill -0 $first_pid 2>/dev/null || break
		sleep 0.05
	done
	locked "$target" || { cat "$T/first.out" >&2; fail "first run never held the lock"; }
	expect_rc 1 zfd_raw -s "file:$IMG" -o "$spec"
	expect_err "target $target is in use by another process"
	rm -f "$T/hold"
	wait $first_pid || rc=$?
	first_pid=
	[ $rc -eq 0 ] || { cat "$T/first.out" >&2; fail "first run exited $rc"; }
}

note "raw: two runs at once"
race "$part" "raw:device=$part"
same_bytes "$part" 0 "$IMG" 0 $((4096 + MEM))
raw_has_end_marker "$part" $MEM || fail "no end marker"
expect_rc 0 $ZFCPDUMP_GET verify "$part"

note "extfs: two runs at once"
race "$ext" "extfs:device=$ext,fsck=no"
expect_rc 0 $ZFCPDUMP_GET verify "$ext:dump.0"
e2fsck -fn "$ext" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out" >&2; fail "e2fsck"; }
exit 0
