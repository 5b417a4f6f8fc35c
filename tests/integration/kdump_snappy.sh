#!/bin/bash
# Format kdump's snappy codec is dlopen()ed (libsnappy.so.1, C++: it brings
# libstdc++, libm and libgcc_s), only when a dump uses it (issue 14: the
# C++ runtime cost ~1 MiB of RSS in every kdump dump):
# - the daemon, compress = "zstd": the module kdump.so is loaded, libsnappy
#   and libstdc++ are not (the loader's own trace, LD_DEBUG=files; an ASan
#   build's runtimes bring libstdc++ themselves: there it must not come
#   for kdump.so or snappy);
#   compress = "snappy": libsnappy.so.1 is loaded by kdump.so, and the
#   stream reads back (zfcpdump-get copy -f elf) as the zstd one does;
# - zfcpdump-get: copy -c zstd does not load it, reading a snappy dump does;
# - a libsnappy.so.1 that does not load (the test-only shim
#   tests/shims/dlopen_shim.c points the module's dlopen("libsnappy.so.1")
#   at an empty file; the real loader fails on it): one line naming the
#   library and the loader's error; the daemon exits 2 (the sink is refused before
#   anything is written), zfcpdump-get copy -c snappy exits 1 and creates
#   nothing, reading a snappy dump fails with the same line, exit 1.
# Under an emulator (s390x build) the variables are handed to the emulated
# programs only (QEMU_SET_ENV), not to qemu-user itself.
. "$abs_top_srcdir/tests/lib.sh"

ZFD="$ZFCPDUMP --plugin-dir $ZFD_PLUGINS --cmdline none"

# guest VAR=VALUE CMD...: CMD with VAR=VALUE for the program under test
guest() {
	local v=$1

	shift
	if [ -n "$TEST_WRAPPER" ]; then
		QEMU_SET_ENV="$v" "$@"
	else
		env "$v" "$@"
	fi
}

# loaded LOG NAME: LOG (LD_DEBUG=files) shows the loader mapping NAME
loaded() {
	grep -Eq "file=([^ ]*/)?$2 \[[0-9]+\];  (needed by|dynamically loaded by) " "$1"
}

$MKIMAGE -o "$T/x.elf" -s 16M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--hole 8M:1M --kernel 6.1.0-13-amd64 >/dev/null || fail "zfd-mkimage x86_64"

note "daemon, compress zstd: kdump.so loaded, libsnappy and libstdc++ not"
truncate -s 40M "$T/part"
expect_rc 0 guest LD_DEBUG=files $ZFD -q -s "file:$T/x.elf" \
	-o "raw:device=$T/part,format=kdump,compress=zstd"
cp "$T/.stderr" "$T/zstd.log"
grep -Eq "file=[^ ]*formats/kdump\.so \[[0-9]+\];  dynamically loaded by " "$T/zstd.log" ||
	{ cat "$T/zstd.log" >&2; fail "zstd: no trace of the module kdump.so being loaded"; }
loaded "$T/zstd.log" libzstd.so.1 || fail "zstd: libzstd.so.1 not in the trace"
expect_rc 0 $ZFCPDUMP_GET copy -q -f elf "$T/part" "$T/zstd.elf"
! loaded "$T/zstd.log" 'libsnappy\.so\.1' ||
	fail "zstd: libsnappy.so.1 loaded by a dump that does not use snappy"
# libstdc++ may come with the sanitizer runtimes of an ASan build; it is
# never there because of the module or of snappy
! grep -Eq "file=libstdc\+\+\.so\.6 \[[0-9]+\];  needed by [^ ]*(kdump\.so|snappy)" \
	"$T/zstd.log" || fail "zstd: libstdc++ loaded for format kdump"
if [ "${ZFD_SANITIZERS:-no}" != yes ]; then
	! loaded "$T/zstd.log" 'libstdc\+\+\.so\.6' ||
		fail "zstd: libstdc++.so.6 loaded by a dump that does not use snappy"
fi

note "daemon, compress snappy: libsnappy.so.1 loaded by kdump.so; the stream reads back"
expect_rc 0 guest LD_DEBUG=files $ZFD -q -s "file:$T/x.elf" \
	-o "raw:device=$T/part,format=kdump,compress=snappy"
