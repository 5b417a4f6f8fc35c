#!/bin/bash
# Bad input: one clear line, the documented exit code, nothing written.
. "$abs_top_srcdir/tests/integration/core_common.sh"

ev=$T/ev
untouched() {
	[ ! -e "$T/o" ] || fail "target written: $1"
	! grep -q '^open' "$ev" 2>/dev/null || fail "sink opened: $1"
	rm -f "$ev"
}

note "nonexistent source"
expect_rc 1 $ZFD -s "file:$T/nope" -o "test:path=$T/o,events=$ev"
expect_err "source $T/nope: No such file or directory"
untouched nonexistent

note "unreadable: a directory"
expect_rc 1 $ZFD -s "file:$T" -o "test:path=$T/o,events=$ev"
expect_err "not a regular file or block device"
untouched directory

bad_image() {	# OFFSET HEXBYTES
	cp "$T/img" "$T/bad"
	printf "$2" | dd of="$T/bad" bs=1 seek=$(($1)) conv=notrunc status=none
}
note "bad magic"
bad_image 0 '\x00'
expect_rc 1 $ZFD -s "file:$T/bad" -o "test:path=$T/o,events=$ev"
expect_err "not an s390 dump: bad magic"
untouched magic
note "wrong page size"
bad_image 0x14 '\x00\x01\x00\x00'
expect_rc 1 $ZFD -s "file:$T/bad" -o "test:path=$T/o,events=$ev"
expect_err "unsupported page size 65536"
untouched pagesize
note "mem_end < mem_start"
bad_image 0x20 '\xff'
expect_rc 1 $ZFD -s "file:$T/bad" -o "test:path=$T/o,events=$ev"
expect_err "mem_end .* is below mem_start"
untouched memend
note "cpu_cnt > 512"
bad_image 0x5d '\x02\x01'
expect_rc 1 $ZFD -s "file:$T/bad" -o "test:path=$T/o,events=$ev"
expect_err "cpu_cnt 513 exceeds 512"
untouched cpucnt
note "shorter than a header"
head -c 100 "$T/img" >"$T/bad"
expect_rc 1 $ZFD -s "file:$T/bad" -o "test:path=$T/o,events=$ev"
expect_err "shorter than the 4096-byte header"
untouched short

note "image shorter than its header claims: incomplete, exit 1, no end marker"
head -c $((4096 + 20 * 1048576 + 100)) "$T/img" >"$T/trunc"
expect_rc 1 $ZFD -s "file:$T/trunc" -o "test:path=$T/tr"
expect_err "only $((20 * 1048576 + 100)) are there"
[ "$(manifest_get "$T/tr.info" status)" = incomplete ] || fail "not incomplete"
grep -q "reason: source ended after" "$T/tr.info" || fail "no reason"
same_bytes "$T/img" 4096 "$T/tr" 4096 $((20 * 1048576))
[ "$(dd if="$T/tr" bs=1 skip=$((4096 + 32 * 1048576)) count=8 2>/dev/null)" != DUMP_END ] ||
	fail "end marker on an incomplete dump"

note "config: syntax error with file:line, exit 2"
printf 'policy = "first";\nsinks = ( { type = "test" \n' >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img"
expect_err "^$T/bad.conf:3: "
note "config: unknown key"
printf 'policy = "first";\nsinks = (\n { type = "test"; path = "%s"; colour = "red"; }\n);\n' "$T/o" >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img"
expect_err "^$T/bad.conf:3: unknown key 'colour' for sink type 'test'"
untouched key
note "config: wrong type"
printf 'sinks = ( { type = "test"; path = "%s";\n delay_ms = "slow"; } );\n' "$T/o" >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img"
expect_err "^$T/bad.conf:2: 'delay_ms' must be a number, not 'slow'"
note "config: unknown sink type"
printf '\nsinks = ( { type = "floppy"; } );\n' >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img"
expect_err "^$T/bad.conf:2: unknown sink type 'floppy' \\(no plugin $PLUG/floppy.so\\)"
note "config file missing"
expect_rc 2 $ZFD -c "$T/none.conf" -s "file:$T/img"
expect_err "$T/none.conf: cannot read config"
note "-o with an unknown key names the -o"
expect_rc 2 $ZFD -s "file:$T/img" -o "test:path=$T/o,size=3"
expect_err "^-o test: unknown key 'size' for sink type 'test'"
untouched okey

