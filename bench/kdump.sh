# kdump-compressed output (issue 11 items 3 and 7), sourced by bench/run.
# `bench/run kdump` runs all of it; the cases also run alone with -c.
#
# The vmcore: a REAL /proc/vmcore, captured once with the project's QEMU
# kdump harness (tests/e2e/kdump.sh; Debian's kernel under TCG): a guest of
# KDUMP_BENCH_MEM MiB (default 1536; crashkernel=256M, so /proc/vmcore is
# about 1.3 GiB) fills page cache (a tmpfs file) and a user process's
# anonymous memory with the harness' text lines, holds real files in its
# rootfs (the first KDUMP_BENCH_FILES_MIB MiB, default 256, of
# /usr/include and /usr/lib/x86_64-linux-gnu of this machine: text and
# binaries, in the page cache; the initrd that carried them is freed,
# which leaves as many free pages with stale content), loads the capture
# kernel and panics through sysrq. The capture kernel dd's /proc/vmcore
# to a virtio disk, and the core is cut from it at the size it reported.
# It is kept in ${XDG_CACHE_HOME:-~/.cache}/zfcpdump/bench-kdump/, keyed
# by kernel version, memory size and this recipe's version; KDUMP_VMCORE=
# FILE uses another vmcore instead.
#
# Cases (all on the same vmcore, read warm from the page cache; every
# written byte is flushed inside the timing):
#   kdump-dd        dd bs=1M conv=fsync of the vmcore (read + write)
#   kdump-mdf-l     makedumpfile -d 31 -l (lzo: its fastest codec) + sync
#   kdump-mdf-c     makedumpfile -d 31 -c (zlib: its smallest) + sync
#   kdump-zstd      zstd -T2 -3 of the whole vmcore + sync
#   kdump-zfd31     zfcpdump -s file:VMCORE -d 31 -o raw:device=OUT,
#                   format=kdump,compress=zstd onto a fresh partition image
#   kdump-zfd1      the same with -d 1
#   kdump-mdf1-l, kdump-mdf1-c  makedumpfile -d 1 -l / -c (for comparison
#                   with kdump-zfd1: both compress page by page)
#   kdump-zfd31-tN, kdump-zfd1-tN  with "threads = N;" in a config file
#                   (N = 1, 2, 4; without it the daemon's default: one per
#                   online CPU); bench/run kdump adds zfd31-t1, zfd1-t1 and
#                   zfd1-t4 when the daemon knows the key
# Output sizes: the files' sizes; for the daemon the stored stream's size
# S (the manifest's, from zfcpdump-get info --json of the raw target).
#
# Then, once (kdump_big): a synthetic sparse ELF core of KDUMP_BIG (default
# 64G; zfd-mkimage --format elf --arch x86_64 --symbols --sparse, 98 %
# zero pages as file holes, 1 % text, 1 % random, mixed layout) dumped by
# the daemon with format=kdump at each level of KDUMP_BIG_LEVELS (default
# 1: its VMCOREINFO has no mem_section, so higher levels fall back to 1
# with a warning) and per threads=N when the daemon knows that key: time,
# peak RSS, output size. Issue 11 item 3: peak RSS <= 8 MiB
# with one thread, <= 16 MiB with 4, whatever the memory size.
#
# Targets (issue 11 item 7), medians: kdump-zfd31 time <= kdump-mdf-l
# (stretch 0.5 x) and size <= kdump-mdf-c; kdump-zfd1 faster than
# kdump-zstd and at most 5 % larger.

KDUMP_BENCH_MEM=${KDUMP_BENCH_MEM:-1536}
KDUMP_BENCH_FILES_MIB=${KDUMP_BENCH_FILES_MIB:-256}
KDUMP_BIG=${KDUMP_BIG:-64G}
KDUMP_BIG_LEVELS=${KDUMP_BIG_LEVELS:-1}
# bump when the guest's recipe changes: cached vmcores of older recipes
# are not used
kdump_recipe=r1
kdump_cache=${XDG_CACHE_HOME:-$HOME/.cache}/zfcpdump/bench-kdump

