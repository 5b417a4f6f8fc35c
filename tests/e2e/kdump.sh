# kdump in QEMU (sourced after lib.sh): a real kernel panic and a real
# /proc/vmcore, as TESTING-NOTES "kdump in QEMU" describes.
#
# The first kernel (Debian's, booted by e2e_boot with -m $KDUMP_MEM and
# crashkernel=$KDUMP_CRASHKERNEL) runs a busybox /init that fills part of
# its memory with known data, loads the capture kernel (the same Debian
# kernel, /boot/vmlinuz-$E2E_KVER) with Debian's kexec-tools (`kexec -p`),
# and crashes through `echo c > /proc/sysrq-trigger`. The capture kernel
# boots with the CAPTURE initramfs given to kdump_run: any initramfs whose
# /init handles /proc/vmcore, e.g. kdump_dd_initramfs (an independent copy
# with dd) or one built by zfcpdump-mkinitramfs.
#
#   kdump_run LOG CAPTURE TIMEOUT [QEMU_ARGS...]   the whole run (disks are
#                                QEMU_ARGS: e2e_scsi_disk, kdump_blk_disk)
#   kdump_dd_initramfs OUT DEV   a capture initramfs: dd /proc/vmcore to DEV
#   kdump_dd_init DEV [NEXT]     just that /init script (to pack it with
#                                zfcpdump-mkinitramfs --init; NEXT replaces
#                                the final "poweroff -f")
#   kdump_blk_disk FILE ID       qemu args: writable virtio-blk disk
#   kdump_fill_check DISK        the known data of the first kernel is in
#                                the ELF core at DISK (page cache, anonymous)
#   kdump_dd_copied LOG          after kdump_run with kdump_dd_init: the
#                                panic and dd's copy on the console LOG;
#                                prints the size of /proc/vmcore
#   kdump_dmesg_check CORE OUT LOG MSG
#                                makedumpfile --dump-dmesg reads the crash
#                                log from the ELF or kdump file CORE
#
# Environment: KDUMP_MEM (MiB, default 1024), KDUMP_CRASHKERNEL (256M),
# KDUMP_CAPTURE_APPEND (extra capture kernel parameters).
#
# Host-side results that do not depend on the capture (busybox, kexec and
# its libraries, the kernel image) are built once per suite run in
# $E2E_DIR/kdump and shared by the scenarios.

KDUMP_CACHE=$E2E_DIR/kdump
KDUMP_MEM=${KDUMP_MEM:-1024}
KDUMP_CRASHKERNEL=${KDUMP_CRASHKERNEL:-256M}
KDUMP_CAPTURE_APPEND=${KDUMP_CAPTURE_APPEND:-}
KDUMP_MODDIR=/lib/modules/$E2E_KVER

# The data the first kernel leaves in memory: a tmpfs file of
# KDUMP_PAGECACHE_MIB MiB made of KDUMP_PAGECACHE_LINE (page cache), and a
# shell variable of KDUMP_ANON_MIB MiB of KDUMP_ANON_LINE (anonymous memory
# of a process that sleeps). Each line is 64 bytes with its newline.
KDUMP_PAGECACHE_MIB=96
KDUMP_PAGECACHE_LINE="zfcpdump-e2e kdump page cache 0123456789abcdefghijklmnopqrstuvw"
KDUMP_ANON_MIB=32
KDUMP_ANON_LINE="zfcpdump-e2e kdump anonymous 0123456789ABCDEFGHIJKLMNOPQRSTUVWX"

# kdump_cpio DIR OUT: DIR packed as an uncompressed newc archive.
kdump_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$2" ||
		e2e_fail "cpio of $1 failed"
}

