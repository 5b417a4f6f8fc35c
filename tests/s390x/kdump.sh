#!/bin/bash
# tests/s390x/kdump.sh — a real s390x kernel panic, dumped by kdump, under
# qemu-system-s390x (TCG). Part of the s390x stage (tests/s390x/run).
#
# 1. kernel/build-s390x-kernel test: the s390x test kernel (cached)
# 2. first kernel with crashkernel=256M; its init fills memory with known
#    data, loads the capture kernel with `kexec -p`, then
#    `echo c > /proc/sysrq-trigger`
# 3. the capture kernel's init copies /proc/vmcore to the first disk with dd
#    (the independent copy the dump tests compare against)
# 4. host checks: the copy is a big-endian EM_S390 ELF core with PT_NOTE and
#    PT_LOAD; the known data is in it; Debian's makedumpfile:s390x (under
#    qemu-s390x-static) prints the guest's log with the sysrq crash line;
#    Debian's crash:s390x with the test kernel's vmlinux shows the crash
#    path with `bt` (what doc/s390x.md tells an operator to do)
#
# With ZFD_S390X_DESTDIR (an installed s390x build) and ZFCPDUMP_GET (the
# host's zfcpdump-get), the capture initramfs is our own: built by
# `zfcpdump-mkinitramfs --capture --sysroot`, its /init makes the dd copy
# and then runs zfcpdump as PID 1, which dumps /proc/vmcore with policy
# "all" to a raw partition (format s390) and an ext3 partition (format elf)
# and powers off. Then also: zfcpdump-get verify accepts both (digests
# ok); IBM's zgetdump:s390x accepts the raw dump and converts it to ELF;
# the memory of our stored ELF dump equals the dd copy page by page;
# makedumpfile:s390x --dump-dmesg reads the crash log from it (its notes
# are /proc/vmcore's, VMCOREINFO included); crash:s390x runs `bt` on it;
# e2fsck is clean.
#
# Environment: SYSROOT (default as tests/s390x/run), KD_KEEP=1 keeps the
# work directory.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SYSROOT=${SYSROOT:-${ZFD_S390X_SYSROOT:-${XDG_CACHE_HOME:-$(echo ~)/.cache}/zfcpdump/s390x-sysroot}}
KD_WORK=$(mktemp -d "${TMPDIR:-/tmp}/zfd-s390x-kdump.XXXXXX")
. "$SRC/tests/s390x/kdump-lib.sh"
T0=$(date +%s)
n_pass=0
n_fail=0

cleanup() {
	if [ "${KD_KEEP:-0}" = 1 ] || [ $n_fail -gt 0 ]; then
		echo "# work directory kept: $KD_WORK"
	else
		rm -rf "$KD_WORK"
	fi
}
trap cleanup EXIT

