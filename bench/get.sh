# zfcpdump-get cases for bench/run (sourced by it). Run them with
#   bench/run -c "dd get_copy get_copy_elf get_verify"
# Every case flushes what it writes inside the timing, like the dd case
# (dd conv=fsync; here 'sync FILE', an fsync of that file).

GET=$build/zfcpdump-get

get_need() {
	[ -x "$GET" ] || die "no zfcpdump-get in $build (build first)"
}

# get-copy: s390 -> s390 copy of the image (zero pages become holes).
case_get_copy() {
	get_need
	rm -f "$2" "$2.info"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c '"$1" copy "$2" "$3" 2>/dev/null && sync "$3"' sh "$GET" "$1" "$2"
}

# get-copy-elf: s390 -> ELF core conversion.
case_get_copy_elf() {
	get_need
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c '"$1" copy -f elf --force "$2" "$3" 2>/dev/null && sync "$3"' sh "$GET" "$1" "$2"
}

# get-verify: verify of a raw dump written (untimed) by zfcpdump: reads
# every byte and recomputes the xxh3-128 digest; RSS must stay <= 16 MiB.
case_get_verify() {
	get_need
	fresh_target "$2" "$(raw_need "$MEM")"
	"$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none -s "file:$1" \
		-o "raw:device=$2" || die "zfcpdump for get_verify failed"
	cat "$2" >/dev/null	# page cache as warm as for dd's source
	measure "$GET" verify -q "$2"
}