# refused_conf TEXT ERR: a config file of TEXT (a printf format, %s the
# test sink's path $T/o) is refused before any source is opened (the
# source does not exist): exit 2, stderr matches ERR.
refused_conf() {
	# shellcheck disable=SC2059
	printf "$1" "$T/o" >"$T/bad.conf"
	expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/nothing"
	expect_err "$2"
}

note "config: key format: an unknown value names file:line, exit 2, before any source"
refused_conf 'sinks = ( { type = "test"; path = "%s";\n format = "zip"; } );\n' \
	"^$T/bad.conf:2: unknown format 'zip' \\(\"s390\", \"elf\" or \"kdump\"\\)\$"
[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "not one line"; }
printf 'sinks = ( { type = "test"; path = "%s";\n format = 2; } );\n' "$T/o" >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img"
expect_err "^$T/bad.conf:2: 'format' must be a string: \"s390\", \"elf\" or \"kdump\"\$"
expect_rc 2 $ZFD -s "file:$T/img" -o "test:path=$T/o,format=ELF"
expect_err "^-o test: unknown format 'ELF' \\(\"s390\", \"elf\" or \"kdump\"\\)\$"
[ ! -e "$T/o" ] || fail "a sink was written with a bad format"

note "config: compress, compress_level, dump_level: file:line, exit 2, before any source"
refused_conf 'compress = "lz4";\nsinks = ( { type = "test"; path = "%s"; } );\n' \
	"^$T/bad.conf:1: 'compress' must be \"zstd\", \"lzo\", \"snappy\", \"zlib\" or \"none\"\$"
[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "not one line"; }
refused_conf 'sinks = ( { type = "test"; path = "%s";\n compress = "zlib";\n compress_level = 12; } );\n' \
	"^$T/bad.conf:3: 'compress_level': compress_level 12 is outside 1..9 for zlib\$"
refused_conf 'compress = "lzo";\ncompress_level = 3;\nsinks = ( { type = "test"; path = "%s"; } );\n' \
	"^$T/bad.conf:2: 'compress_level': compress_level 3: lzo has no levels \\(use 0\\)\$"
refused_conf 'dump_level = 32;\nsinks = ( { type = "test"; path = "%s"; } );\n' \
	"^$T/bad.conf:1: 'dump_level'"
refused_conf 'sinks = ( { type = "test"; path = "%s";\n dump_level = "all"; } );\n' \
	"^$T/bad.conf:2: 'dump_level'"
expect_rc 2 $ZFD -d 40 -s "file:$T/img" -o "test:path=$T/o"
expect_err "^zfcpdump: -d 40: the dump level is a number 0-31\$"
expect_rc 2 $ZFD -d x -s "file:$T/img" -o "test:path=$T/o"
expect_err "^zfcpdump: -d x: the dump level is a number 0-31\$"
[ ! -e "$T/o" ] || fail "a sink was written with a bad compress or dump level"

note "a sink built against sink ABI 1: one line, exit 2"
ln -s "$ZFD_BUILD/tests/plugins/.libs/abi1.so" "$PLUG/abi1.so"
expect_rc 2 $ZFD -s "file:$T/img" -o abi1
expect_err "^zfcpdump: error: $PLUG/abi1.so: sink ABI 1, this zfcpdump needs ABI 2 \\(rebuild it against the installed zfcpdump/sink.h\\)\$"
[ "$(wc -l <"$T/.stderr")" = 1 ] || { cat "$T/.stderr" >&2; fail "not one line"; }

note "plugin that is not a zfcpdump sink"
ln -s "$ZFD_BUILD/tests/plugins/.libs/not_a_sink.so" "$PLUG/libc.so"
printf 'sinks = ( { type = "libc"; } );\n' >"$T/libc.conf"
expect_rc 2 $ZFD -c "$T/libc.conf" -s "file:$T/img"
expect_err "no symbol zfd_sink_entry"

note "usage errors"
expect_rc 2 $ZFD -s "file:$T/img" -s zcore
expect_rc 2 $ZFD -x
expect_rc 2 $ZFD -s "tape:/dev/st0"
expect_err "expected zcore, vmcore or file:PATH"
expect_rc 2 $ZFD -n --check-config
expect_rc 2 $ZFD stray-argument
exit 0
