#!/bin/bash
# The raw sink with format = "elf" (sink ABI 2, doc/raw.md): an x86_64 ELF
# core from zfd-mkimage dumped onto a partition image.
# - [0, size) of the partition is a valid ELF core: readelf -l -n clean,
#   notes unchanged, every page equal to the input's (raw_elfcheck.py);
#   the manifest at the next 4 KiB boundary behind the last PT_LOAD's
#   data, digest = xxhsum -H2 of [0, size), nothing written behind it;
# - the next dump names it ("overwriting complete dump of DATE");
# - incomplete cases never look complete: unreadable source pages, a
#   failing write, a failing final prologue write, a killed pass;
# - truncate = true: a shorter valid ELF core; without it the partition is
#   refused and untouched.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

CHECK="python3 $abs_top_srcdir/tests/integration/raw_elfcheck.py"
MEM=$((32 << 20))
SRC=$T/x86.elf
$MKIMAGE -o "$SRC" -s 32M --seed 5 --cpus 3 --arch x86_64 --format elf \
	--kernel 6.1.0-raw-elf-test --hole 12M:4M --hole 20M:1M ||
	fail "zfd-mkimage --format elf --arch x86_64"
part=$T/part
PSIZE=$((MEM + (4 << 20)))

# readelf_clean FILE: readelf -l -n reads FILE without a word on stderr
readelf_clean() {
	readelf -W -l -n "$1" >"$T/readelf.out" 2>"$T/readelf.err" ||
		{ cat "$T/readelf.err" >&2; fail "readelf -l -n failed on $1"; }
	[ ! -s "$T/readelf.err" ] || { cat "$T/readelf.err" >&2; fail "readelf warns on $1"; }
	grep -q "VMCOREINFO" "$T/readelf.out" || fail "readelf: no VMCOREINFO note"
	[ "$(grep -c 'CORE .*NT_PRSTATUS' "$T/readelf.out")" = 3 ] ||
		fail "readelf: not 3 NT_PRSTATUS notes"
}

# check_elf [--truncated]: the partition holds an ELF dump of $SRC; sets
# SIZE (stored bytes) and leaves the manifest in $T/man
check_elf() {
	$CHECK "$part" "$SRC" "$T/man" "$@" >"$T/check.out" ||
		fail "raw_elfcheck.py"
	SIZE=$(sed -n 's/^size //p' "$T/check.out")
	head -c "$SIZE" "$part" >"$T/core"
	readelf_clean "$T/core"
	[ "$(manifest_get "$T/man" format)" = elf ] || fail "manifest format"
	[ "$(manifest_get "$T/man" arch)" = x86_64 ] || fail "manifest arch"
	[ "$(manifest_get "$T/man" kernel)" = 6.1.0-raw-elf-test ] ||
		fail "manifest kernel"
}

# status_is WANT: the manifest's status
status_is() {
	[ "$(manifest_get "$T/man" status)" = "$1" ] ||
		fail "manifest status $(manifest_get "$T/man" status), expected $1"
}

# 1. a complete dump
raw_target "$part" $PSIZE
cp "$part" "$T/before"
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
[ "$(stat -c %s "$part")" = $PSIZE ] || fail "target size changed"
check_elf
status_is complete
want=$(manifest_get "$T/man" digest)
got=$(xxhsum -H2 <"$T/core" | cut -d' ' -f1)
[ "$want" = "xxh3-128:$got" ] || fail "digest $want, xxhsum -H2 of [0, $SIZE) says $got"
man=$(( (SIZE + 4095) / 4096 * 4096 ))
raw_zero_at "$part" "$SIZE" $((man - SIZE)) ||
	fail "stale bytes between the dump and its manifest"
same_bytes "$part" $((man + 4096)) "$T/before" $((man + 4096)) $((PSIZE - man - 4096))
note "complete: ELF core [0, $SIZE), readelf clean, pages and notes equal, manifest at $man, digest ok"

# 2. the next dump says what it overwrites; an s390 dump after it, too
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
expect_err "overwriting complete dump of [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z on $part"
check_elf
status_is complete
$MKIMAGE -o "$T/s390.img" -s 8M --seed 2 || fail "zfd-mkimage s390"
expect_rc 0 zfd_raw -s "file:$T/s390.img" -o "raw:device=$part,format=s390"
expect_err "overwriting complete dump of .* on $part"
same_bytes "$part" 0 "$T/s390.img" 0 $((4096 + (8 << 20)))
raw_has_end_marker "$part" $((8 << 20)) || fail "s390 after elf: no end marker"
note "older ELF dump named; an s390 dump replaces it"

# 3. unreadable source pages: lost, incomplete
SHIM=$ZFD_BUILD/tests/shims/.libs/fault_io.so
[ -f "$SHIM" ] || fail "no $SHIM"
san_rt=
[ -n "${TEST_WRAPPER:-}" ] ||
	san_rt=$(ldd "$abs_top_builddir/zfcpdump" 2>/dev/null | awk '/lib[at]san\.so/ { print $3 }')
