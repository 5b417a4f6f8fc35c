#!/bin/bash
# (e) An unparsable config: zfcpdump-mkinitramfs refuses it (exit 2,
# FILE:LINE, no archive written) unless --force; packed with --force, the
# daemon as PID 1 reports it and still dumps through the built-in fallback
# (extfs on /dev/sda1). The built-in config loads no modules, so a busybox
# shim /init loads the rig's drivers and execs the daemon (still PID 1).
. "$(dirname "$0")/lib.sh"
e2e_begin s50-config-fallback

mem=$((32 << 20))
img=$W/image
e2e_mkimage "$img" 32M --seed 50
disk=$W/disk
e2e_disk "$disk" 100 60 30
e2e_mkfs "$disk" 1 ext3

cat >"$W/broken.conf" <<'EOF'
source = { type = "zcore"; };
policy = "all"
sinks = ( { type = "raw"; device = "/dev/sda2"; } ;
EOF

rc=0
e2e_mkinitramfs "$W/initrd" -c "$W/broken.conf" >"$W/refuse.out" 2>&1 || rc=$?
cat "$W/refuse.out" >&2
[ $rc -eq 2 ] || e2e_fail "zfcpdump-mkinitramfs exited $rc for a broken config, want 2"
grep -q "broken.conf:[0-9]*:" "$W/refuse.out" || e2e_fail "no FILE:LINE in the refusal"
[ ! -e "$W/initrd" ] || e2e_fail "an initramfs was written for a broken config"

mods=
for m in "${E2E_DISK_MODULES[@]}"; do
	mods+="$m "
done
cat >"$W/shim" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
for m in $mods; do /bin/busybox modprobe \$m; done
/bin/busybox modprobe zcore_emu image=/dev/vda
exec $E2E_PREFIX/sbin/zfcpdump
EOF
e2e_mkinitramfs "$W/initrd" -c "$W/broken.conf" --force --init "$W/shim" \
	--add /bin/busybox:/bin/busybox >"$W/force.out" 2>&1 ||
	{ cat "$W/force.out" >&2; e2e_fail "--force did not pack the broken config"; }
grep -q "warning:.*--force" "$W/force.out" || e2e_fail "--force packed without a warning"

e2e_boot "$W/console.log" "$W/initrd" "" 180 \
	$(e2e_scsi_disk "$disk" 0) $(e2e_image_disk "$img")
c=$(e2e_console "$W/console.log")
e2e_console_has "$c" "/etc/zfcpdump.conf:[0-9]+:"
e2e_console_has "$c" "falling back to the built-in default"
e2e_console_has "$c" "dump complete"
e2e_fsck_clean "$disk" 1
e2e_extract_fs "$disk" 1 /dump.0 "$W/dump.0"
e2e_same "$W/dump.0" 0 "$img" 0 $((4096 + mem))
e2e_end_marker "$W/dump.0" $((4096 + mem))
