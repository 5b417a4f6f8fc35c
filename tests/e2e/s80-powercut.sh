#!/bin/bash
# (h) Power cut mid-dump (issue 12, "keep them out"). The dump disk holds an
# ext3 (/dev/sda1) with an older complete dump.0, a raw partition
# (/dev/sda2) and a second raw partition (/dev/sda3) with an older complete
# raw dump; both older dumps were written on the host by the installed
# zfcpdump. The guest mirrors a 512 MiB zcore dump (policy "all") onto
# extfs /dev/sda1 and raw /dev/sda2; the dump disk's writes are throttled
# so that the dump cannot finish before the cut, and the host SIGKILLs QEMU
# 12 s into the dump. Afterwards, on the host:
#  - both older dumps pass `zfcpdump-get verify`;
#  - `e2fsck -p` repairs or accepts the ext3, then `e2fsck -fn` is clean;
#  - the interrupted extfs dump is still named dump.1.incomplete, never
#    complete; zfcpdump-get info/list/verify call it incomplete; what it
#    claims (memory bytes present) is > 0 (the sink commits at least every
#    few seconds) and byte-exact: `zfcpdump-get copy` and the file itself
#    (read with debugfs) equal the source image's prefix;
#  - the interrupted raw dump is never complete: a raw partition holds one
#    dump and its header is written last, so the cut leaves the
#    placeholder header (zfcpdump-get refuses it and says why), or, should
#    the raw sink ever commit earlier, an incomplete dump whose claimed
#    part is byte-exact.
. "$(dirname "$0")/lib.sh"
e2e_begin s80-powercut

get=$E2E_INST$E2E_PREFIX/bin/zfcpdump-get
daemon=$E2E_INST$E2E_PREFIX/sbin/zfcpdump
plugins=$E2E_INST$E2E_PREFIX/lib/zfcpdump/sinks

mem=$((512 << 20))
img=$W/image
# No zero pages: every memory byte is written, at an even rate.
e2e_mkimage "$img" 512M --seed 80 --mix 0,60,40
old=$W/old
e2e_mkimage "$old" 16M --seed 81

disk=$W/disk
e2e_disk "$disk" 1250 700 520 20
e2e_mkfs "$disk" 1 ext3

# --- The older dumps, written on the host into partition images. --------
# host_dump SINK_SPEC: the installed daemon dumps $old to one sink.
host_dump() {
	cat >"$W/host.conf" <<EOF
source = { type = "file"; path = "$old"; };
final_action = "none";
failure_action = "none";
sinks = ( { type = "raw"; device = "/nonexistent"; } );
EOF
	"$daemon" -c "$W/host.conf" --plugin-dir "$plugins" -o "$1" \
		>"$W/host-dump.out" 2>&1 ||
		{ cat "$W/host-dump.out" >&2; e2e_fail "host dump to $1 failed"; }
}
# part_out DISK N FILE / part_in FILE DISK N: partition N to/from a file.
part_out() {
	local off size
	off=$(e2e_part_offset "$1" "$2")
	size=$(e2e_part_size "$1" "$2")
	dd if="$1" of="$3" bs=1M iflag=skip_bytes skip="$off" count=$((size >> 20)) \
		conv=sparse status=none
}
part_in() {
	local off
	off=$(e2e_part_offset "$2" "$3")
	dd if="$1" of="$2" bs=1M oflag=seek_bytes seek="$off" conv=notrunc,sparse status=none
}
part_out "$disk" 1 "$W/p1"
host_dump "extfs:device=$W/p1"
part_in "$W/p1" "$disk" 1
truncate -s 20M "$W/p3"
host_dump "raw:device=$W/p3"
part_in "$W/p3" "$disk" 3
rm -f "$W/p1" "$W/p3"

