# ELF core cases for bench/run (sourced by it; issue 10 item 8). The
# issue's comparison, all on the same core in the same run:
#   bench/run -l mixed -c "vmcore_dd vmcore_elf_raw vmcore_cp vmcore_makedumpfile"
# (add vmcore_dd_loop vmcore_elf_raw_loop for a loop device, as root).
#
# The core is generated once per layout beside the sample images:
# zfd-mkimage --format elf --arch x86_64 --symbols, the run's size and the
# mix 50 % zero, 30 % text, 20 % random pages (-l mixed: runs of 4 KiB to
# 4 MiB, as real memory; runs and interleaved as for the sample images),
# laid out like /proc/vmcore (kernel text twice) and with the VMCOREINFO
# and kernel data makedumpfile needs. Every zero page is in the file as
# zeros, as /proc/vmcore delivers them. The IMG argument is not used.
# VMCORE=/path/to/a/real/vmcore runs the cases on that file instead.
#
# Targets (issue 10): vmcore-elf-raw <= 0.5 x vmcore-makedumpfile and
# <= 1.0 x vmcore-cp (medians), peak RSS <= 8 MiB whatever the size.
# VMCORE_BIG=4G also dumps a sparse-ish core of that size once (90 % zero
# pages, zero pages as file holes) and prints zfcpdump's time and RSS.

vmcore_core() {	# ARCH: path of the generated core (made once)
	local core=$work/core-$1-$layout-$size.elf
	if [ -n "${VMCORE:-}" ]; then
		echo "$VMCORE"
		return
	fi
	if [ ! -s "$core" ]; then
		local sym=""
		[ "$1" = x86_64 ] && sym=--symbols
		echo "generating $core ..." >&2
		"$MKIMAGE" -o "$core.$$" -s "$size" --seed 1 --mix 50,30,20 \
			--layout "$layout" --format elf --arch "$1" --cpus 2 $sym >&2
		mv "$core.$$" "$core"
	fi
	if [ "${vmcore_warm:-}" != "$core" ]; then
		cat "$core" >/dev/null	# warm, like the sample image
		vmcore_warm=$core
	fi
	echo "$core"
}

# vmcore_target OUT CORE: a fresh target file for the raw sink, large
# enough for the ELF dump (at most the core's size) and the manifest.
vmcore_target() {
	fresh_target "$1" $(( $(stat -c %s "$2") + 1048576 ))
}

# vmcore-dd: the baseline, all bytes of the core, flushed.
case_vmcore_dd() {
	local core
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure dd if="$core" of="$2" bs=1M conv=fsync status=none
}

# vmcore-elf-raw: zfcpdump file source (the ELF core) -> raw sink with
# format elf onto a partition image file: what the daemon does with
# /proc/vmcore (zero pages stay holes of the file).
case_vmcore_elf_raw() {
	local core
	core=$(vmcore_core x86_64)
	vmcore_target "$2" "$core"
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-s "file:$core" -o "raw:device=$2,format=elf"
}

# vmcore-elf-raw-mmap: the same through the vmcore source ('path'), which
# reads the core through mmap() windows as it reads /proc/vmcore (the file
# source uses pread()).
case_vmcore_elf_raw_mmap() {
	local core
	core=$(vmcore_core x86_64)
	vmcore_target "$2" "$core"
	cat >"$2.conf" <<-EOF
	source = { type = "vmcore"; path = "$core"; };
	sinks = ( { type = "raw"; device = "$2"; format = "elf"; } );
	EOF
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$2.conf"
}

# vmcore-elf-raw-base: vmcore-elf-raw with another build of zfcpdump
# (ZFD_BASE=BUILD_DIR, e.g. the tree before a change), in the same run.
case_vmcore_elf_raw_base() {
	local core
	[ -n "${ZFD_BASE:-}" ] || die "vmcore_elf_raw_base needs ZFD_BASE=BUILD_DIR"
	core=$(vmcore_core x86_64)
	vmcore_target "$2" "$core"
	measure "$ZFD_BASE/zfcpdump" -q --plugin-dir "$ZFD_BASE/sinks" \
		--cmdline none -s "file:$core" -o "raw:device=$2,format=elf"
}

# vmcore-elf-raw-mid: the same with a third build (ZFD_MID=BUILD_DIR).
case_vmcore_elf_raw_mid() {
	local core
	[ -n "${ZFD_MID:-}" ] || die "vmcore_elf_raw_mid needs ZFD_MID=BUILD_DIR"
	core=$(vmcore_core x86_64)
	vmcore_target "$2" "$core"
	measure "$ZFD_MID/zfcpdump" -q --plugin-dir "$ZFD_MID/sinks" \
		--cmdline none -s "file:$core" -o "raw:device=$2,format=elf"
}