raw_target "$part" $PSIZE
expect_rc 1 env LD_PRELOAD="${san_rt:+$san_rt }$SHIM" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	ZFD_SHIM_PATH="$SRC" ZFD_SHIM_EIO=1000000-1002000 \
	$ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none \
	-s "file:$SRC" -o "raw:device=$part,format=elf"
expect_out "incomplete.*memory unreadable: 8192 bytes lost"
$CHECK "$part" "$SRC" "$T/man" --manifest-only >/dev/null ||
	fail "unreadable pages: no ELF core with its manifest where documented"
status_is incomplete
note "unreadable source pages: incomplete"

# 4. a failing write in the middle of the memory (sparse = false: a zero
#    block there would be punched, not written)
ppath=$(readlink -f "$part")
raw_target "$part" $PSIZE
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
ZFD_IOFAULT_PATH=$ppath ZFD_IOFAULT_OP=write ZFD_IOFAULT_ERROR=EIO \
ZFD_IOFAULT_OFFSET=$((16 << 20)) ZFD_IOFAULT_LOG=$T/fault.log \
	expect_rc 1 zfd_raw_faulty -s "file:$SRC" -o "raw:device=$part,format=elf,sparse=false"
[ -s "$T/fault.log" ] || fail "no write fault injected"
! grep -q "dump complete" "$T/.stderr" || fail "'dump complete' said"
$CHECK "$part" "$SRC" "$T/man" --manifest-only >/dev/null ||
	fail "write error: no ELF core with its manifest where documented"
status_is incomplete
note "write error in the memory: incomplete"

# 5. the final prologue write fails (the second write at offset 0): no
#    ELF header at all, and the next pass names no dump
ZFD_IOFAULT_PATH=$ppath ZFD_IOFAULT_OP=write ZFD_IOFAULT_ERROR=EIO \
ZFD_IOFAULT_OFFSET=0 ZFD_IOFAULT_SKIP=1 ZFD_IOFAULT_COUNT=0 \
ZFD_IOFAULT_LOG=$T/fault.log \
	expect_rc 1 zfd_raw_faulty -s "file:$SRC" -o "raw:device=$part,format=elf"
raw_zero_at "$part" 0 4096 || fail "a prologue was written"
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
! grep -q "overwriting" "$T/.stderr" || fail "a dump without prologue was named"
note "final prologue write fails: no ELF header"

# 6. a pass killed half-way: the older complete dump is gone, no ELF header
#    (env execs the daemon, so $! is its pid; slow writes through the shim)
if [ -n "$TEST_WRAPPER" ]; then
	pre=(env QEMU_SET_ENV="LD_PRELOAD=$IOFAULT_SO")
else
	pre=(env LD_PRELOAD="$IOFAULT_SO"
	     ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
fi
raw_zero_at "$part" 0 4 && fail "no complete dump before the killed pass"
"${pre[@]}" ZFD_IOFAULT_PATH="$ppath" ZFD_IOFAULT_DELAY_MS=100 \
	ZFD_IOFAULT_SKIP=1000000000 $ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" \
	--cmdline none -s "file:$SRC" -o "raw:device=$part,format=elf" \
	>"$T/killed.out" 2>&1 &
pid=$!
for i in $(seq 300); do
	raw_zero_at "$part" 0 4 && break
	sleep 0.05
done
sleep 0.3
# (bash reports the killed job on its own stderr: not in the test log)
exec 4>&2 2>/dev/null
kill -9 $pid && killed=1 || killed=0
wait $pid || true
exec 2>&4 4>&-
[ $killed = 1 ] || fail "the pass ended before it was killed"
raw_zero_at "$part" 0 4096 || fail "a killed pass left a prologue"
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
! grep -q "overwriting" "$T/.stderr" || fail "a killed pass is named as a dump"
note "killed pass: no ELF header"

# 7. truncate: a shorter valid ELF core; without it: refused, untouched
TSIZE=$((12 << 20))
raw_target "$part" $TSIZE
expect_rc 0 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf,truncate=true"
expect_err "truncated"
check_elf --truncated
status_is truncated
[ $(( (SIZE + 4095) / 4096 * 4096 + 4096 )) -le $TSIZE ] || fail "manifest beyond the partition"
[ "$(manifest_get "$T/man" mem_size_orig)" = $MEM ] || fail mem_size_orig
raw_target "$part" $TSIZE
cp "$part" "$T/before"
expect_rc 1 zfd_raw -s "file:$SRC" -o "raw:device=$part,format=elf"
expect_err "device $part too small: $TSIZE bytes, need [0-9]+"
cmp -s "$part" "$T/before" || fail "too small target was modified"
note "truncate: valid shorter ELF core; refused without truncate"
exit 0
