# ELF core cases for bench/run (sourced by it; issue 10). Run them with
#   bench/run -l runs -c "dd vmcore_raw vmcore_cp vmcore_get_elf"
# The cores are generated once beside the sample images (zfd-mkimage
# --format elf, same size and mix: 50 % zero, 30 % text, 20 % random
# pages): an s390x one and an x86_64 one (kernel text described twice, like
# /proc/vmcore). The IMG argument of the cases is not used.
#
# vmcore_makedumpfile runs Debian's makedumpfile -E -d 1 and needs a real
# core (zfd-mkimage's VMCOREINFO has no kernel symbols that makedumpfile
# could use): give one with VMCORE=/path/to/vmcore, e.g. the dd copy of
# /proc/vmcore that tests/e2e's kdump test keeps, and run
#   VMCORE=... bench/run -l runs -c "vmcore_cp vmcore_makedumpfile"
# (vmcore_cp then copies the same file).

vmcore_core() {	# ARCH: path of the generated core (made once)
	local core=$work/core-$1-$size.elf
	if [ -n "${VMCORE:-}" ]; then
		echo "$VMCORE"
		return
	fi
	if [ ! -s "$core" ]; then
		"$MKIMAGE" -o "$core.$$" -s "$size" --seed 1 --mix 50,30,20 \
			--format elf --arch "$1" --cpus 2 >&2
		mv "$core.$$" "$core"
	fi
	cat "$core" >/dev/null	# warm, like the sample image
	echo "$core"
}

# vmcore-raw: zfcpdump, vmcore source (path = the core, mmap() windows) ->
# raw sink; an s390x core, written in the s390 format (the elf format
# reaches the sinks with sink ABI 2, see doc/formats.md).
case_vmcore_raw() {
	local core
	core=$(vmcore_core s390x)
	fresh_target "$2" "$(raw_need "$MEM")"
	printf 'source = { type = "vmcore"; path = "%s"; };\nsinks = ( { type = "raw"; device = "%s"; } );\n' \
		"$core" "$2" >"$run/vmcore.conf"
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none -c "$run/vmcore.conf"
}

# vmcore-cp: cp --sparse=always of the x86_64 core (the reference a kdump
# user would reach for), flushed.
case_vmcore_cp() {
	local core
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'cp --sparse=always "$1" "$2" && sync "$2"' sh "$core" "$2"
}

# vmcore-get-elf: zfcpdump-get copy -f elf of the x86_64 core: the elf
# format (notes unchanged, kernel text stored once, zero pages as holes).
case_vmcore_get_elf() {
	local core
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c '"$1" copy -f elf "$2" "$3" 2>/dev/null && sync "$3"' sh \
		"$build/zfcpdump-get" "$core" "$2"
}

# vmcore-makedumpfile: makedumpfile -E -d 1 (ELF output, zero pages
# excluded) of VMCORE (a real core only, see above).
case_vmcore_makedumpfile() {
	[ -n "${VMCORE:-}" ] || die "vmcore_makedumpfile needs VMCORE=/path/to/a/real/vmcore"
	command -v makedumpfile >/dev/null || die "makedumpfile missing (scripts/install-deps)"
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'makedumpfile -E -d 1 "$1" "$2" >/dev/null && sync "$2"' sh "$VMCORE" "$2"
}
