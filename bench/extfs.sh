#!/bin/bash
# The extfs case of the benchmarks: the time of an extfs dump against the
# raw sink's (or, without a raw sink in the build, dd's) on the same bytes,
# in the same run, on the same disk.
#
# As a library for bench/run:   . bench/extfs.sh; bench_extfs BUILD WORKDIR SIZE
# Standalone:                    bench/extfs.sh [-b BUILD] [-w WORKDIR] [SIZE]
#
# Cases (SIZE of memory, default 1G; zfd-mkimage's default mix 50 % zero):
#   raw                the baseline: raw sink (or dd bs=1M conv=fsync)
#   ext3/ext4 full     sparse = false: every byte written
#   ext3/ext4 sparse   zero pages in 1 MiB runs, as real memory has them
#   ext3/ext4 sparse-i zero pages interleaved page by page (adversarial)
# Prints one line per case: name, seconds, MiB/s, ratio to the baseline,
# and for sparse cases the allocated MiB against the non-zero data.
# Targets (issue): full <= 1.2 x raw; sparse <= 0.7 x raw with allocated
# blocks ~ non-zero data.

# ---- cases for bench/run (source this file after bench/run's helpers:
# measure, MEM, ZFCPDUMP, PLUGINS); add them to its case list:
#   extfs2       ext2, sparse (default)
#   extfs        ext3, sparse (default)      extfs_full   ext3, sparse = false
#   extfs4       ext4, sparse (default)      extfs4_full  ext4, sparse = false
# Issue 12's target, extfs <= 1.1 x raw on both layouts, ext2/3/4:
#   bench/run -c "dd raw extfs2 extfs extfs4" 
# The filesystem is made (untimed) in OUT, big enough for the whole dump.

extfs_target() {	# OUT TYPE
	rm -f "$1"
	mke2fs -q -F -t "$2" "$1" "$(( (MEM + MEM / 8) / 1048576 + 64 ))M" \
		>/dev/null 2>&1 || { echo "bench: mke2fs $1 failed" >&2; exit 1; }
	sync -f "$(dirname "$1")" 2>/dev/null || sync
}

extfs_case() {		# IMG OUT TYPE OPTS
	extfs_target "$2" "$3"
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-s "file:$1" -o "extfs:device=$2,fsck=no$4"
}

case_extfs2() { extfs_case "$1" "$2" ext2 ""; }
case_extfs() { extfs_case "$1" "$2" ext3 ""; }
case_extfs_full() { extfs_case "$1" "$2" ext3 ",sparse=false"; }
case_extfs4() { extfs_case "$1" "$2" ext4 ""; }
case_extfs4_full() { extfs_case "$1" "$2" ext4 ",sparse=false"; }

# ---- standalone: bench_extfs, one table with allocation figures

bench_extfs_now() { date +%s.%N; }

# bench_extfs_run SECONDS_VAR CMD...: runs CMD, stores the wall time.
bench_extfs_time() {
	local __var=$1 t0 t1
	shift
	sync
	t0=$(bench_extfs_now)
	"$@" >/dev/null 2>"$BENCH_EXTFS_W/err" || {
		cat "$BENCH_EXTFS_W/err" >&2
		echo "bench extfs: '$*' failed" >&2
		return 1
	}
	t1=$(bench_extfs_now)
	printf -v "$__var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

bench_extfs_line() {	# NAME SECONDS BYTES BASE [EXTRA]
	awk -v n="$1" -v s="$2" -v b="$3" -v r="$4" -v x="${5:-}" 'BEGIN {
		printf "%-18s %7.2f s %8.1f MiB/s %6.2f x raw  %s\n", n, s, b / 1048576 / s, s / r, x }'
}