cp "$T/.stderr" "$T/snappy.log"
# dlopen()ed, not a link dependency: "dynamically loaded by" kdump.so (by
# libasan.so or libtsan.so, whose dlopen interceptor makes the call, in a
# sanitizer build)
grep -Eq "file=libsnappy\.so\.1 \[[0-9]+\];  dynamically loaded by [^ ]*(formats/kdump|lib[at]san)\.so" \
	"$T/snappy.log" ||
	{ cat "$T/snappy.log" >&2; fail "snappy: libsnappy.so.1 not dlopen()ed by kdump.so"; }
! grep -q "needed by [^ ]*formats/kdump\.so" <(grep libsnappy "$T/snappy.log") ||
	fail "snappy: libsnappy.so.1 is a link dependency of kdump.so"
expect_rc 0 $ZFCPDUMP_GET copy -q -f elf "$T/part" "$T/snappy.elf"
cmp "$T/zstd.elf" "$T/snappy.elf" || fail "snappy: the daemon's stream does not read back as the zstd one"

note "zfcpdump-get: copy -c zstd does not load libsnappy, reading a snappy dump does"
expect_rc 0 guest LD_DEBUG=files $ZFCPDUMP_GET copy -q -f kdump -c zstd \
	"$T/x.elf" "$T/g.zstd"
! loaded "$T/.stderr" 'libsnappy\.so\.1' || fail "copy -c zstd loaded libsnappy.so.1"
expect_rc 0 $ZFCPDUMP_GET copy -q -f kdump -c snappy "$T/x.elf" "$T/g.snappy"
expect_rc 0 guest LD_DEBUG=files $ZFCPDUMP_GET copy -q -f elf "$T/g.snappy" "$T/g.elf"
loaded "$T/.stderr" 'libsnappy\.so\.1' || fail "reading a snappy dump did not load libsnappy.so.1"
expect_rc 0 $ZFCPDUMP_GET copy -q -f elf "$T/g.zstd" "$T/gz.elf"
cmp "$T/gz.elf" "$T/g.elf" || fail "copy -c snappy does not read back as copy -c zstd"

note "a libsnappy.so.1 that does not load: one line naming it, clean exits"
mkdir "$T/badlib"
: >"$T/badlib/libsnappy.so.1"
export ZFD_SHIM_DLOPEN="libsnappy.so.1=$T/badlib/libsnappy.so.1"
SHIM=$ZFD_BUILD/tests/shims/.libs/dlopen_shim.so
msg="cannot load libsnappy\.so\.1 \(codec snappy\): [^ ]*$T/badlib/libsnappy\.so\.1: file too short"
# zstd does not need it
expect_rc 0 preloaded "$SHIM" $ZFD -q -s "file:$T/x.elf" \
	-o "raw:device=$T/part,format=kdump,compress=zstd"
# the daemon: the sink is refused before anything is written
dd if=/dev/zero of="$T/part" bs=1M count=1 conv=notrunc status=none
expect_rc 2 preloaded "$SHIM" $ZFD -q -s "file:$T/x.elf" \
	-o "raw:device=$T/part,format=kdump,compress=snappy"
expect_err "^zfcpdump: error: sink raw:$T/part: format \"kdump\": $msg\$"
[ "$(grep -c . "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "daemon: more than one line"; }
[ "$(head -c 1048576 "$T/part" | tr -d '\0' | wc -c)" = 0 ] ||
	fail "daemon: the device was written although the codec did not load"
# zfcpdump-get copy -c snappy: nothing created
expect_rc 1 preloaded "$SHIM" $ZFCPDUMP_GET copy -q -f kdump \
	-c snappy "$T/x.elf" "$T/none.kdump"
expect_err "^zfcpdump-get: $msg\$"
[ "$(grep -c . "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "copy -c snappy: more than one line"; }
[ ! -e "$T/none.kdump" ] || fail "copy -c snappy created its output"
# reading a snappy dump: the first snappy page fails, the output is removed
expect_rc 1 preloaded "$SHIM" $ZFCPDUMP_GET copy -q -f elf \
	"$T/g.snappy" "$T/none.elf"
expect_err "^zfcpdump-get: $T/none\.elf: copy failed after [0-9]+ memory bytes: $msg\$"
[ "$(grep -c . "$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "read: more than one line"; }
[ ! -e "$T/none.elf" ] || fail "reading a snappy dump: output left behind"
exit 0