# --- The dump, cut 12 s in. ----------------------------------------------
cat >"$W/zfcpdump.conf" <<EOF
# e2e scenario (h): mirror onto extfs and raw; QEMU is killed mid-dump.
source = { type = "zcore"; };
policy = "all";
final_action = "poweroff";
failure_action = "poweroff";
device_wait = 20;
progress = { interval = 1; };
$(e2e_conf_modules image=/dev/vda)
sinks = (
  { type = "extfs"; device = "/dev/sda1"; },
  { type = "raw"; device = "/dev/sda2"; }
);
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
# 24 MiB/s for both sinks together: the 2 x 512 MiB take >= 40 s, however
# fast the host is.
bps=$((24 << 20))
dump_disk=$(e2e_scsi_disk "$disk" 0)
dump_disk=${dump_disk/cache=unsafe/cache=unsafe,throttling.bps-write=$bps}
log=$W/console.log
e2e_qemu_start "$log" "$W/initrd" "" $dump_disk $(e2e_image_disk "$img")
e2e_wait_console "$log" "writing /dev/sda1:/dump\.1\.incomplete" 120
t0=$(date +%s)
cut_after=${E2E_POWERCUT_AFTER:-12}
while [ $(($(date +%s) - t0)) -lt "$cut_after" ]; do
	kill -0 "$E2E_QEMU_PID" 2>/dev/null || e2e_fail "guest ended before the cut; see $log"
	sleep 0.2
done
e2e_kill_qemu
e2e_note "QEMU killed $cut_after s into the dump"
c=$(e2e_console "$log")
e2e_console_lacks "$c" "dump complete|zfcpdump summary"
last=$(grep -E '^ +[0-9]+ MiB of [0-9]+ MiB' "$c" | tail -n 1)
[ -n "$last" ] || e2e_fail "no progress line before the cut"
e2e_note "last progress line before the cut:$last"

# --- extfs: the filesystem. ----------------------------------------------
# The older dump.0 verifies as the cut left it (what an operator tries
# first), and again after e2fsck -p.
part_out "$disk" 1 "$W/p1.cut"
"$get" verify "$W/p1.cut:dump.0" >"$W/verify0.out" 2>&1 ||
	{ cat "$W/verify0.out" >&2; e2e_fail "extfs: the older dump.0 does not verify after the cut"; }
rm -f "$W/p1.cut"
p1off=$(e2e_part_offset "$disk" 1)
rc=0
e2fsck -p "$disk?offset=$p1off" >"$W/fsck-p.out" 2>&1 || rc=$?
cat "$W/fsck-p.out" >&2
[ $rc -le 1 ] || e2e_fail "e2fsck -p exit $rc: it could not repair the filesystem alone"
e2e_note "e2fsck -p exit $rc"
e2e_fsck_clean "$disk" 1
part_out "$disk" 1 "$W/p1"
"$get" verify "$W/p1:dump.0" >"$W/verify0.out" 2>&1 ||
	{ cat "$W/verify0.out" >&2; e2e_fail "extfs: the older dump.0 does not verify after e2fsck -p"; }
e2e_extract_fs "$disk" 1 /dump.0 "$W/dump.0"
e2e_same "$W/dump.0" 0 "$old" 0 $((4096 + (16 << 20)))
e2e_end_marker "$W/dump.0" $((4096 + (16 << 20)))

# The interrupted dump: still dump.1.incomplete, no dump.1, no manifest.
names=$(e2e_fs_ls "$disk" 1 / | grep '^dump' | sort | tr '\n' ' ')
[ "$names" = "dump.0 dump.0.info dump.1.incomplete " ] ||
	e2e_fail "extfs holds '$names', want dump.0 dump.0.info dump.1.incomplete"
"$get" list "$W/p1" >"$W/list.out" 2>&1 || true
cat "$W/list.out" >&2
grep -Eq 'dump\.1.*incomplete' "$W/list.out" || e2e_fail "list does not call dump.1 incomplete"
rc=0
"$get" verify "$W/p1:dump.1.incomplete" >"$W/verify1.out" 2>&1 || rc=$?
cat "$W/verify1.out" >&2
[ $rc -ne 0 ] || e2e_fail "verify accepts the interrupted extfs dump"
"$get" info --json "$W/p1:dump.1.incomplete" >"$W/info1.json" 2>&1 ||
	{ cat "$W/info1.json" >&2; e2e_fail "info cannot read the interrupted extfs dump"; }
