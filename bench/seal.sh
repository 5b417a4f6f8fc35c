# Sealed-dump cases for bench/run (sourced by it), doc/sealing.md. Run
#   bench/run -c "raw_plain raw_sealed"
# raw-plain: the daemon onto the raw sink with sparse = false (every byte
# written, as on a real partition, where no holes are punched); raw-sealed:
# the same with encrypt = { recipient }: every byte sealed and written.
# Target: raw-sealed <= 1.10 x raw-plain, peak RSS <= 8 MiB.
# Each run also prints its CPU seconds ("# cpu raw-sealed interleaved user
# U sys S"): on a shared machine the wall time follows the load, the CPU
# time is what sealing costs.

seal_need() {
	[ -x "$ZFCPDUMP" ] || die "no zfcpdump in $build (build first)"
	if [ ! -f "$run/seal.pub" ]; then
		"$build/zfcpdump-get" keygen -o "$run/seal" >/dev/null ||
			die "zfcpdump-get keygen failed"
	fi
}

# seal_cpu CASE IMG: the CPU seconds of the run just measured.
seal_cpu() {
	local lay=${2##*/sample-}
	lay=${lay%%-*}
	awk -v c="$1" -v l="$lay" -F': ' '
		/User time/ { u = $2 } /System time/ { s = $2 }
		END { printf "# cpu %-12s %-12s user %5.2f sys %5.2f\n", c, l, u, s }' "$run/time.out"
}

# bytes the sealed raw dump needs: envelope (17 bytes per 64 KiB chunk)
# rounded up, manifest block, one page of slack
seal_need_bytes() {
	echo $(( ($1 + 8192) / 65536 * 65553 + 65553 + 4 * 4096 ))
}

case_raw_plain() {
	seal_need
	fresh_target "$2" "$(raw_need "$MEM")"
	cat >"$run/plain.conf" <<EOF2
sinks = ( { type = "raw"; device = "$2"; sparse = false; } );
EOF2
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$run/plain.conf" -s "file:$1"
	seal_cpu raw-plain "$1"
}

case_raw_sealed() {
	seal_need
	fresh_target "$2" "$(seal_need_bytes "$MEM")"
	cat >"$run/sealed.conf" <<EOF2
sinks = ( { type = "raw"; device = "$2"; encrypt = { recipient = "$run/seal.pub"; }; } );
EOF2
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$run/sealed.conf" -s "file:$1"
	seal_cpu raw-sealed "$1"
}

# The same pair on a block device (the loop device of bench/run: direct
# I/O to a preallocated file, the raw sink writes it with O_DIRECT), where
# the dump goes at the device's speed, as onto a real dump partition.
case_raw_plain_loop() {
	seal_need
	loop_setup
	sync -f "$work" 2>/dev/null || sync
	cat >"$run/plain-loop.conf" <<EOF2
sinks = ( { type = "raw"; device = "$LOOP"; sparse = false; } );
EOF2
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$run/plain-loop.conf" -s "file:$1"
	seal_cpu raw-plain-loop "$1"
}

case_raw_sealed_loop() {
	seal_need
	loop_setup
	sync -f "$work" 2>/dev/null || sync
	cat >"$run/sealed-loop.conf" <<EOF2
sinks = ( { type = "raw"; device = "$LOOP"; encrypt = { recipient = "$run/seal.pub"; }; } );
EOF2
	measure "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$run/sealed-loop.conf" -s "file:$1"
	seal_cpu raw-sealed-loop "$1"
}

# The cipher alone (bench/zfd-sealspeed: 1 GiB sealed from memory, no I/O):
# one lane on one thread (what one secretstream can do), and the daemon's
# lanes for THREADS threads (two lanes a thread), to show how the lanes
# spread the cipher over the CPUs. The OUT file is not used.
seal_speed() {
	local bin=$build/bench/zfd-sealspeed
	[ -x "$bin" ] || make -C "$build" bench/zfd-sealspeed >/dev/null ||
		die "cannot build bench/zfd-sealspeed"
	measure "$bin" -s "$((MEM >> 20))" -l "$1" -t "$2"
	sed 's/^/# /' "$run/time.stdout" 2>/dev/null || true
}
case_seal_cipher_t1() { seal_speed 1 1; }
case_seal_cipher_t2() { seal_speed 4 2; }
case_seal_cipher_t4() { seal_speed 8 4; }

# The pair on the loop device at the speed of a real dump disk: a blkio
# cgroup (v1 throttle) limits the writes to the loop device to SEAL_BW
# bytes per second (default 1 GB/s, a fast FCP path or SSD), the same
# limit for plain and sealed. The unthrottled loop device writes at the
# host's page-cache speed (2+ GB/s here), faster than any dump disk.
SEAL_BW=${SEAL_BW:-1000000000}
SEAL_CG=""
seal_bw_setup() {
	local root=/sys/fs/cgroup/blkio
	[ -n "$SEAL_CG" ] && return 0
	[ -w "$root/blkio.throttle.write_bps_device" ] ||
		die "raw-*-bw cases need the cgroup v1 blkio controller at $root (root)"
	SEAL_CG=$root/zfd-bench.$$
	mkdir "$SEAL_CG"
	echo "$(lsblk -dno MAJ:MIN "$LOOP" | tr -d ' ') $SEAL_BW" \
		>"$SEAL_CG/blkio.throttle.write_bps_device"
}
seal_bw_cleanup() {
	[ -z "$SEAL_CG" ] || rmdir "$SEAL_CG" 2>/dev/null || true
	SEAL_CG=""
}
# seal_bw CONF IMG: the daemon with CONF inside the throttled cgroup
seal_bw() {
	sync -f "$work" 2>/dev/null || sync
	measure sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh \
		"$SEAL_CG" "$ZFCPDUMP" -q --plugin-dir "$PLUGINS" --cmdline none \
		-c "$1" -s "file:$2"
}
case_raw_plain_bw() {
	seal_need
	loop_setup
	seal_bw_setup
	cat >"$run/plain-bw.conf" <<EOF2
sinks = ( { type = "raw"; device = "$LOOP"; sparse = false; } );
EOF2
	seal_bw "$run/plain-bw.conf" "$1"
	seal_cpu raw-plain-bw "$1"
}
case_raw_sealed_bw() {
	seal_need
	loop_setup
	seal_bw_setup
	cat >"$run/sealed-bw.conf" <<EOF2
sinks = ( { type = "raw"; device = "$LOOP"; encrypt = { recipient = "$run/seal.pub"; }; } );
EOF2
	seal_bw "$run/sealed-bw.conf" "$1"
	seal_cpu raw-sealed-bw "$1"
}
