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
bail() { echo "Bail out! $*"; exit 1; }

kdir=$("$SRC/kernel/build-s390x-kernel" test) || bail "building the s390x test kernel failed"
kernel=$kdir/arch/s390/boot/bzImage
vmlinux=$kdir/vmlinux
echo "# kernel $kernel ($(($(date +%s) - T0)) s)"

kd_busybox_capture "$KD_WORK/capture.gz" || bail "capture initramfs"
kd_first_initramfs "$KD_WORK/first.gz" "$kernel" "$KD_WORK/capture.gz" \
	"console=ttysclp0 nr_cpus=1" || bail "first initramfs"
truncate -s 800M "$KD_WORK/vmcore.img"

t1=$(date +%s)
kd_boot "$KD_WORK/console.log" "$kernel" "$KD_WORK/first.gz" \
	"console=ttysclp0 crashkernel=256M" 300 \
	-drive "file=$KD_WORK/vmcore.img,if=none,id=d0,format=raw" \
	-device virtio-blk-ccw,drive=d0
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
timeout 300 env HOME="$KD_WORK" qemu-s390x-static -L "$KD_CROSS_LIBC" \
	-E "LD_LIBRARY_PATH=$SYSROOT/lib/$KD_TRIPLET:$SYSROOT/usr/lib/$KD_TRIPLET" \
	"$SYSROOT/usr/bin/crash" -s -i "$KD_WORK/crash.cmd" "$vmlinux" "$KD_WORK/vmcore.img" \
	>"$KD_WORK/crash.out" 2>&1 </dev/null
check "crash:s390x bt shows the sysrq crash path" \
	grep -q 'sysrq_handle_crash' "$KD_WORK/crash.out"

echo "# s390x kdump test took $(($(date +%s) - T0)) s"
echo "$n_pass passed, $n_fail failed"
[ $n_fail -eq 0 ]
