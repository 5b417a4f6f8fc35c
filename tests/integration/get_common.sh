# Helpers for the zfcpdump-get shell tests (sourced after tests/lib.sh).
# A sanitizer report must never pass for an expected exit status 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"
MKDUMP="$TEST_WRAPPER $ZFD_BUILD/tests/integration/get-mkdump"
GET=$ZFCPDUMP_GET
MEM=$((8 << 20))

# json_ok FILE: FILE is valid JSON.
json_ok() {
	python3 -m json.tool "$1" >/dev/null || { cat "$1" >&2; fail "invalid JSON in $1"; }
}

# json_get FILE EXPR: EXPR evaluated with d = the parsed JSON.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# flip FILE OFFSET: inverts one byte in place.
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2])); b = f.read(1)
    f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))
PY
}

# put_be32 FILE OFFSET VALUE: writes a big-endian u32 in place.
put_be32() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2], 0)); f.write(struct.pack('>I', int(sys.argv[3], 0)))
PY
}

# A test image with holes, 2 CPUs, and the s390 stream it should give:
# $T/img (zfd-mkimage) and $T/expect (header + memory + end marker).
make_image() {
	$MKIMAGE -o "$T/img" -s $MEM --seed 7 --hole 1M:2M --cpus 2 ||
		fail "zfd-mkimage failed"
	$MKDUMP -i "$T/img" -o "$T/expect" -l file || fail "get-mkdump failed"
	rm -f "$T/expect.info"
}

# check_good DUMP: info, --json, verify and copy (file and stdout) of a
# complete dump give the planted facts and exactly $T/expect.
check_good() {
	local d=$1
	expect_rc 0 $GET info "$d"
	expect_out '^Status: +complete$'
	expect_out '^Arch: +s390x$'
	expect_out '^CPUs: +2$'
	expect_out "^Memory size: +$MEM bytes"
	expect_out '^  CPU 1 +prefix 0x00022000$'
	expect_out '^Created: +20[0-9-]+T[0-9:]+Z$'
	expect_out '^  digest +xxh3-128:[0-9a-f]{32}$'
	expect_rc 0 $GET info --json "$d"
	cp "$T/.stdout" "$T/info.json"
	json_ok "$T/info.json"
	[ "$(json_get "$T/info.json" 'd["status"]')" = complete ] || fail "json status"
	[ "$(json_get "$T/info.json" 'd["mem_size"]')" = $MEM ] || fail "json mem_size"
	[ "$(json_get "$T/info.json" 'd["cpu_count"]')" = 2 ] || fail "json cpu_count"
	[ "$(json_get "$T/info.json" 'd["prefixes"]')" = "[131072, 139264]" ] || fail "json prefixes"
	[ "$(json_get "$T/info.json" 'd["manifest"]["fields"]["status"]')" = complete ] ||
		fail "json manifest status"
	expect_rc 0 $GET verify "$d"
	expect_out 'complete, [0-9]+ memory bytes, digest ok'
	rm -f "$T/copy" "$T/copy.info"
	expect_rc 0 $GET copy "$d" "$T/copy"
	cmp "$T/copy" "$T/expect" || fail "copy of $d differs from the s390 stream"
	# zero pages and holes became holes in the output
	[ $(( $(stat -c %b "$T/copy") * 512 )) -lt $((MEM / 2)) ] ||
		fail "copy of $d is not sparse"
	[ -s "$T/copy.info" ] || fail "copy wrote no manifest beside the dump"
	expect_rc 0 $GET verify "$T/copy"
	$GET copy "$d" - >"$T/stdout" 2>"$T/.stderr" || fail "copy to stdout failed"
	cmp "$T/stdout" "$T/expect" || fail "copy of $d to stdout differs"
}

# info_x86_elf DUMP INPUT MANIFEST: info on a complete ELF dump of the
# x86_64 core zfd-mkimage makes with --cpus 2 --kernel 6.1.0-13-amd64
# names the input, format elf, status complete, architecture, kernel,
# crash time, CPUs, the manifest and its arch (left in $T/.stdout).
info_x86_elf() {
	expect_rc 0 $GET info "$1"
	expect_out "^Input: +$2$"
	expect_out "^Format: +elf$"
	expect_out "^Status: +complete$"
	expect_out "^Arch: +x86_64$"
	expect_out "^Kernel: +6.1.0-13-amd64$"
	expect_out "^Crashed: +2026-01-01T00:00:05Z$"
	expect_out "^CPUs: +2$"
	expect_out "^  arch +x86_64$"
	expect_out "^Manifest: +$3$"
}
