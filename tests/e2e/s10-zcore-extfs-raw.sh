#!/bin/bash
# (a) zcore source (zcore_emu over a 128 MiB image on a read-only virtio disk) to
# extfs on /dev/sda1 (ext3) and raw on /dev/sda2, policy "all": both dumps
# byte-exact, the filesystem fsck-clean, both manifests complete. Then a
# second boot mounts the partition with the guest kernel's own ext3 driver
# and reads dump.0 back: identical.
. "$(dirname "$0")/lib.sh"
e2e_begin s10-zcore-extfs-raw

mem=$((128 << 20))
img=$W/image
e2e_mkimage "$img" 128M --seed 10
disk=$W/disk
e2e_disk "$disk" 400 200 180
e2e_mkfs "$disk" 1 ext3

cat >"$W/zfcpdump.conf" <<EOF
# e2e scenario (a): mirror one zcore dump onto extfs and raw.
source = { type = "zcore"; };
policy = "all";
hsa_release = "end";
final_action = "poweroff";
failure_action = "poweroff";
device_wait = 20;
progress = { interval = 5; };
$(e2e_conf_modules image=/dev/vda)
sinks = (
  { type = "extfs"; device = "/dev/sda1"; },
  { type = "raw"; device = "/dev/sda2"; }
);
EOF
e2e_dump_initrd "$W/initrd" "$W/zfcpdump.conf"
e2e_boot "$W/console.log" "$W/initrd" "" 240 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "dump complete"
e2e_console_has "$c" "reboot: Power down"
e2e_console_lacks "$c" "Kernel panic"
# PID 1 loaded the packed modules itself (no libkmod), in the order
# zfcpdump-mkinitramfs wrote, zcore_emu with its parameter; none failed.
e2e_console_has "$c" "zfcpdump: module virtio_pci loaded"
e2e_console_has "$c" "zfcpdump: module sd_mod loaded"
e2e_console_has "$c" "zfcpdump: module zcore_emu loaded with image=/dev/vda$"
e2e_console_lacks "$c" "warning: module"

# extfs: dump.0 = the image, then the end marker; fsck-clean; manifest.
e2e_fsck_clean "$disk" 1
names=$(e2e_fs_ls "$disk" 1 / | grep '^dump' | sort | tr '\n' ' ')
[ "$names" = "dump.0 dump.0.info " ] || e2e_fail "extfs holds '$names', want dump.0 dump.0.info"
e2e_extract_fs "$disk" 1 /dump.0 "$W/dump.0"
e2e_extract_fs "$disk" 1 /dump.0.info "$W/dump.0.info"
[ "$(stat -c %s "$W/dump.0")" -eq $((4096 + mem + 16)) ] ||
	e2e_fail "dump.0 has $(stat -c %s "$W/dump.0") bytes, want $((4096 + mem + 16))"
e2e_same "$W/dump.0" 0 "$img" 0 $((4096 + mem))
e2e_end_marker "$W/dump.0" $((4096 + mem))
m=$W/dump.0.info
[ "$(e2e_manifest_get "$m" status)" = complete ] || e2e_fail "extfs manifest status: $(e2e_manifest_get "$m" status)"
[ "$(e2e_manifest_get "$m" mem_size)" = $mem ] || e2e_fail "extfs manifest mem_size: $(e2e_manifest_get "$m" mem_size)"
[ "$(e2e_manifest_get "$m" dumped_bytes)" = $mem ] || e2e_fail "extfs manifest dumped_bytes: $(e2e_manifest_get "$m" dumped_bytes)"
for k in format zero_pages hole_bytes started finished seconds source sink digest version; do
	[ -n "$(e2e_manifest_get "$m" $k)" ] || e2e_fail "extfs manifest lacks $k"
done
[ "$(e2e_manifest_get "$m" hole_bytes)" = 0 ] || e2e_fail "extfs manifest hole_bytes: $(e2e_manifest_get "$m" hole_bytes)"
[ "$(e2e_manifest_get "$m" digest)" = "$(e2e_digest "$W/dump.0" 0 $((4096 + mem + 16)))" ] ||
	e2e_fail "extfs manifest digest does not match dump.0"

# raw: header, memory, end marker, manifest at the next 4 KiB boundary.
off=$(e2e_part_offset "$disk" 2)
e2e_same "$disk" "$off" "$img" 0 $((4096 + mem))
e2e_end_marker "$disk" $((off + 4096 + mem))
e2e_raw_manifest "$disk" 2 $((4096 + mem + 4096)) "$W/raw.info"
m=$W/raw.info
[ "$(e2e_manifest_get "$m" status)" = complete ] || e2e_fail "raw manifest status: $(e2e_manifest_get "$m" status)"
[ "$(e2e_manifest_get "$m" dumped_bytes)" = $mem ] || e2e_fail "raw manifest dumped_bytes: $(e2e_manifest_get "$m" dumped_bytes)"
[ "$(e2e_manifest_get "$m" digest)" = "$(e2e_digest "$disk" "$off" $((4096 + mem + 16)))" ] ||
	e2e_fail "raw manifest digest does not match the partition"

# The guest's own ext3 driver reads dump.0 back.
cat >"$W/readback" <<'EOF'
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# busybox modprobe ignores softdeps: ext4 needs a crc32c driver first.
for m in virtio_pci virtio_scsi sd_mod crc32c_generic ext4; do modprobe $m; done
i=0; while [ ! -b /dev/sda1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mkdir -p /mnt
mount -t ext3 -o ro /dev/sda1 /mnt && echo "RESULT fstype $(grep ' /mnt ' /proc/mounts | cut -d' ' -f3)"
echo "RESULT sha256 $(sha256sum /mnt/dump.0 | cut -d' ' -f1)"
umount /mnt
poweroff -f
EOF
e2e_mkinitramfs "$W/initrd.rb" --init "$W/readback" --add /bin/busybox:/bin/busybox \
	--module ext4 --e2fsck none -q
e2e_boot "$W/readback.log" "$W/initrd.rb" "" 120 $(e2e_scsi_disk "$disk" 0 ro)
c=$(e2e_console "$W/readback.log")
e2e_console_has "$c" "^RESULT fstype ext3$"
e2e_console_has "$c" "^RESULT sha256 $(sha256sum "$W/dump.0" | cut -d' ' -f1)$"