# vmcore-raw: an s390x core of the same mix to the raw sink in the s390
# format (the daemon's s390 path for ELF cores).
case_vmcore_raw() {
	local core
	core=$(vmcore_core s390x)
	fresh_target "$2" "$(raw_need "$MEM")"
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-s "file:$core" -o "raw:device=$2"
}

# vmcore-cp: cp --sparse=always of the core (the reference a kdump user
# would reach for), flushed.
case_vmcore_cp() {
	local core
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'cp --sparse=always "$1" "$2" && sync "$2"' sh "$core" "$2"
}

# vmcore-makedumpfile: Debian's makedumpfile -E -d 1 (ELF output, zero
# pages excluded), flushed.
case_vmcore_makedumpfile() {
	local core
	command -v makedumpfile >/dev/null || die "makedumpfile missing (scripts/install-deps)"
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'makedumpfile -E -d 1 "$1" "$2" >/dev/null && sync "$2"' sh "$core" "$2"
}

# vmcore-get-elf: zfcpdump-get copy -f elf of the core (the same elf
# format, from a file to a file).
case_vmcore_get_elf() {
	local core
	core=$(vmcore_core x86_64)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c '"$1" copy -f elf "$2" "$3" 2>/dev/null && sync "$3"' sh \
		"$build/zfcpdump-get" "$core" "$2"
}

# The same onto a loop device (a partition: direct I/O to a preallocated
# file on the same disk); needs root. The raw sink uses O_DIRECT there.
VLOOP=""
vmcore_loop() {	# CORE
	[ -n "$VLOOP" ] && return 0
	[ "$(id -u)" = 0 ] || die "loop device cases need root"
	fallocate -l $(( $(stat -c %s "$1") + 1048576 )) "$run/vloop.img"
	VLOOP=$(losetup -f --show --direct-io=on "$run/vloop.img")
}
vmcore_loop_cleanup() {
	[ -z "$VLOOP" ] || losetup -d "$VLOOP"
	VLOOP=""
}

case_vmcore_dd_loop() {
	local core
	core=$(vmcore_core x86_64)
	vmcore_loop "$core"
	sync -f "$work" 2>/dev/null || sync
	measure dd if="$core" of="$VLOOP" bs=1M conv=fsync status=none
}

case_vmcore_elf_raw_loop() {
	local core
	core=$(vmcore_core x86_64)
	vmcore_loop "$core"
	sync -f "$work" 2>/dev/null || sync
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-s "file:$core" -o "raw:device=$VLOOP,format=elf"
}

# Printed after the table (bench/run calls it): the issue's ratios, and
# the big core's RSS when VMCORE_BIG is set.
vmcore_summary() {
	local r l c w have=0
	declare -A med=()
	for r in "${results[@]}"; do
		set -- $r
		med[$1/$2]=$3
		case $2 in vmcore-elf-raw) have=1 ;; esac
	done
	[ "$have" = 1 ] || return 0
	echo
	echo "issue 10 targets: vmcore-elf-raw <= 0.5 x makedumpfile, <= 1.0 x cp (medians); RSS <= 8 MiB"
	for l in $layouts; do
		w=${med[$l/vmcore-elf-raw]:-}
		[ -n "$w" ] || continue
		for c in makedumpfile cp dd; do
			r=${med[$l/vmcore-$c]:-}
			[ -n "$r" ] || continue
			awk -v l="$l" -v c="$c" -v w="$w" -v r="$r" 'BEGIN {
				printf "%-12s vmcore-elf-raw / vmcore-%-13s %5.2f\n", l, c, (r > 0 ? w / r : 0) }'
		done
	done
	if [ -n "${VMCORE_BIG:-}" ]; then
		local big=$work/core-x86_64-sparse-$VMCORE_BIG.elf
		if [ ! -s "$big" ]; then
			echo "generating $big ..."
			"$MKIMAGE" -o "$big.$$" -s "$VMCORE_BIG" --seed 1 --mix 90,5,5 \
				--layout mixed --format elf --arch x86_64 --cpus 2 \
				--symbols --sparse
			mv "$big.$$" "$big"
		fi
		vmcore_target "$run/out.big" "$big"
		measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
			-s "file:$big" -o "raw:device=$run/out.big,format=elf"
		echo "big core: $VMCORE_BIG x86_64 (90 % zero pages as file holes, 5 % text, 5 % random), vmcore-elf-raw once: $(printf "%.2f" "$WALL") s, peak RSS $(awk -v r="$RSS" 'BEGIN { printf "%.1f", r / 1024 }') MiB"
		rm -f "$run/out.big"
	fi
}
