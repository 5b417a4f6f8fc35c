# End-to-end harness (sourced, bash): boots Debian's x86_64 kernel in QEMU
# (TCG) with an initramfs built by the installed zfcpdump-mkinitramfs, and
# gives the scenarios helpers to make disks, boot, and check from the host.
#
# Run through tests/e2e/run, which prepares once per suite (exported):
#   E2E_DIR     suite work directory (console logs, disks; kept on failure)
#   E2E_INST    DESTDIR of `make install` of the build under test
#   E2E_PREFIX  the configured prefix (paths inside the initramfs follow it)
#   E2E_BUILD   the build tree (zfd-mkimage lives there, it is not installed)
#   E2E_KVER    guest kernel version; E2E_VMLINUX its uncompressed vmlinux
#   E2E_ZCORE_KO the zcore_emu.ko built for E2E_KVER
# A scenario is a bash script that sources this file, calls e2e_begin NAME,
# and exits 0 (pass) or non-zero (fail, with the reason on stderr).
set -euo pipefail

: "${E2E_DIR:?run through tests/e2e/run}"

# The guest's modules: disks (virtio-scsi), and the zcore emulation.
# The dump disk is the only SCSI disk (/dev/sda: sd names follow probing
# order, which is asynchronous); the image is on virtio-blk (/dev/vda).
E2E_DISK_MODULES=(virtio_pci virtio_scsi sd_mod virtio_blk)
E2E_QEMU_PID=

e2e_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

e2e_note() {
	echo "# $*" >&2
}

# e2e_begin NAME: a work directory $W for the scenario.
e2e_begin() {
	W=$E2E_DIR/$1
	rm -rf "$W"
	mkdir -p "$W"
	trap e2e_cleanup EXIT
	trap 'exit 1' INT TERM
}

e2e_cleanup() {
	local rc=$?
	e2e_stop_qemu
	if [ $rc -ne 0 ]; then
		echo "work dir kept: $W (console: $W/console.log)" >&2
	fi
	exit $rc
}

e2e_stop_qemu() {
	if [ -n "$E2E_QEMU_PID" ] && kill -0 "$E2E_QEMU_PID" 2>/dev/null; then
		kill "$E2E_QEMU_PID" 2>/dev/null || true
		wait "$E2E_QEMU_PID" 2>/dev/null || true
	fi
	E2E_QEMU_PID=
}

# e2e_mkinitramfs OUT [mkinitramfs options...]: the installed builder, run
# against the DESTDIR tree, with the disk modules and zcore_emu added.
e2e_mkinitramfs() {
	local out=$1 m
	shift
	local mods=()
	for m in "${E2E_DISK_MODULES[@]}"; do
		mods+=(--module "$m")
	done
	# Uncompressed unless a scenario asks (saves time on host and guest;
	# s00 boots a gzip archive).
	"$E2E_INST$E2E_PREFIX/sbin/zfcpdump-mkinitramfs" --destdir "$E2E_INST" \
		--kver "$E2E_KVER" "${mods[@]}" --module "$E2E_ZCORE_KO" \
		--compress none -o "$out" "$@"
}

# e2e_mkimage OUT SIZE [zfd-mkimage options]: a test dump image.
e2e_mkimage() {
	local out=$1 size=$2
	shift 2
	"$E2E_BUILD/zfd-mkimage" -o "$out" -s "$size" "$@"
}

# e2e_disk FILE SIZE_MIB PART_MIB...: a disk with an MBR and one primary
# Linux partition per PART_MIB (1 MiB aligned). Prints nothing; the start
# of partition N is then e2e_part_offset FILE N.
e2e_disk() {
	local file=$1 size=$2 p spec=
	shift 2
	rm -f "$file"
	truncate -s "${size}M" "$file"
	for p in "$@"; do
		spec+=",${p}M,L"$'\n'
	done
	printf 'label: dos\n%s' "$spec" | sfdisk -q "$file" >/dev/null
}

# e2e_part_offset FILE N: byte offset of partition N.
e2e_part_offset() {
	local start
	start=$(sfdisk -q -d "$1" | sed -n "s|^$1$2 : start= *\([0-9]*\),.*|\1|p")
	[ -n "$start" ] || e2e_fail "$1: no partition $2"
	echo $((start * 512))
}

# e2e_part_size FILE N: byte size of partition N.
e2e_part_size() {
	local size
	size=$(sfdisk -q -d "$1" | sed -n "s|^$1$2 : .*size= *\([0-9]*\),.*|\1|p")
	echo $((size * 512))
}

# e2e_fill FILE N OCTAL: fill partition N with the byte \OCTAL.
e2e_fill() {
	local off size
	off=$(e2e_part_offset "$1" "$2")
	size=$(e2e_part_size "$1" "$2")
	dd if=/dev/zero bs=1M count=$((size >> 20)) status=none | tr '\0' "\\$3" |
		dd of="$1" bs=1M seek=$((off >> 20)) conv=notrunc iflag=fullblock status=none
}

