# Helpers for the raw sink's shell tests (sourced after tests/lib.sh).

# raw_need MEM: bytes a raw dump of MEM memory bytes occupies (MEM page
# aligned): header + memory + end marker page + manifest block.
raw_need() {
	echo $(( $1 + 3 * 4096 ))
}

# raw_target FILE BYTES: a partition image filled with 0xa5, so that every
# byte the sink writes (or must not write) is visible.
raw_target() {
	head -c "$2" /dev/zero | tr '\0' '\245' >"$1"
}

# raw_manifest PART MEM OUT: the manifest text of a raw dump into OUT.
raw_manifest() {
	local off=$(( (4096 + $2 + 16 + 4095) / 4096 * 4096 ))
	dd if="$1" bs=4096 skip=$((off / 4096)) count=1 status=none |
		tr -d '\0' >"$3"
}

# raw_has_end_marker PART MEM: true if the end marker follows the memory.
raw_has_end_marker() {
	printf DUMP_END | cmp -s -n 8 -i $((4096 + $2)):0 "$1" -
}

# raw_zero_at PART OFF LEN: true if LEN bytes at OFF are all zero.
raw_zero_at() {
	cmp -s -n "$3" -i "$2:0" "$1" /dev/zero
}

# be_hex FILE OFF LEN: LEN bytes at OFF as lower-case hex.
be_hex() {
	dd if="$1" bs=1 skip="$2" count="$3" status=none | od -An -tx1 | tr -d ' \n'
}

# be_u64 FILE OFF / be_u32 FILE OFF: big-endian integers, decimal.
be_u64() {
	printf '%d\n' "0x$(dd if="$1" bs=1 skip="$2" count=8 status=none | od -An -tx1 | tr -d ' \n')"
}
be_u32() {
	printf '%d\n' "0x$(dd if="$1" bs=1 skip="$2" count=4 status=none | od -An -tx1 | tr -d ' \n')"
}

# raw_check_digest PART MEM MANIFEST: the manifest's digest equals
# xxhsum -H2 (XXH3-128, Debian's xxhash) over header + memory + end marker.
raw_check_digest() {
	local want got
	want=$(manifest_get "$3" digest)
	got=$(head -c $((4096 + $2 + 16)) "$1" | xxhsum -H2 | cut -d' ' -f1)
	[ "$want" = "xxh3-128:$got" ] || fail "digest $want, xxhsum -H2 says $got"
}

# zfd_raw ARGS...: the daemon with the build tree's plugins, no kernel
# command line, no default config.
zfd_raw() {
	$ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none "$@"
}

# The test-only fault-injection shim (tests/shims/iofault.c).
IOFAULT_SO=$ZFD_BUILD/tests/shims/.libs/libiofault.so

# zfd_raw_faulty ARGS...: zfd_raw with the iofault shim preloaded; the
# ZFD_IOFAULT_* variables come from the caller's environment. Under
# qemu-user the preload is handed to the s390x program only.
zfd_raw_faulty() {
	preloaded "$IOFAULT_SO" zfd_raw "$@"
}
