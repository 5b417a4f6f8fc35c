#!/bin/bash
# The zcore emulation module itself, driven by a busybox test init: ENODEV
# before the image disk exists, the memmap records, header and memory
# contents, EFAULT inside a hole (short read up to it), the hsa file, EIO
# and ENODATA after the HSA release, release_on_close=1, and reipl.
. "$(dirname "$0")/lib.sh"
e2e_begin s00-zcore-emu

img=$W/image
# 48 MiB of memory, a hole from 24 to 32 MiB, an HSA of 16 MiB.
e2e_mkimage "$img" 48M --seed 7 --hole 24M:8M
truncate -s 64M "$img"
mods=/lib/modules/$E2E_KVER

cat >"$W/init" <<EOF
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
z=/sys/kernel/debug/zcore
r() { echo "RESULT \$*"; }
err() { grep -Eo "\$1" /tmp/e | head -n 1; }
modprobe zcore_emu image=/dev/sda hsa_size=16M memmap=0-24M,32M-48M
cat \$z/hsa 2>/tmp/e || true
r before-disk "\$(err 'No such device')"
for m in virtio_pci virtio_scsi sd_mod; do modprobe \$m; done
i=0; while [ ! -b /dev/sda ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
r hsa "\$(cat \$z/hsa)"
r memmap "\$(cat \$z/memmap)"
r header "\$(dd if=\$z/mem bs=4096 count=1 2>/dev/null | md5sum | cut -d' ' -f1)"
r low "\$(dd if=\$z/mem bs=1M skip=4096 count=8 iflag=skip_bytes 2>/dev/null | md5sum | cut -d' ' -f1)"
r high "\$(dd if=\$z/mem bs=1M skip=\$((4096 + (32 << 20))) count=16 iflag=skip_bytes 2>/dev/null | md5sum | cut -d' ' -f1)"
dd if=\$z/mem of=/dev/null bs=4096 skip=\$((1 + 6144)) count=1 2>/tmp/e || true
r hole "\$(err 'Bad address')"
r short "\$(dd if=\$z/mem bs=1M skip=\$((4096 + (47 << 19))) count=1 iflag=skip_bytes 2>/dev/null | wc -c)"
exec 3<\$z/mem
echo 0 >\$z/hsa
r hsa-after "\$(cat \$z/hsa)"
r fd-header "\$(dd bs=4096 count=1 <&3 2>/dev/null | wc -c)"
dd bs=4096 count=1 <&3 2>/tmp/e >/dev/null || true
r fd-low "\$(err 'Input/output error|I/O error')"
cat \$z/mem >/dev/null 2>/tmp/e || true
r reopen "\$(err 'No data available')"
exec 3<&-
rmmod zcore_emu
modprobe zcore_emu image=/dev/sda hsa_size=16M release_on_close=1
r roc-before "\$(cat \$z/hsa)"
cat \$z/memmap >/dev/null
dd if=\$z/mem bs=4096 count=1 of=/dev/null 2>/dev/null
r roc-after "\$(cat \$z/hsa)"
echo 1 >\$z/reipl
r not-restarted
poweroff -f
EOF

e2e_mkinitramfs "$W/initrd" --init "$W/init" --add /bin/busybox:/bin/busybox \
	--e2fsck none --compress gzip -q
e2e_boot "$W/console.log" "$W/initrd" "" 60 $(e2e_scsi_disk "$img" 0 ro)

c=$W/console.log
tr -d '\r' <"$c" >"$c.txt"
c=$c.txt
result() {
	sed -n "s/^RESULT $1 //p" "$c" | head -n 1
}
expect() {
	local got
	got=$(result "$1")
	[ "$got" = "$2" ] || e2e_fail "$1: got '$got', want '$2'"
}

expect before-disk "No such device"
expect hsa 1000000
expect memmap "$(printf '%016x %016x ' 0 $((24 << 20)) $((32 << 20)) $((16 << 20)) 0 0)"
expect header "$(head -c 4096 "$img" | md5sum | cut -d' ' -f1)"
expect low "$(tail -c +4097 "$img" | head -c $((8 << 20)) | md5sum | cut -d' ' -f1)"
expect high "$(tail -c +$((4097 + (32 << 20))) "$img" | head -c $((16 << 20)) | md5sum | cut -d' ' -f1)"
expect hole "Bad address"
expect short $((1 << 19))
expect hsa-after 0
expect fd-header 4096
expect fd-low "Input/output error"
expect reopen "No data available"
expect roc-before 1000000
expect roc-after 0
e2e_console_lacks "$c" "RESULT not-restarted"
e2e_console_has "$c" "zcore_emu: reipl requested"
e2e_console_has "$c" "reboot: Restarting system"
# The order the module logged: the last open before the release, the
# release, then the close of that descriptor.
awk '/zcore_emu: mem opened/ { st = "open" }
     /zcore_emu: mem closed/ { if (st == "released") { ok = 1; exit } st = "closed" }
     /zcore_emu: hsa released/ { if (st != "open") exit; st = "released" }
     END { exit !ok }' "$c" || e2e_fail "the log does not show open, hsa release, close in order"
