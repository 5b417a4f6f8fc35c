# Common helpers for the shell tests (sourced, bash).
# Automake's test driver: exit 0 = pass, 1 = fail, 99 = hard error.
# Nothing may skip in CI: install what a test needs in scripts/install-deps.
set -u

: "${abs_top_builddir:?run through make check}"
: "${abs_top_srcdir:?run through make check}"
: "${TEST_WRAPPER:=}"

ZFD_BUILD=$abs_top_builddir
ZFD_SRC=$abs_top_srcdir
ZFD_PLUGINS=$ZFD_BUILD/sinks
# The daemon, the tools and the image generator from the build tree; they
# run under $TEST_WRAPPER (qemu-s390x-static in a cross build).
ZFCPDUMP="$TEST_WRAPPER $ZFD_BUILD/zfcpdump"
ZFCPDUMP_GET="$TEST_WRAPPER $ZFD_BUILD/zfcpdump-get"
MKIMAGE="$TEST_WRAPPER $ZFD_BUILD/zfd-mkimage"

# A private work directory, removed on exit unless the test failed.
T=$(mktemp -d "${TMPDIR:-/tmp}/zfd-test.XXXXXX")
zfd_cleanup() {
	local rc=$?
	if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "work dir kept: $T" >&2; fi
	exit $rc
}
trap zfd_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*"
}

# expect_rc WANT CMD...: runs CMD (output to $T/.stdout, $T/.stderr), checks its exit code.
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$T/.stdout" 2>"$T/.stderr" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "--- stdout:" >&2; cat "$T/.stdout" >&2
		echo "--- stderr:" >&2; cat "$T/.stderr" >&2
		fail "'$*' exited $rc, expected $want"
	fi
}

# expect_err REGEX: the last expect_rc's stderr matches REGEX (grep -E).
expect_err() {
	grep -Eq -- "$1" "$T/.stderr" || { cat "$T/.stderr" >&2; fail "stderr lacks /$1/"; }
}

# expect_out REGEX: the last expect_rc's stdout matches REGEX (grep -E).
expect_out() {
	grep -Eq -- "$1" "$T/.stdout" || { cat "$T/.stdout" >&2; fail "stdout lacks /$1/"; }
}

# same_bytes FILE1 OFF1 FILE2 OFF2 LEN: byte-exact comparison of two ranges.
same_bytes() {
	cmp -n "$5" -i "$2:$4" "$1" "$3" >/dev/null ||
		fail "$1@$2 and $3@$4 differ within $5 bytes"
}

# manifest_get FILE KEY: value of KEY in a manifest text file.
manifest_get() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# same_elf_core A B [--size N]: B is an ELF core with A's notes, A's PT_LOAD
# addresses and sizes in the same order, and every physical page of A's
# PT_LOADs (tests/integration/elf_pages.py; --size N: B is N bytes long).
same_elf_core() {
	readelf -n "$1" >"$T/n1" && readelf -n "$2" >"$T/n2" ||
		fail "readelf -n $1 $2"
	cmp -s "$T/n1" "$T/n2" || { diff "$T/n1" "$T/n2" >&2; fail "notes differ"; }
	readelf -lW "$1" | awk '$1 == "LOAD" { print $3, $4, $5, $6 }' >"$T/l1" &&
		readelf -lW "$2" | awk '$1 == "LOAD" { print $3, $4, $5, $6 }' >"$T/l2" ||
		fail "readelf -l $1 $2"
	cmp -s "$T/l1" "$T/l2" || { cat "$T/l1" "$T/l2" >&2; fail "program headers differ"; }
	python3 "$abs_top_srcdir/tests/integration/elf_pages.py" "$@" ||
		fail "memory differs"
}

# preloaded SO CMD ARGS...: runs CMD (a program or shell function) with the
# test-only shim SO preloaded; the caller's environment (ZFD_IOFAULT_* ...)
# passes through. Under qemu-user the preload is handed to the emulated
# program only (QEMU_SET_ENV), not to host commands.
preloaded() {
	local so=$1

	shift
	[ -f "$so" ] || fail "$so not built"
	if [ -n "$TEST_WRAPPER" ]; then
		QEMU_SET_ENV="LD_PRELOAD=$so" "$@"
	else
		LD_PRELOAD=$so \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			"$@"
	fi
}