# e2e_mkfs FILE N TYPE: format partition N (ext2/ext3/ext4) in place.
e2e_mkfs() {
	local off size
	off=$(e2e_part_offset "$1" "$2")
	size=$(e2e_part_size "$1" "$2")
	mke2fs -q -F -t "$3" -E offset="$off" "$1" "$((size / 1024))k" >/dev/null
}

# e2e_boot CONSOLE_LOG INITRD "CMDLINE" TIMEOUT [qemu args...]: boots the
# guest and waits until QEMU exits (the guest powered off or restarted:
# -no-reboot) or halted ("reboot: System halted" on the console; QEMU is
# then stopped), or TIMEOUT seconds pass (then the guest is killed and the
# boot fails). Disks are extra qemu args; see e2e_scsi_disk, e2e_image_disk.
e2e_boot() {
	local log=$1 initrd=$2 cmdline=$3 timeout=$4 t0 rc=0
	shift 4
	t0=$(date +%s)
	e2e_qemu_start "$log" "$initrd" "$cmdline" "$@"
	while kill -0 "$E2E_QEMU_PID" 2>/dev/null; do
		if grep -aq 'reboot: System halted' "$log" 2>/dev/null; then
			sleep 0.5
			e2e_stop_qemu
			e2e_note "guest halted after $(($(date +%s) - t0)) s"
			return 0
		fi
		if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
			e2e_stop_qemu
			e2e_fail "guest still running after ${timeout}s; see $log"
		fi
		sleep 0.5
	done
	wait "$E2E_QEMU_PID" || rc=$?
	E2E_QEMU_PID=
	[ $rc -eq 0 ] || { cat "$log.qemu" >&2; e2e_fail "qemu exited $rc"; }
	e2e_note "boot took $(($(date +%s) - t0)) s"
}

# e2e_qemu_start CONSOLE_LOG INITRD "CMDLINE" [qemu args...]: starts the
# guest of e2e_boot in the background (PID in E2E_QEMU_PID) and returns.
e2e_qemu_start() {
	local log=$1 initrd=$2 cmdline=$3
	shift 3
	# no_timer_check: a busy host makes TCG miss the IO-APIC timer check
	# ("IO-APIC + timer doesn't work!" panics).
	qemu-system-x86_64 -accel tcg -smp 1 -m "${E2E_MEM:-256}" \
		-no-reboot -nographic -monitor none -nic none \
		-serial "file:$log" \
		-kernel "$E2E_VMLINUX" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=7 panic=-1 no_timer_check $cmdline" \
		-device virtio-scsi-pci,id=scsi0 \
		"$@" </dev/null >"$log.qemu" 2>&1 &
	E2E_QEMU_PID=$!
}

# e2e_wait_console LOG REGEX TIMEOUT: waits until the console LOG (of the
# guest started by e2e_qemu_start) has a line matching REGEX; fails when
# QEMU exits first or after TIMEOUT seconds.
e2e_wait_console() {
	local log=$1 re=$2 timeout=$3 t0
	t0=$(date +%s)
	until grep -aEq -- "$re" "$log" 2>/dev/null; do
		kill -0 "$E2E_QEMU_PID" 2>/dev/null ||
			e2e_fail "guest ended before the console showed /$re/; see $log"
		[ $(($(date +%s) - t0)) -lt "$timeout" ] ||
			e2e_fail "console lacks /$re/ after ${timeout}s; see $log"
		sleep 0.2
	done
}

# e2e_kill_qemu: a power cut: SIGKILL to the QEMU process started by
# e2e_qemu_start (by its PID); it gets no chance to flush anything.
e2e_kill_qemu() {
	[ -n "$E2E_QEMU_PID" ] || e2e_fail "no guest to kill"
	kill -KILL "$E2E_QEMU_PID" 2>/dev/null || e2e_fail "QEMU (PID $E2E_QEMU_PID) already gone"
	wait "$E2E_QEMU_PID" 2>/dev/null || true
	E2E_QEMU_PID=
}

# e2e_scsi_disk FILE ID [ro]: qemu args for a virtio-scsi disk at target ID
# (lower IDs get lower sdX names with -smp 1).
e2e_scsi_disk() {
	local ro=
	[ "${3:-}" = ro ] && ro=,readonly=on
	echo "-drive file=$1,format=raw,if=none,id=d$2,cache=unsafe$ro" \
		"-device scsi-hd,drive=d$2,bus=scsi0.0,channel=0,scsi-id=$2,lun=0"
}

