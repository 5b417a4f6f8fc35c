#!/bin/bash
# (d) final_action = "reipl": after a complete dump the daemon writes to
# zcore/reipl and the guest restarts (QEMU -no-reboot exits).
. "$(dirname "$0")/lib.sh"
e2e_begin s40-reipl

mem=$((16 << 20))
img=$W/image
e2e_mkimage "$img" 16M --seed 40
disk=$W/disk
e2e_disk "$disk" 40 30

cat >"$W/zfcpdump.conf" <<EOF
source = { type = "zcore"; };
final_action = "reipl";
failure_action = "poweroff";
device_wait = 20;
$(e2e_conf_modules image=/dev/vda)
sinks = ( { type = "raw"; device = "/dev/sda1"; } );
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
e2e_boot "$W/console.log" "$W/initrd" "" 120 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "dump complete"
e2e_console_has "$c" "zcore_emu: reipl requested"
e2e_console_has "$c" "reboot: Restarting system"
e2e_console_lacks "$c" "reboot: Power down"
off=$(e2e_part_offset "$disk" 1)
e2e_same "$disk" "$off" "$img" 0 $((4096 + mem))
e2e_end_marker "$disk" $((off + 4096 + mem))
