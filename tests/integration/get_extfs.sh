#!/bin/bash
# zfcpdump-get on dumps inside unmounted ext2/3/4 filesystems (libext2fs):
# IMG:dump.N, IMG:DIR/dump.N and 'list' with complete, incomplete and
# junk entries.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

make_image
cp "$T/img" "$T/sparse-src"
$MKDUMP -i "$T/img" -o "$T/d" -l file || fail "get-mkdump"
$MKDUMP -i "$T/img" -o "$T/p" -l file --dumped $((1 << 20)) || fail "get-mkdump"
echo "not a dump" >"$T/junk"

dbg() {
	debugfs -w "$1" -R "$2" >/dev/null 2>"$T/dbg.err" ||
		{ cat "$T/dbg.err" >&2; fail "debugfs $2"; }
}

for fstype in ext2 ext3 ext4; do
	note "$fstype"
	fs=$T/fs.$fstype
	rm -f "$fs"
	mke2fs -q -F -t $fstype -b 4096 "$fs" 64M || fail "mke2fs"
	dbg "$fs" "write $T/d dump.0"
	dbg "$fs" "write $T/d.info dump.0.info"
	dbg "$fs" "write $T/p dump.1.incomplete"
	dbg "$fs" "write $T/p.info dump.1.info"
	dbg "$fs" "write $T/junk dump.2"
	dbg "$fs" "write $T/junk dump.x"
	dbg "$fs" "write $T/junk notes.txt"
	dbg "$fs" "write $T/d.info dump.5.info"
	dbg "$fs" "mkdir dumps"
	dbg "$fs" "write $T/d dumps/dump.3"
	dbg "$fs" "write $T/d.info dumps/dump.3.info"
	# the sinks write sparse files: zero pages are holes
	blocks=$(debugfs "$fs" -R "stat dump.0" 2>/dev/null | sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p')
	[ "$blocks" -lt $((MEM / 512)) ] || fail "test dump.0 is not sparse"

	check_good "$fs:dump.0"
	expect_rc 0 $GET info "$fs:dump.0"
	expect_out "^Input: +file in an ext2/3/4 filesystem$"
	expect_out "^Manifest: +dump.0.info$"
	expect_rc 0 $GET verify "$fs:dumps/dump.3"
	expect_rc 0 $GET verify "$fs:/dumps/dump.3"

	expect_rc 0 $GET list "$fs"
	cp "$T/.stdout" "$T/list"
	grep -Eq '^0 +dump.0 +8.0 +20[0-9T:Z-]+ +complete *$' "$T/list" || { cat "$T/list"; fail "list: dump.0"; }
	grep -Eq '^1 +dump.1.incomplete +8.0 .* incomplete +incomplete: 1048576 of' "$T/list" || { cat "$T/list"; fail "list: dump.1"; }
	grep -Eq '^2 +dump.2 .* corrupt +' "$T/list" || { cat "$T/list"; fail "list: junk dump.2"; }
	grep -Eq '^5 +dump.5.info .* manifest only +dump file missing' "$T/list" || { cat "$T/list"; fail "list: orphan manifest"; }
	grep -q 'dump.x\|notes.txt\|^3 ' "$T/list" && { cat "$T/list"; fail "list shows foreign entries"; }
	[ "$(wc -l <"$T/list")" = 5 ] || { cat "$T/list"; fail "list: wrong number of lines"; }
	expect_rc 0 $GET list --json "$fs"
	cp "$T/.stdout" "$T/list.json"; json_ok "$T/list.json"
	[ "$(json_get "$T/list.json" '[e["status"] for e in d]')" = "['complete', 'incomplete', 'corrupt', 'manifest only']" ] ||
		fail "list --json statuses"
	expect_rc 0 $GET list "$fs:dumps"
	grep -Eq '^3 +dump.3 .* complete' "$T/.stdout" || fail "list DIR"
	expect_rc 0 $GET list "$fs:/dumps/"

	expect_rc 1 $GET verify "$fs:dump.1.incomplete"
	expect_err "incomplete: 1048576 of $MEM memory bytes dumped .*digest of the 1048576 dumped bytes ok"
	expect_rc 1 $GET verify "$fs:dump.2"
	expect_err "not a zfcpdump/s390 dump"
	expect_rc 1 $GET verify "$fs:dump.9"
	expect_err "dump.9: .*not found"
	expect_rc 1 $GET info "$fs"
	expect_err "this is an ext filesystem: name a dump in it, e.g. .*:dump.0"
	expect_rc 1 $GET list "$fs:nodir"
	expect_rc 1 $GET list "$T/d"
	expect_err "not an ext2/3/4 filesystem"
done

note "damage inside the filesystem: flipped byte, lost manifest"
fs=$T/fs.ext4
blk=$(debugfs "$fs" -R "bmap dump.0 $((1 + 5 * 256))" 2>/dev/null)
flip "$fs" $((blk * 4096 + 17))
expect_rc 1 $GET verify "$fs:dump.0"
expect_err "digest mismatch"
dbg "$fs" "rm dumps/dump.3.info"
expect_rc 1 $GET verify "$fs:dumps/dump.3"
expect_err "manifest missing"

note "real dumps: zfcpdump file source -> extfs sink (s390 and elf) -> zfcpdump-get"
fs=$T/real.ext3
mke2fs -q -F -t ext3 "$fs" 64M || fail "mke2fs"
zfd() {
	$ZFCPDUMP -q --plugin-dir "$ZFD_PLUGINS" --cmdline none "$@"
}
expect_rc 0 zfd -s "file:$T/img" -o "extfs:device=$fs"
expect_rc 0 zfd -s "file:$T/img" -o "extfs:device=$fs,format=elf"
expect_rc 0 $GET list "$fs"
cp "$T/.stdout" "$T/real.list"
grep -Eq '^0 +dump.0 +8.0 .* complete' "$T/real.list" || { cat "$T/real.list"; fail "list: real dump.0"; }
grep -Eq '^1 +dump.1 +8.0 .* complete' "$T/real.list" || { cat "$T/real.list"; fail "list: real dump.1 (elf)"; }
expect_rc 0 $GET verify "$fs:dump.0"
expect_rc 0 $GET copy "$fs:dump.0" "$T/real0"
same_bytes "$T/real0" 0 "$T/img" 0 $((4096 + MEM))
expect_rc 0 $GET info "$fs:dump.1"
expect_out "^Input: +file in an ext2/3/4 filesystem$"
expect_out "^Format: +elf$"
expect_out "^  format +elf$"
expect_rc 0 $GET verify "$fs:dump.1"
expect_out "^$fs:dump.1: complete, $MEM memory bytes, [0-9]+ stored bytes \(elf\), digest ok"
expect_rc 0 $GET copy "$fs:dump.1" "$T/real1"
same_bytes "$T/real1" 4096 "$T/img" 4096 $MEM
expect_rc 0 $GET copy "$fs:dump.0" "$T/real0.elf" -f elf
expect_rc 0 $GET copy "$fs:dump.1" "$T/real1.elf" -f elf
cmp "$T/real0.elf" "$T/real1.elf" || fail "ELF from the sink differs from ELF by zfcpdump-get"
exit 0