cat "$W/info1.json" >&2
grep -q '"status": "incomplete"' "$W/info1.json" ||
	e2e_fail "info does not call the interrupted extfs dump incomplete"
claimed=$(sed -n 's/^ *"mem_present": \([0-9]*\),$/\1/p' "$W/info1.json")
[ -n "$claimed" ] || e2e_fail "info does not say how much of the interrupted dump is present"
[ "$claimed" -lt $mem ] || e2e_fail "info claims all $mem bytes of the interrupted dump"
e2e_note "extfs: $claimed of $mem memory bytes committed before the cut"
# Whatever it claims is byte-exact: through zfcpdump-get copy ...
rc=0
"$get" copy "$W/p1:dump.1.incomplete" "$W/copy1" >"$W/copy1.out" 2>&1 || rc=$?
cat "$W/copy1.out" >&2
[ -f "$W/copy1" ] || e2e_fail "copy of the interrupted extfs dump wrote nothing (exit $rc)"
[ "$(stat -c %s "$W/copy1")" -eq $((4096 + claimed)) ] ||
	e2e_fail "copy has $(stat -c %s "$W/copy1") bytes, want $((4096 + claimed))"
e2e_same "$W/copy1" 0 "$img" 0 $((4096 + claimed))
# ... and in the file itself, read by debugfs.
e2e_extract_fs "$disk" 1 /dump.1.incomplete "$W/dump.1.incomplete"
[ "$(stat -c %s "$W/dump.1.incomplete")" -ge $((4096 + claimed)) ] ||
	e2e_fail "dump.1.incomplete is shorter than the $claimed bytes claimed"
e2e_same "$W/dump.1.incomplete" 0 "$img" 0 $((4096 + claimed))
extfs_claimed=$claimed

# --- raw: the older dump on /dev/sda3 is intact. -------------------------
part_out "$disk" 3 "$W/p3"
"$get" verify "$W/p3" >"$W/verify3.out" 2>&1 ||
	{ cat "$W/verify3.out" >&2; e2e_fail "raw: the older dump on /dev/sda3 does not verify"; }
e2e_same "$W/p3" 0 "$old" 0 $((4096 + (16 << 20)))
e2e_end_marker "$W/p3" $((4096 + (16 << 20)))

# The interrupted raw dump on /dev/sda2 is never complete.
part_out "$disk" 2 "$W/p2"
rc=0
"$get" verify "$W/p2" >"$W/verify2.out" 2>&1 || rc=$?
cat "$W/verify2.out" >&2
[ $rc -ne 0 ] || e2e_fail "verify accepts the interrupted raw dump"
rc=0
"$get" info --json "$W/p2" >"$W/info2.json" 2>&1 || rc=$?
cat "$W/info2.json" >&2
if [ $rc -ne 0 ]; then
	grep -q "magic is 0 (a raw dump that never completed leaves its placeholder header)" \
		"$W/info2.json" || e2e_fail "info on the interrupted raw dump: exit $rc without the reason"
	e2e_note "raw: placeholder header, nothing claimed"
else
	! grep -q '"status": "complete"' "$W/info2.json" ||
		e2e_fail "info calls the interrupted raw dump complete"
	claimed=$(sed -n 's/^ *"mem_present": \([0-9]*\),$/\1/p' "$W/info2.json")
	[ -n "$claimed" ] || e2e_fail "info does not say how much of the raw dump is present"
	"$get" copy "$W/p2" "$W/copy2" >"$W/copy2.out" 2>&1 || true
	e2e_same "$W/copy2" 0 "$img" 0 $((4096 + claimed))
	e2e_note "raw: $claimed of $mem memory bytes claimed, byte-exact"
fi

# The extfs sink commits at least every few seconds: a cut after >= 10 s
# of dumping keeps something readable.
[ "$cut_after" -lt 10 ] || [ "$extfs_claimed" -gt 0 ] ||
	e2e_fail "nothing of the interrupted extfs dump is readable after $cut_after s of dumping"