bench_extfs() {		# BUILD WORKDIR SIZE
	local build=$1 w=$2 size=${3:-1G} zfd base t img fsz bytes alloc zp nz
	BENCH_EXTFS_W=$w
	mkdir -p "$w" || return 1
	zfd="$build/zfcpdump --plugin-dir $build/sinks --cmdline none"
	"$build/zfd-mkimage" -o "$w/img" -s "$size" --seed 1 >/dev/null || return 1
	"$build/zfd-mkimage" -o "$w/imgi" -s "$size" --seed 1 --layout interleaved \
		>/dev/null || return 1
	bytes=$(stat -c %s "$w/img")
	fsz=$(( bytes * 3 / 2 / 1048576 + 64 ))M

	echo "# extfs bench: $size of memory, filesystem ${fsz}, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
	rm -f "$w/raw"
	if [ -e "$build/sinks/raw.so" ]; then
		truncate -s "$fsz" "$w/raw"
		bench_extfs_time base $zfd -s "file:$w/img" -o "raw:device=$w/raw" || return 1
		bench_extfs_line "raw (raw sink)" "$base" "$bytes" "$base"
	else
		bench_extfs_time base dd if="$w/img" of="$w/raw" bs=1M conv=fsync || return 1
		bench_extfs_line "raw (dd, no sink)" "$base" "$bytes" "$base"
	fi
	rm -f "$w/raw"

	for t in ext3 ext4; do
		for c in full sparse sparse-i; do
			img=$w/img
			opts="fsck=no"
			case $c in
			full) opts="$opts,sparse=false" ;;
			sparse-i) img=$w/imgi ;;
			esac
			mke2fs -q -F -t "$t" "$w/fs" "$fsz" >/dev/null 2>&1 || return 1
			bench_extfs_time s $zfd -s "file:$img" -o "extfs:device=$w/fs,$opts" ||
				return 1
			alloc=$(debugfs -R "stat /dump.0" "$w/fs" 2>/dev/null |
				sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p')
			extra=""
			if [ "$c" != full ]; then
				debugfs -R "dump /dump.0.info $w/info" "$w/fs" >/dev/null 2>&1
				zp=$(sed -n 's/^zero_pages: //p' "$w/info")
				nz=$(( (bytes - zp * 4096) >> 20 ))
				extra="allocated $((alloc / 2048)) MiB, non-zero data $nz MiB"
			fi
			bench_extfs_line "$t $c" "$s" "$bytes" "$base" "$extra"
			e2fsck -fn "$w/fs" >/dev/null 2>&1 ||
				echo "bench extfs: $t $c: e2fsck -fn not clean" >&2
		done
	done
	bench_extfs_commits "$build" "$w" || return 1
	rm -f "$w/fs" "$w/img" "$w/imgi" "$w/info" "$w/err"
}

# The cost of committing every 5 s as well as every 256 MiB (issue 12): a
# slow source (1 MiB every 100 ms, 128 MiB: 12.8 s) through extfs-feed,
# whose debug lines give the time of every commit. A time-based commit
# costs its own duration once per 5 s of dump; at full speed (256 MiB in
# well under 5 s) there are none.
bench_extfs_commits() {	# BUILD WORKDIR
	local build=$1 w=$2 t n sum
	make -C "$build" tests/unit/extfs-feed >/dev/null || return 1
	"$build/zfd-mkimage" -o "$w/slow" -s 128M --seed 3 >/dev/null || return 1
	for t in ext3 ext4; do
		mke2fs -q -F -t "$t" "$w/fs" 256M >/dev/null 2>&1 || return 1
		"$build/tests/unit/extfs-feed" --delay-ms 100 "$w/slow" \
			"device = \"$w/fs\"; fsck = \"no\";" >/dev/null 2>"$w/err" || return 1
		# the first commit is the header's, the last one finish()'s
		n=$(grep -c 'commit at' "$w/err")
		sum=$(sed -n 's/.*commit at [0-9]* MiB took \([0-9.]*\) s/\1/p' "$w/err" |
			sed '1d;$d' | awk '{ s += $1 } END { printf "%.3f", s }')
		awk -v t="$t" -v n="$n" -v s="$sum" 'BEGIN {
			k = n - 2; if (k < 1) k = 1
			printf "%-18s %d time-based commits in 12.8 s, %.1f ms each: %.2f %% of the dump time\n",
				t " 5 s commits", n - 2, s * 1000 / k, s / 12.8 * 100 }'
	done
	rm -f "$w/slow"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	build=$(cd "$(dirname "$0")/.." && pwd)/build
	work=${TMPDIR:-/tmp}/zfd-bench-extfs
	while getopts b:w: o; do
		case $o in
		b) build=$OPTARG ;;
		w) work=$OPTARG ;;
		*) echo "usage: $0 [-b BUILD] [-w WORKDIR] [SIZE]" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	bench_extfs "$build" "$work" "${1:-1G}"
	rc=$?
	rm -rf "$work"
	exit $rc
fi