# kdump_add_elf DIR FILE [DEST]: FILE (default at its own path) and the
# shared libraries and loader it needs, into the tree DIR.
kdump_add_elf() {
	local dir=$1 file=$2 dest=${3:-$2} line path
	mkdir -p "$dir${dest%/*}"
	cp -L "$file" "$dir$dest"
	ldd "$file" 2>/dev/null | while read -r line; do
		case $line in
		*'=> '/*) path=${line#*=> }; path=${path%% (*} ;;
		/*) path=${line%% (*} ;;
		*) continue ;;
		esac
		mkdir -p "$dir${path%/*}"
		cp -L "$path" "$dir$path"
	done
}

# kdump_add_modules DIR MODULE...: the modules with their dependencies from
# modules.dep as DIR/modules/NN-name.ko, NN in load order.
kdump_add_modules() {
	local dir=$1 m n=10
	shift
	local order=() seen=" "
	kdump_dep_walk() {
		local rel=$1 d line
		case $seen in *" $rel "*) return 0 ;; esac
		seen+="$rel "
		line=$(grep -E "^$rel:" "$KDUMP_MODDIR/modules.dep") ||
			e2e_fail "$rel is not in $KDUMP_MODDIR/modules.dep"
		for d in ${line#*:}; do
			kdump_dep_walk "$d"
		done
		order+=("$rel")
	}
	for m in "$@"; do
		local rel
		rel=$(grep -oE "^[^:]*/$m\.ko(\.[a-z]+)?:" "$KDUMP_MODDIR/modules.dep" | head -n 1)
		[ -n "$rel" ] || e2e_fail "module $m not found for $E2E_KVER"
		kdump_dep_walk "${rel%:}"
	done
	mkdir -p "$dir/modules"
	for m in "${order[@]}"; do
		case $m in *.ko) ;; *) e2e_fail "$m: compressed modules are not handled" ;; esac
		cp "$KDUMP_MODDIR/$m" "$dir/modules/$n-${m##*/}"
		n=$((n + 1))
	done
}

# kdump_busybox_tree DIR: busybox as /bin/busybox, and the usual mounts
# points.
kdump_busybox_tree() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/mnt"
	cp /bin/busybox "$1/bin/busybox"
}

