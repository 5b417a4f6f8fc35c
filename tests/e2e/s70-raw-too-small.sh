#!/bin/bash
# (g) The raw sink's partition (16 MiB) is too small for the 64 MiB dump:
# nothing is written (the 0xa5 fill survives byte for byte) and the
# failure action (poweroff) is taken instead of the final action (reipl).
. "$(dirname "$0")/lib.sh"
e2e_begin s70-raw-too-small

img=$W/image
e2e_mkimage "$img" 64M --seed 70
disk=$W/disk
e2e_disk "$disk" 40 16
off=$(e2e_part_offset "$disk" 1)
e2e_fill "$disk" 1 245
cp "$disk" "$W/disk.before"

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
e2e_console_has "$c" "raw:/dev/sda1: .*(too small|does not fit|smaller)"
e2e_console_has "$c" "dump failed"
e2e_console_has "$c" "reboot: Power down"
e2e_console_lacks "$c" "zcore_emu: reipl requested"
e2e_console_lacks "$c" "dump complete"
cmp -s "$disk" "$W/disk.before" || e2e_fail "the dump disk was written to"