# kdump_kver: the guest kernel, as tests/e2e/run chooses it (the newest
# with /boot/vmlinuz-VER and modules).
kdump_kver() {
	local v
	for v in $(ls /lib/modules 2>/dev/null | sort -rV); do
		if [ -f "/boot/vmlinuz-$v" ] && [ -f "/lib/modules/$v/modules.dep" ]; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

# kdump_capture OUT KVER: boots the harness' guest and writes its vmcore
# to OUT (the capture's console log to OUT.console).
kdump_capture() {
	local out=$1 kver=$2 cdir rc=0
	command -v qemu-system-x86_64 >/dev/null && command -v kexec >/dev/null ||
		die "the kdump capture needs QEMU and kexec (scripts/install-deps test)"
	cdir=$(mktemp -d "$work/kdump-capture.XXXXXX")
	echo "capturing a vmcore ($KDUMP_BENCH_MEM MiB guest, kernel $kver; a few minutes under TCG) ..." >&2
	(
		export E2E_DIR=$cdir E2E_KVER=$kver
		# QEMU boots the bzImage itself (tests/e2e/run extracts the
		# vmlinux to save the decompression; not worth it once)
		export E2E_VMLINUX=/boot/vmlinuz-$kver
		. "$src/tests/e2e/lib.sh"
		. "$src/tests/e2e/kdump.sh"
		W=$cdir/w
		mkdir -p "$W"
		trap e2e_stop_qemu EXIT
		KDUMP_MEM=$KDUMP_BENCH_MEM
		KDUMP_PAGECACHE_MIB=256
		KDUMP_ANON_MIB=128
		# The harness' first initramfs, then the real files (a second
		# newc archive: the kernel unpacks both into its rootfs).
		eval "kdump_bench_$(declare -f kdump_build_first_initramfs)"
		kdump_build_first_initramfs() {
			local base f t n=0 max=$((KDUMP_BENCH_FILES_MIB << 20))
			local out=$KDUMP_CACHE/first-bench.cpio
			base=$(kdump_bench_kdump_build_first_initramfs)
			if [ ! -s "$out" ]; then
				t=$(mktemp -d "$KDUMP_CACHE.XXXXXX")
				while IFS= read -r f; do
					n=$((n + $(stat -c %s "$f")))
					[ $n -le $max ] || break
					mkdir -p "$t/data${f%/*}"
					cp "$f" "$t/data$f"
				done < <(find /usr/include /usr/lib/x86_64-linux-gnu -type f \
					-size -16M 2>/dev/null | LC_ALL=C sort)
				kdump_cpio "$t" "$t.cpio"
				cat "$base" "$t.cpio" >"$out"
				rm -rf "$t" "$t.cpio"
			fi
			echo "$out"
		}
		disk=$W/vmcore-disk
		truncate -s "$((KDUMP_BENCH_MEM + 64))M" "$disk"
		kdump_dd_initramfs "$W/capture.cpio" /dev/vda
		kdump_run "$W/console.log" "$W/capture.cpio" 1800 $(kdump_blk_disk "$disk" 0)
		size=$(kdump_dd_copied "$W/console.log")
		[ "$size" -ge $((1 << 30)) ] ||
			e2e_fail "/proc/vmcore has $size bytes, want at least 1 GiB (KDUMP_BENCH_MEM)"
		head -c "$size" "$disk" >"$out.$$"
		rm -f "$disk"
		kdump_fill_check "$out.$$"
		cp "$(e2e_console "$W/console.log")" "$out.console"
		mv "$out.$$" "$out"
	) >&2 || rc=$?
	if [ $rc -ne 0 ]; then
		rm -f "$out.$$"
		die "kdump capture failed (work dir kept: $cdir)"
	fi
	rm -rf "$cdir"
}

# kdump_cpu OUT: notes the CPU seconds (user + sys) of the run just
# measured for the case whose output is OUT ($run/out.CASE): on a shared
# machine they move less with the load than the wall time.
declare -A kdump_cpus=()
kdump_cpu() {
	local c=${1##*/out.}
	kdump_cpus[$c]="${kdump_cpus[$c]:-} $(awk -F': ' '/User time|System time/ { s += $2 }
		END { printf "%.2f", s }' "$run/time.out")"
}

# kdump_vmcore: the path of the vmcore (captured on first use, cached).
kdump_vmcore_path=""
kdump_vmcore() {
	local kver core
	if [ -n "$kdump_vmcore_path" ]; then
		echo "$kdump_vmcore_path"
		return 0
	fi
	if [ -n "${KDUMP_VMCORE:-}" ]; then
		core=$KDUMP_VMCORE
		[ -s "$core" ] || die "KDUMP_VMCORE=$core: no such file"
	else
		kver=$(kdump_kver) || die "no guest kernel (/boot/vmlinuz-VER and its modules: scripts/install-deps test)"
		mkdir -p "$kdump_cache"
		core=$kdump_cache/vmcore-$kver-${KDUMP_BENCH_MEM}m-files${KDUMP_BENCH_FILES_MIB}m-$kdump_recipe.elf
		[ -s "$core" ] || kdump_capture "$core" "$kver"
	fi
	kdump_vmcore_path=$core
	echo "$core"
}

# kdump_stream_size TARGET: the size S of the kdump stream a raw sink
# stored at offset 0 of TARGET: makedumpfile's flattened format, a 4096-
# byte header ("makedumpfile", type 1) and records (be64 offset, be64
# size, data) up to the end record (-1, -1); S is the offset behind it.
kdump_stream_size() {
	python3 - "$1" <<-'EOF' || die "$1: no complete flattened kdump stream"
	import struct, sys
	f = open(sys.argv[1], "rb")
	h = f.read(4096)
	if h[:12] != b"makedumpfile" or struct.unpack(">qq", h[16:32]) != (1, 1):
	    sys.exit("no flattened header")
	pos = 4096
	while True:
	    f.seek(pos)
	    r = f.read(16)
	    if len(r) != 16:
	        sys.exit("no end record")
	    off, size = struct.unpack(">qq", r)
	    pos += 16
	    if off == -1 and size == -1:
	        break
	    if off < 0 or size < 0:
	        sys.exit("bad record at %d" % (pos - 16))
	    pos += size
	print(pos)
	EOF
}

# kdump_zfd CORE OUT LEVEL [THREADS]: the daemon, file source -> raw sink,
# format kdump with zstd, onto a fresh partition image file; THREADS
# compression workers (the config file's top-level key "threads"; without
# it the daemon's default, one per online CPU); SEALED=1: sealed to a key
# (top-level encrypt, bench/seal.sh's key pair).
kdump_zfd() {
	local core=$1 out=$2 level=$3
	if [ -n "${4:-}" ]; then
		echo "threads = $4;" >"$out.conf"
	else
		: >"$out.conf"
	fi
	if [ "${5:-0}" = 1 ]; then
		seal_need
		echo "encrypt = { recipient = \"$run/seal.pub\"; };" >>"$out.conf"
	fi
	fresh_target "$out" $(( $(stat -c %s "$core") + 1048576 ))
	measure "$ZFCPDUMP" -q -c "$out.conf" --plugin-dir "$PLUGINS" \
		--cmdline none -s "file:$core" -d "$level" \
		-o "raw:device=$out,format=kdump,compress=zstd"
	rm -f "$out.conf"
	if [ "${5:-0}" = 1 ]; then
		OUTSIZE=$("$build/zfcpdump-get" info "$out" |
			sed -n 's/^Sealed bytes: *\([0-9]*\).*/\1/p')
	else
		OUTSIZE=$(kdump_stream_size "$out")
	fi
	kdump_cpu "$out"
}

case_kdump_dd() {
	local core
	core=$(kdump_vmcore)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure dd if="$core" of="$2" bs=1M conv=fsync status=none
	OUTSIZE=$(stat -c %s "$2")
	kdump_cpu "$2"
}

kdump_mdf() {	# OUT OPTS...: makedumpfile OPTS VMCORE OUT, flushed
	local out=$1 core
	shift
	command -v makedumpfile >/dev/null || die "makedumpfile missing (scripts/install-deps test)"
	core=$(kdump_vmcore)
	rm -f "$out"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'out=$1; shift; makedumpfile "$@" "$out" >/dev/null && sync "$out"' \
		sh "$out" "$@" "$core"
	OUTSIZE=$(stat -c %s "$out")
	kdump_cpu "$out"
}
case_kdump_mdf_l() { kdump_mdf "$2" -d 31 -l; }
case_kdump_mdf_c() { kdump_mdf "$2" -d 31 -c; }
# for comparison at level 1 (zero pages only): page by page, as ours
case_kdump_mdf1_l() { kdump_mdf "$2" -d 1 -l; }
case_kdump_mdf1_c() { kdump_mdf "$2" -d 1 -c; }

case_kdump_zstd() {
	local core
	command -v zstd >/dev/null || die "zstd missing (scripts/install-deps test)"
	core=$(kdump_vmcore)
	rm -f "$2"
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'zstd -q -T2 -3 -o "$2" "$1" && sync "$2"' sh "$core" "$2"
	OUTSIZE=$(stat -c %s "$2")
	kdump_cpu "$2"
}

case_kdump_zfd31() { kdump_zfd "$(kdump_vmcore)" "$2" 31; }
case_kdump_zfd1() { kdump_zfd "$(kdump_vmcore)" "$2" 1; }
case_kdump_zfd31_sealed() { kdump_zfd "$(kdump_vmcore)" "$2" 31 "" 1; }
case_kdump_zfd1_sealed() { kdump_zfd "$(kdump_vmcore)" "$2" 1 "" 1; }
for kdump_t in 1 2 4; do
	eval "case_kdump_zfd31_t$kdump_t() { kdump_zfd \"\$(kdump_vmcore)\" \"\$2\" 31 $kdump_t; }"
	eval "case_kdump_zfd1_t$kdump_t() { kdump_zfd \"\$(kdump_vmcore)\" \"\$2\" 1 $kdump_t; }"
done
unset kdump_t

# kdump_threads_known: the daemon knows the config key "threads" (a dry run
# with "threads = 1;" does not mention it in an error).
kdump_threads_known() {
	local t rc=0
	t=$(mktemp "$run/probe.XXXXXX")	# no "threads" in the name
	echo "threads = 1;" >"$t.conf"
	"$ZFCPDUMP" -q -n -c "$t.conf" --plugin-dir "$PLUGINS" --cmdline none \
		-s "file:$t" -o "raw:device=$t,format=kdump" >/dev/null 2>"$t.err" || true
	grep -qi "threads" "$t.err" && rc=1
	rm -f "$t" "$t.conf" "$t.err"
	return $rc
}

kdump_cases="kdump_dd kdump_mdf_l kdump_mdf_c kdump_zstd kdump_zfd31 kdump_zfd1 kdump_mdf1_l kdump_mdf1_c"

# Called by bench/run before the runs: the vmcore (captured now if not
# cached, then warm in the page cache), the threads settings.
kdump_prepare() {
	local core
	if ! printf '%s\n' $cases | grep -q '^kdump_' && [ "${kdump_with_big:-0}" != 1 ]; then
		return 0
	fi
	"$src/scripts/install-deps" test >&2 || die "cannot install the test packages"
	kdump_vmcore >/dev/null	# sets kdump_vmcore_path in this shell
	core=$kdump_vmcore_path
	cat "$core" >/dev/null	# warm, like the sample images
	kdump_mib=$(( $(stat -c %s "$core") / 1048576 ))
	echo "kdump vmcore: $core ($kdump_mib MiB)"
	if kdump_threads_known; then
		kdump_big_threads="1 4"
		if [ "$mode" = kdump ] && [ "$cases" = "$kdump_cases" ]; then
			cases="$cases kdump_zfd31_t1 kdump_zfd1_t1 kdump_zfd1_t4"
		fi
		echo "the daemon knows \"threads\": its default ($(nproc) here), and 1 and 4 compression workers"
	else
		echo "the daemon does not know \"threads\": its own compression threads only"
	fi
}

# kdump_big: the synthetic sparse core, dumped once per setting.
kdump_big() {
	local big=$work/core-x86_64-sparse98-$KDUMP_BIG.elf lv t out=$run/out.big
	if [ ! -s "$big" ]; then
		echo "generating $big ..."
		"$MKIMAGE" -o "$big.$$" -s "$KDUMP_BIG" --seed 1 --mix 98,1,1 \
			--layout mixed --format elf --arch x86_64 --cpus 2 \
			--symbols --sparse
		mv "$big.$$" "$big"
	fi
	echo
	echo "synthetic sparse core: $KDUMP_BIG x86_64 ($(du -h "$big" | cut -f1) allocated; 98 % zero pages as holes, 1 % text, 1 % random), format=kdump compress=zstd, once each:"
	# one untimed dump first: the first run after the generation (or after
	# the vmcore cases) took up to twice as long as the next ones
	kdump_zfd "$big" "$out" 1
	rm -f "$out"
	printf '%-22s %8s %8s %10s %9s\n' setting "wall s" "CPU s" "out MiB" "RSS MiB"
	for lv in $KDUMP_BIG_LEVELS; do
		for t in "" ${kdump_big_threads:-}; do
			kdump_zfd "$big" "$out" "$lv" $t
			awk -v s="-d $lv${t:+ threads=$t}" -v w="$WALL" -v u="${kdump_cpus[big]##* }" \
				-v o="$OUTSIZE" -v r="$RSS" 'BEGIN {
				printf "%-22s %8.2f %8.2f %10.1f %9.1f\n", s, w, u, o / 1048576, r / 1024 }'
			rm -f "$out"
		done
	done
}

# Printed after the table (bench/run calls it): sizes, the issue's ratios,
# then the big core.
kdump_summary() {
	local r have=0 core cpu
	declare -A med=() osz=()
	for r in "${results[@]}"; do
		set -- $r
		case $2 in kdump-*) have=1 ;; *) continue ;; esac
		med[$2]=$3
		osz[$2]=$6
	done
	[ "$have" = 1 ] || return 0
	core=$(kdump_vmcore)
	echo
	echo "vmcore: $core ($(stat -c %s "$core") bytes)"
	printf '%-16s %8s %8s %10s %9s\n' case "median s" "CPU s" "out MiB" "% vmcore"
	for r in "${results[@]}"; do
		set -- $r
		case $2 in kdump-*) ;; *) continue ;; esac
		cpu=$(printf '%s\n' ${kdump_cpus[${2//-/_}]:-0} | sort -n |
			awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		awk -v c="$2" -v w="$3" -v u="$cpu" -v o="$6" -v v="$(stat -c %s "$core")" 'BEGIN {
			printf "%-16s %8.2f %8.2f %10.1f %9.2f\n", c, w, u, o / 1048576, 100 * o / v }'
	done
	echo "(CPU s: median user + system seconds of the runs)"
	echo
	echo "issue 11 targets (medians): zfd31 time <= 1.0 x mdf-l (stretch 0.5), size <= mdf-c;"
	echo "zfd1 time < zstd, size <= 1.05 x zstd"
	kdump_ratio() {	# t|s A B [MAX]: A/B of the medians or sizes, and
		# whether it is <= MAX (< MAX for a time target of 1.0)
		local a=$2 b=$3 k=$1
		if [ -z "${med[$a]:-}" ] || [ -z "${med[$b]:-}" ]; then return 0; fi
		awk -v a="$a" -v b="$b" -v k="$k" -v ta="${med[$a]}" -v tb="${med[$b]}" \
			-v sa="${osz[$a]}" -v sb="${osz[$b]}" -v max="${4:-}" 'BEGIN {
			if (k == "t") { r = (tb > 0 ? ta / tb : 0); w = "time" }
			else { r = (sb > 0 ? sa / sb : 0); w = "size" }
			v = ""
			if (max != "") v = (r <= max + 0 ? "  met" : "  MISSED") " (target <= " max ")"
			printf "%s %-13s / %-13s %6.3f%s\n", w, a, b, r, v }'
	}
	kdump_ratio t kdump-zfd31 kdump-mdf-l 1.0
	kdump_ratio s kdump-zfd31 kdump-mdf-c 1.0
	kdump_ratio t kdump-zfd1 kdump-zstd 0.999
	kdump_ratio s kdump-zfd1 kdump-zstd 1.05
	kdump_ratio t kdump-zfd1 kdump-mdf1-l
	kdump_ratio s kdump-zfd1 kdump-mdf1-c
	echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ "${kdump_with_big:-0}" = 1 ]; then
		kdump_big
	fi
}