# kdump_build_first_initramfs: prints the path of the first kernel's base
# initramfs (busybox, kexec, the capture kernel image, /init), built once
# per suite run. kdump_run appends the capture initramfs to it.
kdump_build_first_initramfs() {
	local out=$KDUMP_CACHE/first-base.cpio t
	if [ ! -s "$out" ]; then
		t=$(mktemp -d "$KDUMP_CACHE.XXXXXX")
		kdump_busybox_tree "$t"
		kdump_add_elf "$t" "$(command -v kexec || echo /sbin/kexec)" /sbin/kexec
		cp "/boot/vmlinuz-$E2E_KVER" "$t/vmlinuz"
		cat >"$t/init" <<EOF
#!/bin/busybox sh
# First kernel: fill memory with known data, load the capture kernel, crash.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /kdump.conf
echo "KDUMP-FIRST: crash kernel region \$(cat /sys/kernel/kexec_crash_size) bytes"
up() { read -r u _ </proc/uptime; echo "\$u s"; }
mkdir -p /fill
mount -t tmpfs -o size=$((KDUMP_PAGECACHE_MIB + 16))m fill /fill
# Page cache: one 64 KiB block of lines, doubled in place with dd.
yes "$KDUMP_PAGECACHE_LINE" | head -c 65536 >/fill/pagecache
n=1 want=$((KDUMP_PAGECACHE_MIB << 4))
while [ \$n -lt \$want ]; do
	c=\$n; [ \$c -le \$((want - n)) ] || c=\$((want - n))
	dd if=/fill/pagecache of=/fill/pagecache bs=64k count=\$c seek=\$n conv=notrunc 2>/dev/null
	n=\$((n + c))
done
echo "KDUMP-FIRST: page cache \$(stat -c %s /fill/pagecache) bytes at \$(up)"
# A process that holds the anonymous data (a shell string, doubled in
# place) until the crash.
(
	a="$KDUMP_ANON_LINE
"
	while [ \${#a} -lt $((KDUMP_ANON_MIB << 20)) ]; do a="\$a\$a"; done
	echo "KDUMP-FIRST: anonymous \${#a} bytes at \$(up)"
	: >/tmp/anon-ready
	while :; do sleep 3600; done
) &
while [ ! -e /tmp/anon-ready ]; do sleep 0.2; done
echo "KDUMP-FIRST: loading the capture kernel at \$(up)"
if kexec -p /vmlinuz --initrd=/capture.cpio --append="\$CAPTURE_APPEND"; then
	echo "KDUMP-FIRST: capture kernel loaded (kexec_crash_loaded \$(cat /sys/kernel/kexec_crash_loaded)) at \$(up)"
else
	echo "KDUMP-FIRST: kexec -p failed"
	poweroff -f
fi
sync
echo c >/proc/sysrq-trigger
echo "KDUMP-FIRST: still alive after the crash trigger"
poweroff -f
EOF
		chmod 755 "$t/init"
		kdump_cpio "$t" "$out.tmp"
		mv "$out.tmp" "$out"
		rm -rf "$t"
	fi
	echo "$out"
}

# kdump_dd_init DEV [NEXT]: a capture /init (busybox) that copies
# /proc/vmcore to DEV with dd, prints "KDUMP-CAPTURE: ..." lines (size,
# dd's exit code), then runs NEXT (default: poweroff -f). The disk drivers
# come from /modules/*.ko in name order (kdump_add_modules), else through
# modprobe (an initramfs of zfcpdump-mkinitramfs --module virtio_blk).
kdump_dd_init() {
	cat <<EOF
#!/bin/busybox sh
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
if [ -d /modules ]; then
	for m in /modules/*.ko; do insmod "\$m"; done
else
	for m in virtio_pci virtio_blk; do modprobe \$m; done
fi
i=0; while [ ! -b $1 ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done
size=\$(stat -c %s /proc/vmcore)
echo "KDUMP-CAPTURE: /proc/vmcore \$size bytes"
t0=\$(date +%s)
dd if=/proc/vmcore of=$1 bs=1M conv=fsync 2>/tmp/dd.err
rc=\$?
cat /tmp/dd.err
echo "KDUMP-CAPTURE: dd exit \$rc after \$((\$(date +%s) - t0)) s"
${2:-poweroff -f}
EOF
}

# kdump_dd_initramfs OUT DEV: the dd capture initramfs (busybox, virtio
# disk modules, kdump_dd_init DEV), independent of the project's code.
kdump_dd_initramfs() {
	local out=$1 dev=$2 t
	t=$(mktemp -d "$W/dd-capture.XXXXXX")
	kdump_busybox_tree "$t"
	kdump_add_modules "$t" virtio_pci virtio_blk
	kdump_dd_init "$dev" >"$t/init"
	chmod 755 "$t/init"
	kdump_cpio "$t" "$out"
	rm -rf "$t"
}

# kdump_blk_disk FILE ID: qemu args for a writable virtio-blk disk
# (/dev/vda, vdb, ... in PCI order).
kdump_blk_disk() {
	echo "-drive file=$1,format=raw,if=none,id=v$2,cache=unsafe" \
		"-device virtio-blk-pci,drive=v$2"
}

# kdump_run LOG CAPTURE TIMEOUT [QEMU_ARGS...]: boots the first kernel
# with CAPTURE packed as /capture.cpio, crashes it, and waits until the
# capture kernel powers off (or TIMEOUT). Fails unless the capture kernel
# was loaded, the crash happened and a second kernel booted.
kdump_run() {
	local log=$1 capture=$2 timeout=$3 base t c n
	shift 3
	mkdir -p "$KDUMP_CACHE"
	base=$(kdump_build_first_initramfs)
	t=$(mktemp -d "$W/kdump-extra.XXXXXX")
	cp "$capture" "$t/capture.cpio"
	cat >"$t/kdump.conf" <<EOF
CAPTURE_APPEND="console=ttyS0 irqpoll nr_cpus=1 reset_devices loglevel=7 panic=-1 no_timer_check $KDUMP_CAPTURE_APPEND"
EOF
	kdump_cpio "$t" "$t.cpio"
	# Concatenated newc archives: the kernel unpacks both.
	cat "$base" "$t.cpio" >"$W/kdump-first.cpio"
	rm -rf "$t" "$t.cpio"
	E2E_MEM=$KDUMP_MEM e2e_boot "$log" "$W/kdump-first.cpio" \
		"crashkernel=$KDUMP_CRASHKERNEL" "$timeout" "$@"
	c=$(e2e_console "$log")
	e2e_console_has "$c" "KDUMP-FIRST: capture kernel loaded \(kexec_crash_loaded 1\)"
	e2e_console_has "$c" "sysrq: Trigger a crash"
	e2e_console_lacks "$c" "KDUMP-FIRST: still alive"
	n=$(grep -c "Linux version $E2E_KVER" "$c" || true)
	[ "$n" -ge 2 ] || e2e_fail "the capture kernel did not boot (see $c)"
}

# kdump_fill_check CORE: the first kernel's known data (kdump_build_first_
# initramfs) is in CORE: at least as many lines of each pattern as were
# written (more are fine: pipes, the shell's buffers hold copies).
kdump_fill_check() {
	local core=$1 n want
	n=$(LC_ALL=C grep -acF "$KDUMP_PAGECACHE_LINE" "$core" || true)
	want=$((KDUMP_PAGECACHE_MIB << 14))
	[ "$n" -ge "$want" ] ||
		e2e_fail "$core: $n page cache lines, want at least $want"
	e2e_note "$core: $n page cache lines (written: $want)"
	# The shell's string is not page aligned: where its pages are not
	# physically adjacent, one line in 64 is cut in two.
	n=$(LC_ALL=C grep -acF "$KDUMP_ANON_LINE" "$core" || true)
	want=$((KDUMP_ANON_MIB << 14))
	want=$((want - want / 32))
	[ "$n" -ge "$want" ] ||
		e2e_fail "$core: $n anonymous memory lines, want at least $want"
	e2e_note "$core: $n anonymous memory lines (written: $want)"
}

# kdump_dd_copied LOG: the console LOG of a kdump_run whose capture ran
# kdump_dd_init shows the sysrq panic and dd's exit 0, and /proc/vmcore
# had more than 512 MiB; prints its size in bytes.
kdump_dd_copied() {
	local c size
	c=$(e2e_console "$1")
	e2e_console_has "$c" "Kernel panic - not syncing: sysrq triggered crash"
	e2e_console_has "$c" "^KDUMP-CAPTURE: dd exit 0 "
	size=$(sed -n 's/^KDUMP-CAPTURE: \/proc\/vmcore \([0-9]*\) bytes$/\1/p' "$c")
	[ -n "$size" ] && [ "$size" -gt $((512 << 20)) ] ||
		e2e_fail "the capture kernel's /proc/vmcore: '$size' bytes"
	e2e_note "/proc/vmcore: $size bytes"
	echo "$size"
}

# kdump_dmesg_check CORE OUT LOG MSG: Debian's makedumpfile --dump-dmesg
# (its own output in LOG; MSG is the failure) writes the kernel log of
# CORE to OUT, and it has the sysrq crash, the panic and the kernel's
# banner.
kdump_dmesg_check() {
	makedumpfile --dump-dmesg "$1" "$2" >"$3" 2>&1 ||
		{ cat "$3" >&2; e2e_fail "$4"; }
	e2e_console_has "$2" "sysrq: Trigger a crash"
	e2e_console_has "$2" "Kernel panic - not syncing: sysrq triggered crash"
	e2e_console_has "$2" "Linux version $E2E_KVER"
}
