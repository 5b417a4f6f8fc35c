# Tape sink benchmark case (sourced by bench/run, or run directly:
# "bash bench/tape.sh [BUILDDIR]").
#
# bench_tape BUILDDIR [SIZE]
#	Runs the tape sink in-process against the simulated drive
#	(src/sinks/tape/tape_sim.c, which copies every record like a device
#	taking the data) with synthetic memory, through the same calls the
#	daemon makes, for block sizes 32K (default), 256K and 1M. Prints one
#	line per case:
#	"tape bs=32K: 4096 MiB, sink 0.61 s = 6700 MiB/s (with feeder 2.50 s = 1637 MiB/s)"
#	"sink" is the time spent inside the sink's write() calls; "with
#	feeder" adds the driver's zero-page scan and digest (the daemon's
#	share). Target: sink >= 1024 MiB/s at the default block size.
# case_tape IMG OUT (for bench/run: ". bench/tape.sh", add "tape" to the
# cases): the tape sink with the simulated drive, fed from the sample image
# like the daemon feeds it; OUT is unused (the drive keeps nothing).
case_tape() {
	local feed=$build/tests/unit/test_tape_feed

	[ -x "$feed" ] || make -C "$build" tests/unit/test_tape_feed >/dev/null ||
		die "cannot build tests/unit/test_tape_feed"
	measure "$feed" dump --sim -o block_size=32768 "$1"
}

bench_tape() {
	local build=$1 size=${2:-4G} bs out rc=0
	local feed=$build/tests/unit/test_tape_feed

	[ -x "$feed" ] || make -C "$build" tests/unit/test_tape_feed >/dev/null ||
		return 1
	for bs in 32K 256K 1M; do
		out=$("$feed" dump --sim --synthetic "$size" -o "block_size=$bs" 2>&1) ||
			{ echo "$out" >&2; return 1; }
		echo "$out" | awk -v bs="$bs" '/^fed / {
			gsub(/[();,]/, "");
			printf "tape bs=%s: %d MiB, sink %s s = %s MiB/s (with feeder %s s = %s MiB/s)\n",
				bs, $2 / 1048576, $12, $14, $5, $7
			if (bs == "32K" && $14 < 1024) { print "tape: sink below the 1 GiB/s target"; exit 1 }
		}' || rc=1
	done
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	here=$(cd "$(dirname "$0")/.." && pwd)
	bench_tape "$(cd "${1:-$here/build}" && pwd)" "${2:-4G}"
fi
