# tests/s390x/kdump-lib.sh — a real s390x kernel panic under
# qemu-system-s390x (TCG), sourced by the s390x kdump tests.
#
#   kd_pack_elf STAGING FILE [DEST]   copy an s390x program and every
#                                     library it needs (readelf DT_NEEDED,
#                                     from the sysroot or the cross libc)
#   kd_cpio STAGING OUT               newc cpio, gzip, owner root
#   kd_first_initramfs OUT KERNEL CAPTURE APPEND
#                                     busybox init that fills memory with
#                                     known data, loads KERNEL + CAPTURE
#                                     with `kexec -p` and triggers a panic
#   kd_busybox_capture OUT            capture initramfs whose init copies
#                                     /proc/vmcore to /dev/vda with dd
#   kd_boot LOG KERNEL INITRD APPEND TIMEOUT [QEMU-ARGS...]
#                                     QEMU in the background, killed by PID
#                                     at the timeout; returns QEMU's status
#
# Needs: SYSROOT (scripts/mk-s390x-sysroot: busybox-static, kexec-tools),
# KD_WORK (a scratch directory).
KD_CROSS_LIBC=${ZFD_S390X_CROSS_LIBC:-/usr/s390x-linux-gnu}
KD_TRIPLET=s390x-linux-gnu

# The fill pattern: 24 MiB in the page cache (tmpfs) and 16 MiB of a
# process's anonymous memory, each page stamped so it can be found again.
KD_FILL_TAG=ZFCPDUMP-S390X-FILL

kd_find_lib() {		# NAME: path of an s390x library
	local d
	for d in "$SYSROOT/lib/$KD_TRIPLET" "$SYSROOT/usr/lib/$KD_TRIPLET" \
		"$KD_CROSS_LIBC/lib"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	echo "kdump-lib: s390x library $1 not found" >&2
	return 1
}

kd_pack_elf() {		# STAGING FILE [DEST]
	local st=$1 f=$2 dest=${3:-/bin/$(basename "$2")} need lib
	install -D -m 755 "$f" "$st$dest" || return 1
	if readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		[ -e "$st/lib/ld64.so.1" ] ||
			install -D -m 755 "$(realpath "$KD_CROSS_LIBC/lib/ld64.so.1")" "$st/lib/ld64.so.1" ||
			return 1
	fi
	for need in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$st/lib/$need" ] && continue
		lib=$(kd_find_lib "$need") || return 1
		install -D -m 755 "$(realpath "$lib")" "$st/lib/$need" || return 1
		kd_pack_elf "$st" "$lib" "/lib/$need" || return 1
	done
}

kd_cpio() {		# STAGING OUT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

kd_busybox_tree() {	# STAGING
	local st=$1
	mkdir -p "$st"/{bin,sbin,dev,proc,sys,tmp,mnt,lib} || return 1
	install -m 755 "$SYSROOT/bin/busybox" "$st/bin/busybox" || return 1
	for a in sh mount umount mkdir cat echo dd sync sleep poweroff reboot \
		head grep ls dmesg cp rm seq yes tr; do
		ln -sf busybox "$st/bin/$a"
	done
}

kd_busybox_capture() {	# OUT
	local st=$KD_WORK/capture-tree
	rm -rf "$st"
	kd_busybox_tree "$st" || return 1
	cat >"$st/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "capture: vmcore $(ls -l /proc/vmcore)"
dd if=/proc/vmcore of=/dev/vda bs=1M conv=fsync 2>&1 | tail -n 1
echo "capture: dd done"
sync
poweroff -f
EOF
	chmod 755 "$st/init"
	kd_cpio "$st" "$1"
}

kd_first_initramfs() {	# OUT KERNEL CAPTURE APPEND
	local st=$KD_WORK/first-tree out=$1 kernel=$2 capture=$3 append=$4
	rm -rf "$st"
	kd_busybox_tree "$st" || return 1
	kd_pack_elf "$st" "$SYSROOT/sbin/kexec" /sbin/kexec || return 1
	cp "$kernel" "$st/vmlinuz" && cp "$capture" "$st/capture.gz" || return 1
	cat >"$st/init" <<EOF
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o size=64m tmpfs /tmp
# known data: page cache (tmpfs) and a process's anonymous memory
i=0
while [ \$i -lt 6 ]; do
	yes "$KD_FILL_TAG-cache-\$i" | head -c 4194304 >/tmp/fill.\$i
	i=\$((i + 1))
done
yes "$KD_FILL_TAG-anon" | head -c 16777216 >/tmp/anon && sh -c 'v=\$(cat /tmp/anon); rm /tmp/anon; echo "first: anon filled"; sleep 600' &
sleep 2
echo "first: crashkernel \$(cat /sys/kernel/kexec_crash_size)"
kexec -p /vmlinuz --initrd=/capture.gz --append="$append" || { echo "first: kexec -p failed"; poweroff -f; }
echo "first: kexec loaded \$(cat /sys/kernel/kexec_crash_loaded)"
echo c >/proc/sysrq-trigger
EOF
	chmod 755 "$st/init"
	kd_cpio "$st" "$out"
}

kd_boot() {		# LOG KERNEL INITRD APPEND TIMEOUT [QEMU-ARGS...]
	local log=$1 kernel=$2 initrd=$3 append=$4 timeout=$5 pid t=0 rc
	shift 5
	qemu-system-s390x -machine s390-ccw-virtio -cpu max -accel tcg -m 1024 \
		-smp 1 -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
		-append "$append" "$@" </dev/null >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $t -ge "$timeout" ]; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			echo "kdump-lib: QEMU timed out after $timeout s" >>"$log"
			return 124
		fi
		sleep 1
		t=$((t + 1))
	done
	wait "$pid"
	rc=$?
	return $rc
}