# e2e_image_disk FILE: qemu args for the read-only virtio-blk disk that
# holds the dump image (/dev/vda in the guest).
e2e_image_disk() {
	echo "-drive file=$1,format=raw,if=none,id=img,readonly=on" \
		"-device virtio-blk-pci,drive=img"
}

# e2e_console_has LOG REGEX: the console log has a line matching REGEX.
e2e_console_has() {
	grep -Eq -- "$2" "$1" || e2e_fail "console lacks /$2/ (see $1)"
}

e2e_console_lacks() {
	! grep -Eq -- "$2" "$1" || e2e_fail "console has /$2/ (see $1)"
}

# e2e_line_of LOG REGEX: number of the first console line matching REGEX.
e2e_line_of() {
	local n
	n=$(grep -En -m1 -- "$2" "$1" | cut -d: -f1)
	[ -n "$n" ] || e2e_fail "console lacks /$2/ (see $1)"
	echo "$n"
}

# e2e_same FILE1 OFF1 FILE2 OFF2 LEN: byte-exact comparison of two ranges.
e2e_same() {
	cmp -n "$5" -i "$2:$4" "$1" "$3" >/dev/null ||
		e2e_fail "$1@$2 and $3@$4 differ within $5 bytes"
}

# e2e_extract_fs DISK N PATH OUT: copy PATH out of the ext2/3/4 partition N.
e2e_extract_fs() {
	local off
	off=$(e2e_part_offset "$1" "$2")
	rm -f "$4"
	debugfs -R "dump -p $3 $4" "$1?offset=$off" >/dev/null 2>&1
	[ -f "$4" ] || e2e_fail "$1 partition $2: no $3"
}

# e2e_fs_ls DISK N DIR: names in DIR of the ext partition N, one a line.
e2e_fs_ls() {
	local off
	off=$(e2e_part_offset "$1" "$2")
	debugfs -R "ls -p $3" "$1?offset=$off" 2>/dev/null |
		awk -F/ 'NF > 5 && $6 != "." && $6 != ".." { print $6 }'
}

# e2e_fsck_clean DISK N: e2fsck -fn finds nothing to fix.
e2e_fsck_clean() {
	local off
	off=$(e2e_part_offset "$1" "$2")
	e2fsck -fn "$1?offset=$off" >"$W/fsck.out" 2>&1 ||
		{ cat "$W/fsck.out" >&2; e2e_fail "$1 partition $2 is not fsck-clean"; }
}

# e2e_manifest_get FILE KEY
e2e_manifest_get() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# The modules line of a scenario's config: the guest's disk drivers, then
# zcore_emu over the image disk (args: its parameters, e.g. "image=/dev/sdb").
e2e_conf_modules() {
	local m out=
	for m in "${E2E_DISK_MODULES[@]}"; do
		out+="\"$m\", "
	done
	echo "modules = [ $out\"zcore_emu $*\" ];"
}

# e2e_dump_initrd OUT CONFIG [mkinitramfs options]: the dump initramfs, the
# daemon as /init with CONFIG packed (and validated) as /etc/zfcpdump.conf.
e2e_dump_initrd() {
	local out=$1 conf=$2
	shift 2
	e2e_mkinitramfs "$out" -c "$conf" "$@" >"$W/mkinitramfs.out" 2>&1 ||
		{ cat "$W/mkinitramfs.out" >&2; e2e_fail "zfcpdump-mkinitramfs failed"; }
	cat "$W/mkinitramfs.out" >&2
}

# e2e_raw_manifest DISK N OFF OUT: the manifest a raw sink wrote at OFF of
# partition N (text up to the first NUL).
e2e_raw_manifest() {
	local poff
	poff=$(e2e_part_offset "$1" "$2")
	e2e_bytes "$1" $((poff + $3)) 65536 | tr -d '\0' >"$4"
	head -n 1 "$4" | grep -q '^zfcpdump-info 1$' ||
		e2e_fail "$1 partition $2: no manifest at offset $3"
}

# e2e_bytes FILE OFF LEN: LEN bytes of FILE at OFF, to stdout.
e2e_bytes() {
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=64K status=none
}

# e2e_digest FILE OFF LEN: "xxh3-128:HEX" of LEN bytes at OFF, computed by
# xxhsum, independently of the project's code (the manifest's digest).
e2e_digest() {
	echo "xxh3-128:$(e2e_bytes "$1" "$2" "$3" | xxhsum -H2 | cut -d' ' -f1)"
}

# e2e_end_marker FILE OFF: FILE has a "DUMP_END" end marker at OFF.
e2e_end_marker() {
	[ "$(e2e_bytes "$1" "$2" 8)" = DUMP_END ] ||
		e2e_fail "$1: no end marker at offset $2"
}

# e2e_console LOG: the console log without carriage returns, as $LOG.txt.
e2e_console() {
	tr -d '\r' <"$1" >"$1.txt"
	echo "$1.txt"
}
