#!/bin/bash
# extfs sink under injected write faults (tests/faultio/extfs_faultio.c,
# linked into extfs-feed only): EIO, ENOSPC and short writes of dump data
# and metadata, failing syncs and closes. Whatever fails: the exit code
# says so, an older dump keeps its bytes, a dump that is not complete is
# never named or described as complete (issue 12, finding 11), and the
# filesystem is e2fsck-clean or repairable by e2fsck -p.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

$MKIMAGE -o "$T/old" -s 4M --seed 21 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/img" -s 8M --seed 22 --mix 10,40,50 >/dev/null || fail "zfd-mkimage"
CONF="fsck = \"no\";"

# base TYPE: a filesystem with one good dump.0 in $T/base.
base() {
	mkfs "$1" "$T/base" 48M
	expect_rc 0 $FEED "$T/old" "device = \"$T/base\"; $CONF"
}

# fresh: $T/fs is a copy of $T/base.
fresh() { cp "$T/base" "$T/fs"; }

# trace: runs the dump once without faults on a fresh copy and keeps the
# list of writes in $T/trace ("OP #N at OFF+LEN").
trace() {
	fresh
	ZFD_FAULT_TRACE=1 $FEED "$T/img" "device = \"$T/fs\"; $CONF" \
		>/dev/null 2>"$T/trace.err" || { cat "$T/trace.err" >&2; fail "trace run"; }
	sed -n 's/^faultio: //p' "$T/trace.err" >"$T/trace"
}

# nth OP: how many OP calls the trace has.
nth() { grep -c "^$1 #" "$T/trace"; }

# older_intact: dump.0 still has its bytes and complete manifest.
older_intact() { check_dump "$T/fs" /dump.0 "$T/old"; }

# incomplete_dump: dump.1 is dump.1.incomplete, its manifest says
# incomplete, and the bytes it holds are the image's.
incomplete_dump() {
	local names
	names=$(fs_ls "$T/fs" | tr '\n' ' ')
	[ "$names" = "dump.0 dump.0.info dump.1.incomplete dump.1.info " ] ||
		fail "names: $names"
	fs_get "$T/fs" /dump.1.info "$T/info"
	[ "$(manifest_get "$T/info" status)" = incomplete ] ||
		fail "manifest status $(manifest_get "$T/info" status), expected incomplete"
	fs_get "$T/fs" /dump.1.incomplete "$T/part"
	local n
	n=$(manifest_get "$T/info" dumped_bytes)
	[ "$(stat -c %s "$T/part")" -ge $((4096 + n)) ] || fail "dump shorter than dumped_bytes"
	[ "$n" -gt 0 ] && same_bytes "$T/part" 0 "$T/img" 0 $((4096 + n))
	return 0
}

# fault OP ERR AT NTH WANT_RC: one dump with the fault on a fresh copy.
fault() {
	fresh
	expect_rc "$5" env ZFD_FAULT_OP="$1" ZFD_FAULT_ERR="$2" ZFD_FAULT_AT="$3" \
		ZFD_FAULT_NTH="$4" $FEED "$T/img" "device = \"$T/fs\"; $CONF"
	expect_err "^faultio: injected "
}

for t in ext3 ext4; do
	base $t
	trace
	nd=$(nth data-write)
	[ "$nd" -ge 4 ] || fail "only $nd data writes traced"
	mid=$(grep "^data-write #$((nd / 2)) " "$T/trace" | sed 's/.* at \([0-9]*\)+\([0-9]*\)/\1 \2/')
	set -- $mid
	moff=$(($1 + $2 / 2))

	note "$t: EIO and ENOSPC on the data in the middle of the dump"
	for e in EIO ENOSPC; do
		fault data-write $e $moff 1 1
		expect_err "write at block [0-9]+: $( [ $e = EIO ] && echo "Input/output error" || echo "No space left on device")"
		incomplete_dump
		older_intact
		fsck_clean "$T/fs"
	done

	note "$t: a short data write is continued, the dump is complete"
	fault data-write short $moff 1 0
	check_dump "$T/fs" /dump.1 "$T/img"
	older_intact
	fsck_clean "$T/fs"

	note "$t: the end marker cannot be written: incomplete, and finish says so"
	fault data-write EIO "" "$nd" 1
	expect_err "^extfs: $T/fs: the dump is incomplete: cannot write the end marker$"
	incomplete_dump
	older_intact
	fsck_clean "$T/fs"

	note "$t: the metadata flush of ext2fs_close fails: an error, not 'complete'"
	fault fs-flush EIO "" "$(nth fs-flush)" 1
	expect_err "cannot write the filesystem metadata at close: Input/output error"
	older_intact

	note "$t: fsync or close of the data descriptor fails at the end"
	fault data-sync EIO "" "$(nth data-sync)" 1
	expect_err "cannot sync the dump data: Input/output error"
	fault data-close EIO "" 1 1
	expect_err "cannot close: Input/output error"
	older_intact

	note "$t: metadata EIO in the middle: left for e2fsck, which repairs it"
	mw=$(awk '/^data-write/ { d++ } /^meta-write/ && d > 2 { print substr($2, 2); exit }' "$T/trace")
	[ -n "$mw" ] || fail "no metadata write in the middle"
	fault meta-write EIO "" "$mw" 1
	e2fsck -p "$T/fs" >/dev/null 2>&1
	[ $? -le 1 ] || fail "e2fsck -p could not repair"
	fsck_clean "$T/fs"
	older_intact
done
exit 0
