#!/bin/bash
# (f) The kernel command line "dump_mem=64M dump_mode=auto" is honoured: of
# a 96 MiB image only 64 MiB are dumped, and dump_mode=auto turns the
# config's on_full = "fail" into delete-oldest - the old dump.0 that leaves
# too little room is deleted and the new dump becomes dump.1.
. "$(dirname "$0")/lib.sh"
e2e_begin s60-cmdline

limit=$((64 << 20))
img=$W/image
e2e_mkimage "$img" 96M --seed 60
# No zero pages: debugfs would leave them as holes, and the old dump must
# take real room.
e2e_mkimage "$W/old" 60M --seed 61 --mix 0,50,50 --end-marker
disk=$W/disk
e2e_disk "$disk" 140 110
e2e_mkfs "$disk" 1 ext3
off=$(e2e_part_offset "$disk" 1)
debugfs -w -R "write $W/old dump.0" "$disk?offset=$off" >/dev/null 2>&1
[ "$(e2e_fs_ls "$disk" 1 / | grep -c '^dump.0$')" = 1 ] || e2e_fail "could not plant the old dump.0"

cat >"$W/zfcpdump.conf" <<EOF
source = { type = "zcore"; };
final_action = "poweroff";
failure_action = "poweroff";
device_wait = 20;
$(e2e_conf_modules image=/dev/vda)
sinks = ( { type = "extfs"; device = "/dev/sda1"; sparse = false; on_full = "fail"; } );
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
e2e_boot "$W/console.log" "$W/initrd" "dump_mem=64M dump_mode=auto" 180 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "dump_mem=$limit"
e2e_console_has "$c" "dump complete"

e2e_fsck_clean "$disk" 1
names=$(e2e_fs_ls "$disk" 1 / | grep '^dump' | sort | tr '\n' ' ')
[ "$names" = "dump.1 dump.1.info " ] || e2e_fail "extfs holds '$names', want dump.1 dump.1.info"
e2e_extract_fs "$disk" 1 /dump.1 "$W/dump.1"
e2e_extract_fs "$disk" 1 /dump.1.info "$W/dump.1.info"
[ "$(stat -c %s "$W/dump.1")" -eq $((4096 + limit + 16)) ] ||
	e2e_fail "dump.1 has $(stat -c %s "$W/dump.1") bytes, want $((4096 + limit + 16))"
e2e_same "$W/dump.1" 4096 "$img" 4096 $limit
e2e_end_marker "$W/dump.1" $((4096 + limit))
[ "$(e2e_manifest_get "$W/dump.1.info" dumped_bytes)" = $limit ] ||
	e2e_fail "dumped_bytes $(e2e_manifest_get "$W/dump.1.info" dumped_bytes), want $limit"
e2e_note "status of the limited dump: $(e2e_manifest_get "$W/dump.1.info" status)"