ok() { echo "ok - $*"; n_pass=$((n_pass + 1)); }
not_ok() { echo "not ok - $*"; n_fail=$((n_fail + 1)); }
check() {		# DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
qrun() {		# s390x program of the sysroot under qemu-user
	qemu-s390x-static -L "$KD_CROSS_LIBC" \
		-E "LD_LIBRARY_PATH=$SYSROOT/lib/$KD_TRIPLET:$SYSROOT/usr/lib/$KD_TRIPLET" "$@"
}
qcrash() {		# DUMP OUT: crash:s390x runs crash.cmd on DUMP, output to OUT
	timeout 300 env HOME="$KD_WORK" qemu-s390x-static -L "$KD_CROSS_LIBC" \
		-E "LD_LIBRARY_PATH=$SYSROOT/lib/$KD_TRIPLET:$SYSROOT/usr/lib/$KD_TRIPLET" \
		"$SYSROOT/usr/bin/crash" -s -i "$KD_WORK/crash.cmd" "$vmlinux" "$1" \
		>"$2" 2>&1 </dev/null
}
bail() { echo "Bail out! $*"; exit 1; }

kdir=$("$SRC/kernel/build-s390x-kernel" test) || bail "building the s390x test kernel failed"
kernel=$kdir/arch/s390/boot/bzImage
vmlinux=$kdir/vmlinux
echo "# kernel $kernel ($(($(date +%s) - T0)) s)"

ours=0
[ -n "${ZFD_S390X_DESTDIR:-}" ] && [ -n "${ZFCPDUMP_GET:-}" ] && ours=1
disks=(-drive "file=$KD_WORK/vmcore.img,if=none,id=d0,format=raw"
	-device virtio-blk-ccw,drive=d0)
truncate -s 800M "$KD_WORK/vmcore.img"
if [ $ours = 1 ]; then
	# /dev/vdb: p1 raw (820 MiB), p2 ext3 (900 MiB)
	truncate -s 1800M "$KD_WORK/dump.img"
	printf 'label: dos\nstart=2048, size=1679360, type=83\nstart=1681408, size=1843200, type=83\n' |
		sfdisk -q "$KD_WORK/dump.img" || bail "sfdisk"
	mke2fs -q -F -t ext3 -E offset=$((1681408 * 512)) "$KD_WORK/dump.img" 900M ||
		bail "mke2fs"
	disks+=(-drive "file=$KD_WORK/dump.img,if=none,id=d1,format=raw"
		-device virtio-blk-ccw,drive=d1)
	cat >"$KD_WORK/zfcpdump.conf" <<'EOF2'
source = { type = "vmcore"; };
policy = "all";
final_action = "poweroff";
failure_action = "poweroff";
progress = { interval = 10; };
sinks = (
  { type = "raw"; device = "/dev/vdb1"; format = "s390"; },
  { type = "extfs"; device = "/dev/vdb2"; dir = "/"; format = "elf"; }
);
EOF2
	daemon=$(find "$ZFD_S390X_DESTDIR" -path '*/sbin/zfcpdump' | head -n 1)
	[ -n "$daemon" ] || bail "no zfcpdump in $ZFD_S390X_DESTDIR"
	daemon=${daemon#"$ZFD_S390X_DESTDIR"}
	cat >"$KD_WORK/capture-init" <<'EOF2'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "capture: vmcore $(/bin/busybox ls -l /proc/vmcore)"
/bin/busybox dd if=/proc/vmcore of=/dev/vda bs=1M conv=fsync 2>&1 | /bin/busybox tail -n 1
echo "capture: dd done"
/bin/busybox umount /dev
/bin/busybox umount /proc
exec @DAEMON@
EOF2
	sed -i "s|@DAEMON@|$daemon|" "$KD_WORK/capture-init"
	chmod 755 "$KD_WORK/capture-init"
	mkinit=$(find "$ZFD_S390X_DESTDIR" -path '*/sbin/zfcpdump-mkinitramfs' | head -n 1)
	[ -n "$mkinit" ] || bail "no zfcpdump-mkinitramfs in $ZFD_S390X_DESTDIR"
	mkinit=("$mkinit")
	"${mkinit[@]}" --capture --destdir "$ZFD_S390X_DESTDIR" --sysroot "$SYSROOT" \
		-c "$KD_WORK/zfcpdump.conf" --init "$KD_WORK/capture-init" \
		--add "$SYSROOT/bin/busybox:/bin/busybox" -o "$KD_WORK/capture.gz" \
		>"$KD_WORK/mkinitramfs.out" 2>&1 ||
		{ cat "$KD_WORK/mkinitramfs.out"; bail "zfcpdump-mkinitramfs --capture --sysroot"; }
	echo "# $(tail -n 1 "$KD_WORK/mkinitramfs.out")"
else
	kd_busybox_capture "$KD_WORK/capture.gz" || bail "capture initramfs"
fi
kd_first_initramfs "$KD_WORK/first.gz" "$kernel" "$KD_WORK/capture.gz" \
	"console=ttysclp0 nr_cpus=1" || bail "first initramfs"

t1=$(date +%s)
kd_boot "$KD_WORK/console.log" "$kernel" "$KD_WORK/first.gz" \
	"console=ttysclp0 crashkernel=256M" 420 "${disks[@]}"
rc=$?
echo "# QEMU exit $rc after $(($(date +%s) - t1)) s"
check "the first kernel loaded the capture kernel" \
	grep -q '^first: kexec loaded 1' "$KD_WORK/console.log"
# the crash line itself may not reach the console before the jump; it is
# checked in the crashed kernel's log below
check "the capture kernel booted after the panic" \
	grep -q 'Kernel command line: console=ttysclp0 nr_cpus=1' "$KD_WORK/console.log"
check "the capture kernel copied /proc/vmcore" grep -q '^capture: dd done' "$KD_WORK/console.log"
[ $n_fail -eq 0 ] || { tail -n 40 "$KD_WORK/console.log"; bail "the kdump boot failed"; }

hdr=$(readelf -h "$KD_WORK/vmcore.img" 2>&1)
check "vmcore: big-endian ELF64 core for IBM S/390" \
	eval 'grep -q "big endian" <<<"$hdr" && grep -q "CORE" <<<"$hdr" && grep -q "IBM S/390" <<<"$hdr"'
phdr=$(readelf -l "$KD_WORK/vmcore.img" 2>&1)
check "vmcore: PT_NOTE and PT_LOAD" \
	eval 'grep -q "^ *NOTE" <<<"$phdr" && grep -q "^ *LOAD" <<<"$phdr"'
check "vmcore: the page cache fill is in the dump" \
	eval 'grep -a -q -m1 "$KD_FILL_TAG-cache-5" "$KD_WORK/vmcore.img"'
check "vmcore: the anonymous fill is in the dump" \
	eval 'grep -a -q -m1 "$KD_FILL_TAG-anon" "$KD_WORK/vmcore.img"'

qrun "$SYSROOT/usr/bin/makedumpfile" --dump-dmesg "$KD_WORK/vmcore.img" \
	"$KD_WORK/dmesg.txt" >"$KD_WORK/makedumpfile.out" 2>&1
check "makedumpfile:s390x --dump-dmesg prints the sysrq crash line" \
	grep -q 'sysrq: Trigger a crash' "$KD_WORK/dmesg.txt"

printf 'bt\nlog\nquit\n' >"$KD_WORK/crash.cmd"
qcrash "$KD_WORK/vmcore.img" "$KD_WORK/crash.out"
check "crash:s390x bt shows the sysrq crash path" \
	grep -q 'sysrq_handle_crash' "$KD_WORK/crash.out"

if [ $ours = 1 ]; then
	get() { "$ZFCPDUMP_GET" "$@"; }
	check "zfcpdump as PID 1 finished both sinks" \
		grep -q 'raw:/dev/vdb1: complete' "$KD_WORK/console.log"
	dd if="$KD_WORK/dump.img" of="$KD_WORK/raw.img" bs=512 skip=2048 count=1679360 \
		conv=sparse status=none
	dd if="$KD_WORK/dump.img" of="$KD_WORK/ext.img" bs=512 skip=1681408 count=1843200 \
		conv=sparse status=none
	check "zfcpdump-get verify: the raw dump (s390 format) is complete" \
		get verify "$KD_WORK/raw.img"
	check "zfcpdump-get verify: the ext3 dump (elf format) is complete, digest ok" \
		eval 'get verify "$KD_WORK/ext.img:dump.0" | grep -q "(elf), digest ok"'
	check "e2fsck -fn: the ext3 partition is clean" \
		e2fsck -fn "$KD_WORK/ext.img"
	qrun "$SYSROOT/sbin/zgetdump" -i "$KD_WORK/raw.img" >"$KD_WORK/zgetdump-i.out" 2>&1
	check "zgetdump:s390x accepts the raw dump" \
		grep -q 'Dump format\.*: s390' "$KD_WORK/zgetdump-i.out"
	qrun "$SYSROOT/sbin/zgetdump" -f elf "$KD_WORK/raw.img" >"$KD_WORK/zgetdump.elf" 2>"$KD_WORK/zgetdump-f.err"
	check "zgetdump:s390x converts the raw dump to an ELF core" \
		eval 'readelf -h "$KD_WORK/zgetdump.elf" | grep -q "IBM S/390"'
	# the stored ELF dump itself, as an operator copies it off the disk
	debugfs -R "dump /dump.0 $KD_WORK/ours.elf" "$KD_WORK/ext.img" >/dev/null 2>&1
	python3 "$SRC/tests/s390x/elfcmp.py" "$KD_WORK/vmcore.img" "$KD_WORK/ours.elf" \
		--allow-pages 0 >"$KD_WORK/elfcmp.out" 2>&1
	cmp_rc=$?
	check "our ELF dump's memory equals /proc/vmcore's ($(tail -n 1 "$KD_WORK/elfcmp.out"))" \
		[ $cmp_rc = 0 ]
	# our ELF dump carries /proc/vmcore's notes unchanged (VMCOREINFO
	# included), so Debian's makedumpfile reads the crash log from it
	qrun "$SYSROOT/usr/bin/makedumpfile" --dump-dmesg "$KD_WORK/ours.elf" \
		"$KD_WORK/ours-mdf-dmesg.txt" >"$KD_WORK/ours-mdf.out" 2>&1
	check "makedumpfile:s390x --dump-dmesg of our ELF dump prints the sysrq crash line" \
		eval 'grep -q "sysrq: Trigger a crash" "$KD_WORK/ours-mdf-dmesg.txt" &&
			diff -q "$KD_WORK/ours-mdf-dmesg.txt" "$KD_WORK/dmesg.txt" >/dev/null'
	# the crash log of our s390 dump (VMCOREINFO through the lowcore) is
	# read by zfcpdump-get dmesg, line for line equal to makedumpfile's
	get dmesg "$KD_WORK/raw.img" >"$KD_WORK/ours-dmesg.txt" 2>"$KD_WORK/ours-dmesg.err"
	check "zfcpdump-get dmesg of our raw dump equals makedumpfile:s390x --dump-dmesg of /proc/vmcore" \
		eval 'grep -q "sysrq: Trigger a crash" "$KD_WORK/ours-dmesg.txt" &&
			diff -q "$KD_WORK/ours-dmesg.txt" "$KD_WORK/dmesg.txt" >/dev/null'
	qcrash "$KD_WORK/ours.elf" "$KD_WORK/ours-crash.out"
	check "crash:s390x bt on our ELF dump shows the sysrq crash path" \
		grep -q 'sysrq_handle_crash' "$KD_WORK/ours-crash.out"

	# The s390x daemon (under qemu-user) at dump level 31, format kdump,
	# on the same vmcore (issue 11): big-endian kdump stream; its page set
	# equals makedumpfile:s390x -d 31's, bitmap to bitmap; crash:s390x and
	# makedumpfile:s390x read the kdump file it becomes.
	zfd_bin=$ZFD_S390X_DESTDIR$daemon
	zfd_sinks=$(dirname "$(find "$ZFD_S390X_DESTDIR" -path '*/zfcpdump/sinks/raw.so' | head -n 1)")
	truncate -s "$(stat -c %s "$KD_WORK/vmcore.img")" "$KD_WORK/kpart"
	qrun "$zfd_bin" --cmdline none --plugin-dir "$zfd_sinks" -s "file:$KD_WORK/vmcore.img" \
		-d 31 -o "raw:device=$KD_WORK/kpart,format=kdump,compress=lzo" \
		>"$KD_WORK/zfd31.out" 2>&1
	check "zfcpdump:s390x -d 31 format kdump of /proc/vmcore: complete, level 31 applied" \
		eval 'grep -q "kpart: complete" "$KD_WORK/zfd31.out" &&
			! grep -q "dump_level 31" "$KD_WORK/zfd31.out"'
	rm -f "$KD_WORK/ours31.kdump"
	makedumpfile -R "$KD_WORK/ours31.kdump" <"$KD_WORK/kpart" >"$KD_WORK/R31.out" 2>&1
	rm -f "$KD_WORK/kpart"
	rm -f "$KD_WORK/mdf31.kdump"
	qrun "$SYSROOT/usr/bin/makedumpfile" -d 31 -l "$KD_WORK/vmcore.img" \
		"$KD_WORK/mdf31.kdump" >"$KD_WORK/mdf31.out" 2>&1
	python3 "$SRC/tests/integration/kdump_bitmap_cmp.py" "$KD_WORK/mdf31.kdump" \
		"$KD_WORK/ours31.kdump" "$KD_WORK/vmcore.img" >"$KD_WORK/bitmap31.out" 2>&1
	cmp_rc=$?
	check "dump level 31: our kdump page set equals makedumpfile:s390x -d 31's ($(tail -n 1 "$KD_WORK/bitmap31.out"))" \
		[ $cmp_rc = 0 ]
	qrun "$SYSROOT/usr/bin/makedumpfile" --dump-dmesg "$KD_WORK/ours31.kdump" \
		"$KD_WORK/ours31-dmesg.txt" >"$KD_WORK/ours31-mdf.out" 2>&1
	check "makedumpfile:s390x --dump-dmesg of our -d 31 kdump file equals the vmcore's log" \
		diff -q "$KD_WORK/ours31-dmesg.txt" "$KD_WORK/dmesg.txt"
	qcrash "$KD_WORK/ours31.kdump" "$KD_WORK/ours31-crash.out"
	check "crash:s390x bt on our -d 31 kdump file shows the sysrq crash path" \
		grep -q 'sysrq_handle_crash' "$KD_WORK/ours31-crash.out"
	rm -f "$KD_WORK/ours31.kdump" "$KD_WORK/mdf31.kdump"
fi

echo "# s390x kdump test took $(($(date +%s) - T0)) s"
echo "$n_pass passed, $n_fail failed"
[ $n_fail -eq 0 ]
