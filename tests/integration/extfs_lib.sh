# Helpers for the extfs sink's shell tests (sourced after tests/lib.sh).
# The dump is driven by extfs-feed (the plugin's descriptor, like the
# daemon calls it) and read back with debugfs, independently of the sink.

FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/extfs-feed"

# mkfs TYPE FILE SIZE [mke2fs options...]
mkfs() {
	local t=$1 f=$2 s=$3
	shift 3
	rm -f "$f"
	mke2fs -q -F -t "$t" "$@" "$f" "$s" >/dev/null 2>&1 || fail "mke2fs -t $t $f"
}

# fsck_clean FILE: e2fsck -fn finds nothing to fix.
fsck_clean() {
	e2fsck -fn "$1" >"$T/fsck.out" 2>&1 ||
		{ cat "$T/fsck.out" >&2; fail "e2fsck -fn $1 is not clean"; }
}

# fs_ls FILE [DIR]: the names in DIR (default /), sorted, one per line.
fs_ls() {
	debugfs -R "ls -p ${2:-/}" "$1" 2>/dev/null |
		awk -F/ 'NF >= 6 && $6 != "." && $6 != ".." && $6 != "lost+found" { print $6 }' |
		sort
}

# fs_get FILE PATH OUT: copies a file out of the filesystem image.
fs_get() {
	rm -f "$3"
	debugfs -R "dump $2 $3" "$1" >/dev/null 2>&1
	[ -f "$3" ] || fail "debugfs: no $2 in $1"
}

# fs_put FILE PATH: creates a small file PATH in the image.
fs_put() {
	echo "not a dump: $2" >"$T/put.tmp"
	debugfs -w -R "write $T/put.tmp $2" "$1" >/dev/null 2>&1 || fail "debugfs write $2"
}

# fs_blocks FILE PATH: 512-byte blocks allocated to PATH.
fs_blocks() {
	debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p'
}

# check_dump FSIMG PATH IMAGE: PATH in FSIMG is IMAGE's header + memory,
# followed by a 16-byte end marker "DUMP_END" + TOD; and the manifest
# PATH.info says complete.
check_dump() {
	local fsimg=$1 path=$2 img=$3 size
	size=$(stat -c %s "$img")
	fs_get "$fsimg" "$path" "$T/readback"
	[ "$(stat -c %s "$T/readback")" = $((size + 16)) ] ||
		fail "$path: size $(stat -c %s "$T/readback"), expected $((size + 16))"
	same_bytes "$T/readback" 0 "$img" 0 "$size"
	[ "$(dd if="$T/readback" bs=1 skip="$size" count=8 2>/dev/null)" = DUMP_END ] ||
		fail "$path: no end marker"
	fs_get "$fsimg" "$path.info" "$T/readback.info"
	[ "$(head -n 1 "$T/readback.info")" = "zfcpdump-info 1" ] || fail "$path.info: bad magic"
	[ "$(manifest_get "$T/readback.info" status)" = complete ] ||
		fail "$path.info: status $(manifest_get "$T/readback.info" status)"
	# the manifest's digest is that of the file (xxhsum, independently)
	[ "$(manifest_get "$T/readback.info" digest)" = \
	  "xxh3-128:$(xxhsum -H2 - <"$T/readback" | cut -d' ' -f1)" ] ||
		fail "$path: digest differs from the manifest's"
}
