#!/bin/bash
# (c) HSA order with hsa_release = "end" and policy "first": the first sink
# (extfs on a partition too small for the dump) fails half-way, past the
# 32 MiB HSA; the daemon fails over
# to raw, which re-reads the source from offset 0 through the same open
# descriptor - the HSA part included - and only after that last sink has
# finished is the HSA released (the module logs it; asserted from the
# console order and from the bytes the module had served by then).
. "$(dirname "$0")/lib.sh"
e2e_begin s30-hsa-order

mem=$((64 << 20))
img=$W/image
e2e_mkimage "$img" 64M --seed 30
disk=$W/disk
e2e_disk "$disk" 120 24 80
e2e_mkfs "$disk" 1 ext3
off=$(e2e_part_offset "$disk" 2)

cat >"$W/zfcpdump.conf" <<EOF
source = { type = "zcore"; };
policy = "first";
hsa_release = "end";
final_action = "poweroff";
failure_action = "poweroff";
device_wait = 20;
$(e2e_conf_modules image=/dev/vda hsa_size=32M)
sinks = (
  { type = "extfs"; device = "/dev/sda1"; on_full = "fail"; },
  { type = "raw"; device = "/dev/sda2"; }
);
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
e2e_boot "$W/console.log" "$W/initrd" "" 180 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "dump complete"
e2e_console_lacks "$c" "Input/output error"

over=$(e2e_line_of "$c" "failing over to raw:/dev/sda2")
rel=$(e2e_line_of "$c" "zcore_emu: hsa released")
[ "$over" -lt "$rel" ] || e2e_fail "HSA released (line $rel) before the failover (line $over)"
# By the release, the extfs pass had read past the HSA (the sparse dump
# fills the small filesystem only after some 55 MiB) and the raw pass had
# read all of the memory again.
read_by=$(sed -n 's/.*zcore_emu: hsa released (.*; \([0-9]*\) bytes of memory read so far).*/\1/p' "$c")
[ "$read_by" -gt $((mem + (32 << 20))) ] ||
	e2e_fail "HSA released after $read_by bytes were read, want more than $((mem + (32 << 20)))"
e2e_note "memory bytes read before the HSA release: $read_by"
grep -A3 'zfcpdump summary' "$c" | grep -q "raw:/dev/sda2: complete" ||
	e2e_fail "summary does not show raw complete"

# The raw dump is byte-exact, the HSA part (first 32 MiB) included.
e2e_same "$disk" "$off" "$img" 0 $((4096 + mem))
e2e_end_marker "$disk" $((off + 4096 + mem))
e2e_raw_manifest "$disk" 2 $((4096 + mem + 4096)) "$W/raw.info"
[ "$(e2e_manifest_get "$W/raw.info" status)" = complete ] || e2e_fail "raw status $(e2e_manifest_get "$W/raw.info" status)"
# The failed extfs attempt left no complete-looking dump behind.
e2e_fsck_clean "$disk" 1
! e2e_fs_ls "$disk" 1 / | grep -qx 'dump.0' || e2e_fail "extfs holds a dump.0 after failing"
