# Shared setup of the daemon tests (sourced): a plugin dir with the test
# sink, and a 32 MiB sample image.
. "$abs_top_srcdir/tests/lib.sh"

PLUG=$T/plugins
mkdir -p "$PLUG"
ln -s "$ZFD_BUILD/tests/plugins/.libs/test.so" "$PLUG/test.so"
for so in "$ZFD_PLUGINS"/*.so; do
	[ -e "$so" ] && ln -s "$so" "$PLUG/"
done
ZFD="$ZFCPDUMP --plugin-dir $PLUG --cmdline none"
# with_shim VAR=VALUE... CMD...: runs CMD with the fault-injecting
# LD_PRELOAD shim (tests/shims/fault_shim.c) and the given variables.
# Under an emulator (s390x build) the shim is for the emulated programs
# only: qemu-user hands QEMU_SET_ENV to them, not to host commands.
SHIM=$ZFD_BUILD/tests/shims/.libs/fault_shim.so
with_shim() {
	if [ -n "$TEST_WRAPPER" ]; then
		env QEMU_SET_ENV="LD_PRELOAD=$SHIM" "$@"
	else
		env LD_PRELOAD="$SHIM" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
	fi
}
MEM=$((32 << 20))
$MKIMAGE -o "$T/img" -s 32M --seed 7 --cpus 3 || fail "zfd-mkimage failed"

# digest_of FILE LEN: xxh3-128 of the first LEN bytes, as the manifest has it
digest_of() {
	echo "xxh3-128:$(head -c "$2" "$1" | xxhsum -H2 - | cut -d' ' -f1)"
}

# check_dump OUT SRCIMG MEMLEN: a complete s390 dump of MEMLEN memory bytes
check_dump() {
	local out=$1 img=$2 len=$3
	same_bytes "$img" 4096 "$out" 4096 "$len"
	[ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' ')" = a8190173618f23fd ] ||
		fail "$out: bad magic"
	[ "$(dd if="$out" bs=1 skip=$((4096 + len)) count=8 2>/dev/null)" = DUMP_END ] ||
		fail "$out: no end marker after $len bytes"
	[ "$(manifest_get "$out.info" status)" = complete ] || fail "$out: not complete"
	[ "$(manifest_get "$out.info" dumped_bytes)" = "$len" ] || fail "$out: dumped_bytes"
	[ "$(manifest_get "$out.info" digest)" = "$(digest_of "$out" $((4096 + len + 16)))" ] ||
		fail "$out: digest differs from xxhsum's"
}
