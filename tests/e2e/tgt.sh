# tgt helpers for the end-to-end tests (sourced, bash): a private tgtd on
# 127.0.0.1 serving tgtimg-made virtual tapes over iSCSI.
#
#   tgt_start WORKDIR	start tgtd on a free port with its own control
#			socket; sets TGT_PORT, TGT_CTL, TGT_PID
#   tgt_add_tape TID IQN FILE [PARAMS]
#			target TID with the tape FILE as LUN 1; PARAMS for
#			"logicalunit --op update", e.g. readonly=1 (write-
#			protected) or online=0 (no cartridge loaded)
#   tgt_stop		remove every target, stop tgtd, by PID
#   tgt_new_tape FILE MB	a fresh virtual cartridge
#
# tgtd ignores SIGTERM while it has targets: tgt_stop deletes them first,
# then asks tgtd to exit ("--mode system --op delete"), then waits for the
# PID it started (SIGKILL after 10 s).

TGT_PID=
TGT_PORT=
TGT_CTL=
TGT_TIDS=()

tgtadm_() {
	tgtadm -C "$TGT_CTL" --lld iscsi "$@"
}

# A TCP port on 127.0.0.1 that nobody listens on.
tgt_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

tgt_new_tape() {
	rm -f "$1"
	tgtimg --op=new --device-type=tape --barcode="ZFD$RANDOM" \
		--size="$2" --type=data --file="$1" >/dev/null
}

tgt_start() {
	local dir=$1 i
	TGT_PORT=$(tgt_free_port) || { echo "no free port" >&2; return 1; }
	for _ in $(seq 50); do
		TGT_CTL=$((1000 + RANDOM % 30000))
		[ -e "/var/run/tgtd/socket.$TGT_CTL" ] || break
	done
	tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" \
		>"$dir/tgtd.log" 2>&1 &
	TGT_PID=$!
	for i in $(seq 100); do
		tgtadm -C "$TGT_CTL" --mode system --op show >/dev/null 2>&1 &&
			return 0
		kill -0 "$TGT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "tgtd did not start:" >&2
	cat "$dir/tgtd.log" >&2
	return 1
}

tgt_add_tape() {
	local tid=$1 iqn=$2 file=$3 params=${4:-}
	tgtadm_ --mode target --op new --tid "$tid" -T "$iqn" || return 1
	TGT_TIDS+=("$tid")
	tgtadm_ --mode logicalunit --op new --tid "$tid" --lun 1 \
		--bstype ssc --device-type tape -b "$file" || return 1
	if [ -n "$params" ]; then
		tgtadm_ --mode logicalunit --op update --tid "$tid" --lun 1 \
			--params "$params" || return 1
	fi
	tgtadm_ --mode target --op bind --tid "$tid" -I ALL
}

tgt_stop() {
	local tid i
	[ -n "$TGT_PID" ] || return 0
	for tid in "${TGT_TIDS[@]}"; do
		tgtadm_ --mode target --op delete --force --tid "$tid" >/dev/null 2>&1
	done
	TGT_TIDS=()
	tgtadm -C "$TGT_CTL" --mode system --op delete >/dev/null 2>&1
	for i in $(seq 100); do
		kill -0 "$TGT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TGT_PID" 2>/dev/null
	wait "$TGT_PID" 2>/dev/null
	TGT_PID=
}
