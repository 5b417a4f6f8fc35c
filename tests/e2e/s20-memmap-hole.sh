#!/bin/bash
# (b) A memory hole in zcore/memmap (40-48 MiB of a 64 MiB image): the daemon
# skips it (the module served only the existing 56 MiB), counts it in both
# manifests (hole_bytes), and both dumps hold zeros there - written over a
# raw partition that was filled with 0xff before.
. "$(dirname "$0")/lib.sh"
e2e_begin s20-memmap-hole

mem=$((64 << 20))
hole=$((8 << 20))
img=$W/image
e2e_mkimage "$img" 64M --seed 20 --hole 40M:8M
disk=$W/disk
e2e_disk "$disk" 200 100 80
e2e_mkfs "$disk" 1 ext3
off=$(e2e_part_offset "$disk" 2)
e2e_fill "$disk" 2 377

cat >"$W/zfcpdump.conf" <<EOF
source = { type = "zcore"; };
policy = "all";
final_action = "poweroff";
failure_action = "poweroff";
device_wait = 20;
$(e2e_conf_modules image=/dev/vda memmap=0-40M,48M-64M)
sinks = (
  { type = "extfs"; device = "/dev/sda1"; },
  { type = "raw"; device = "/dev/sda2"; }
);
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
e2e_boot "$W/console.log" "$W/initrd" "" 180 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "dump complete"
# Only the existing memory was read: 56 MiB, the hole never; and before
# it the 8 bytes of the lowcore's VMCOREINFO pointer that the kernel log
# lookup reads (this image has none: "kernel log not found").
e2e_console_has "$c" "kernel log not found: the dump has no VMCOREINFO"
e2e_console_has "$c" "zcore_emu: hsa released \(.*; $((mem - hole + 8)) bytes of memory read so far\)"

e2e_fsck_clean "$disk" 1
e2e_extract_fs "$disk" 1 /dump.0 "$W/dump.0"
e2e_extract_fs "$disk" 1 /dump.0.info "$W/dump.0.info"
e2e_same "$W/dump.0" 0 "$img" 0 $((4096 + mem))
e2e_end_marker "$W/dump.0" $((4096 + mem))
cmp -s -n $hole <(e2e_bytes "$W/dump.0" $((4096 + (40 << 20))) $hole) /dev/zero ||
	e2e_fail "dump.0: the hole is not zeros"
e2e_same "$disk" "$off" "$img" 0 $((4096 + mem))
cmp -s -n $hole <(e2e_bytes "$disk" $((off + 4096 + (40 << 20))) $hole) /dev/zero ||
	e2e_fail "raw: the hole is not zeros"
e2e_raw_manifest "$disk" 2 $((4096 + mem + 4096)) "$W/raw.info"
for m in "$W/dump.0.info" "$W/raw.info"; do
	[ "$(e2e_manifest_get "$m" status)" = complete ] || e2e_fail "$m: status $(e2e_manifest_get "$m" status)"
	[ "$(e2e_manifest_get "$m" hole_bytes)" = $hole ] || e2e_fail "$m: hole_bytes $(e2e_manifest_get "$m" hole_bytes), want $hole"
done
