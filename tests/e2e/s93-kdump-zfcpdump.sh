#!/bin/bash
# (j) A real panic dumped by zfcpdump (issue 10, item 6): the panic of
# kdump.sh (Debian's x86_64 kernel, crashkernel=256M, known data in memory)
# with a capture initramfs built by the installed `zfcpdump-mkinitramfs
# --capture`. Its /init (packed with --init) first copies /proc/vmcore with
# dd to a virtio disk (the independent copy), then execs the daemon as
# PID 1, which dumps /proc/vmcore with policy "all" to an ext3 partition
# and a raw partition, both format "elf", and powers off. On the host:
# - both dumps `zfcpdump-get verify` complete (exit 0);
# - their memory (zfcpdump-get copy -f elf) equals the dd copy page by page,
#   by physical address: a page the dump leaves out (a hole) is zeros in
#   the copy;
# - the first kernel's known data is in the dump;
# - Debian's makedumpfile --dump-dmesg reads the crash log from our dump;
# - dump.0.dmesg, the log the daemon stored beside the dump before it
#   (issue 11 item 6), equals makedumpfile --dump-dmesg of the dd copy of
#   /proc/vmcore and of our dump, line for line, and holds the panic;
# - e2fsck -fn finds the ext3 clean;
# - a third sink, raw, seals format kdump (snappy, dump level 31: the codec
#   library dlopen()ed from the initramfs, compress then encrypt) to a
#   public key packed into the initramfs (issue 14): verify without the
#   key, verify and copy with it, and every page of the decrypted kdump
#   file equals the vmcore's (libkdumpfile).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kdump.sh"
e2e_begin s93-kdump-zfcpdump

GET=$E2E_INST$E2E_PREFIX/bin/zfcpdump-get
MKINITRAMFS=$E2E_INST$E2E_PREFIX/sbin/zfcpdump-mkinitramfs
[ -x "$GET" ] || e2e_fail "no $GET"

# The dump disk (SCSI, /dev/sda): ext3 and raw; the dd copy on virtio-blk.
disk=$W/disk
e2e_disk "$disk" 2310 1000 1000 300
e2e_mkfs "$disk" 1 ext3
vmcore=$W/vmcore-disk
truncate -s 1100M "$vmcore"

"$GET" keygen -o "$W/seal" >"$W/keygen.out" || e2e_fail "zfcpdump-get keygen"
FP=$(sed -n 's/^key //p' "$W/keygen.out")
cat >"$W/capture.conf" <<EOF
source = { type = "vmcore"; };
policy = "all";
final_action = "poweroff";
failure_action = "poweroff";
sinks = (
  { type = "extfs"; device = "/dev/sda1"; format = "elf"; },
  { type = "raw"; device = "/dev/sda2"; format = "elf"; },
  { type = "raw"; device = "/dev/sda3"; format = "kdump"; compress = "snappy";
    dump_level = 31; encrypt = { recipient = "$W/seal.pub"; }; }
);
EOF
kdump_dd_init /dev/vda "exec $E2E_PREFIX/sbin/zfcpdump" >"$W/init"
"$MKINITRAMFS" --destdir "$E2E_INST" --kver "$E2E_KVER" --compress none \
	--capture -c "$W/capture.conf" --init "$W/init" \
	--add /bin/busybox:/bin/busybox \
	--module virtio_pci --module virtio_scsi --module sd_mod \
	--module virtio_blk -o "$W/capture.cpio" >"$W/mkinitramfs.out" 2>&1 ||
	{ cat "$W/mkinitramfs.out" >&2; e2e_fail "zfcpdump-mkinitramfs --capture failed"; }

t0=$(date +%s)
kdump_run "$W/console.log" "$W/capture.cpio" 400 \
	$(e2e_scsi_disk "$disk" 0) $(kdump_blk_disk "$vmcore" 0)
e2e_note "first boot to the capture's poweroff: $(($(date +%s) - t0)) s"
size=$(kdump_dd_copied "$W/console.log")
truncate -s "$size" "$vmcore"
c=$(e2e_console "$W/console.log")
# the daemon ran as PID 1 of the capture kernel, on /proc/vmcore
e2e_console_has "$c" "^zfcpdump: dump of x86_64, Linux $E2E_KVER, 1 CPU, crashed 20"
e2e_console_has "$c" "^zfcpdump: policy all \\(mirror\\), 3 sinks:"
e2e_console_has "$c" "raw:/dev/sda3: sealed to key $FP"
e2e_console_has "$c" "^zfcpdump: dump complete$"
e2e_console_has "$c" "^zfcpdump: kernel log: [0-9]+ lines, [0-9]+ bytes$"
e2e_console_has "$c" "kernel log written to /dev/sda1:/dump.0.dmesg$"
e2e_console_lacks "$c" "Kernel panic - not syncing: Attempted to kill init"
grep -E '^zfcpdump: ' "$c" | grep -v ' module ' >&2 || true

# The two dumps, each partition as a file of its own.
e2e_fsck_clean "$disk" 1
for p in 1 2; do
	dd if="$disk" of="$W/part$p" bs=1M skip=$(($(e2e_part_offset "$disk" $p) >> 20)) \
		count=$(($(e2e_part_size "$disk" $p) >> 20)) conv=sparse status=none
done
ext=$W/part1:dump.0
raw=$W/part2
for d in "$ext" "$raw"; do
	rc=0
	"$GET" verify "$d" >"$W/verify.out" 2>&1 || rc=$?
	cat "$W/verify.out" >&2
	[ $rc = 0 ] || e2e_fail "zfcpdump-get verify $d: exit $rc"
done

# Their memory equals the dd copy of /proc/vmcore, page by page.
cmp_mem() {
	python3 - "$1" "$2" <<'PY'
import mmap, struct, sys
def open_core(path):
    f = open(path, 'rb')
    d = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if d[:4] != b'\x7fELF' or d[4] != 2:
        sys.exit('%s: not an ELF64 file' % path)
    e = '<' if d[5] == 1 else '>'
    phoff, = struct.unpack_from(e + 'Q', d, 32)
    n, = struct.unpack_from(e + 'H', d, 56)
    loads = []
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from(e + 'IIQQQQQQ', d, phoff + 56 * i)
        if t == 1:
            if off + fs > len(d):
                sys.exit('%s: PT_LOAD at 0x%x past the end' % (path, pa))
            loads.append((pa, off, fs, ms))
    return d, loads
def find(loads, a):
    """(file offset or None for zeros, bytes available) of address a"""
    for pa, off, fs, ms in loads:
        if pa <= a < pa + fs:
            return off + a - pa, pa + fs - a
        if pa + fs <= a < pa + ms:
            return None, pa + ms - a
    return None, 0
ref, lref = open_core(sys.argv[1]); dump, ldump = open_core(sys.argv[2])
zero = bytes(1 << 20)
equal = holes = 0
for pa, off, fs, ms in lref:
    a = pa
    while a < pa + fs:
        o2, n2 = find(ldump, a)
        n = min(pa + fs - a, 1 << 20)
        if n2:
            n = min(n, n2)
        else:
            # not in the dump at all: up to the next range that is
            nxt = min([p for p, _, _, _ in ldump if p > a] or [pa + fs])
            n = min(n, nxt - a)
        o1 = off + a - pa
        if o2 is None:
            if ref[o1:o1 + n] != zero[:n]:
                sys.exit('0x%x: %d bytes not in the dump, not zero in /proc/vmcore' % (a, n))
            holes += n
        elif ref[o1:o1 + n] != dump[o2:o2 + n]:
            sys.exit('memory at 0x%x differs' % a)
        else:
            equal += n
        a += n
print('%d bytes equal, %d zero bytes left out' % (equal, holes))
PY
}
for d in "$ext" "$raw"; do
	"$GET" copy -f elf "$d" "$W/copy.elf" >"$W/copy.out" 2>&1 ||
		{ cat "$W/copy.out" >&2; e2e_fail "zfcpdump-get copy -f elf $d"; }
	out=$(cmp_mem "$vmcore" "$W/copy.elf") ||
		{ echo "$out" >&2; e2e_fail "$d: memory differs from /proc/vmcore"; }
	e2e_note "$d: $out"
	rm -f "$W/copy.elf"
done

# The stored ELF dump itself: the known data, read by makedumpfile.
e2e_extract_fs "$disk" 1 /dump.0 "$W/dump.0"
out=$(cmp_mem "$vmcore" "$W/dump.0") ||
	{ echo "$out" >&2; e2e_fail "dump.0: memory differs from /proc/vmcore"; }
e2e_note "dump.0 as stored: $out"
kdump_fill_check "$W/dump.0"
kdump_dmesg_check "$W/dump.0" "$W/dmesg.txt" "$W/makedumpfile.out" \
	"makedumpfile --dump-dmesg of our dump failed"

# dump.0.dmesg: the daemon's copy of the log, stored first.
e2e_extract_fs "$disk" 1 /dump.0.dmesg "$W/dump.0.dmesg"
makedumpfile --dump-dmesg "$vmcore" "$W/dmesg.vmcore" >"$W/mdf.vmcore" 2>&1 ||
	{ cat "$W/mdf.vmcore" >&2; e2e_fail "makedumpfile --dump-dmesg of the dd copy failed"; }
for ref in "$W/dmesg.vmcore" "$W/dmesg.txt"; do
	diff "$ref" "$W/dump.0.dmesg" >"$W/dmesg.diff" ||
		{ head -n 20 "$W/dmesg.diff" >&2; e2e_fail "dump.0.dmesg differs from makedumpfile --dump-dmesg ($ref)"; }
done
e2e_console_has "$W/dump.0.dmesg" "Kernel panic - not syncing: sysrq triggered crash"
e2e_note "dump.0.dmesg = makedumpfile --dump-dmesg: $(wc -l <"$W/dump.0.dmesg") lines"

# The sealed kdump dump (sink 3): checked without the key, then decrypted.
sealed=$W/part3
dd if="$disk" of="$sealed" bs=1M skip=$(($(e2e_part_offset "$disk" 3) >> 20)) \
	count=$(($(e2e_part_size "$disk" 3) >> 20)) conv=sparse status=none
"$GET" info "$sealed" >"$W/sealed.info" 2>&1 ||
	{ cat "$W/sealed.info" >&2; e2e_fail "zfcpdump-get info of the sealed dump"; }
e2e_console_has "$W/sealed.info" "^Key: +$FP$"
e2e_console_has "$W/sealed.info" "^Lanes: +[0-9]+ \\(envelope version 2\\)$"
e2e_console_has "$W/sealed.info" "^  format +kdump$"
e2e_console_has "$W/sealed.info" "^  compress +snappy$"
"$GET" verify "$sealed" >"$W/sealed.verify" 2>&1 ||
	{ cat "$W/sealed.verify" >&2; e2e_fail "zfcpdump-get verify (no key) of the sealed dump"; }
e2e_console_has "$W/sealed.verify" "complete, sealed to key $FP, [0-9]+ sealed bytes, digest ok"
"$GET" verify --key "$W/seal.key" "$sealed" >"$W/sealed.verify" 2>&1 ||
	{ cat "$W/sealed.verify" >&2; e2e_fail "zfcpdump-get verify --key of the sealed dump"; }
e2e_console_has "$W/sealed.verify" "chunks authenticated$"
"$GET" copy --key "$W/seal.key" -f kdump "$sealed" "$W/sealed.kdump" >"$W/sealed.copy" 2>&1 ||
	{ cat "$W/sealed.copy" >&2; e2e_fail "zfcpdump-get copy --key -f kdump of the sealed dump"; }
out=$(/usr/bin/python3 "$(dirname "$0")/../integration/kdump_compare.py" --subset \
	"$vmcore" "$W/sealed.kdump" x86_64 2>&1) ||
	{ echo "$out" >&2; e2e_fail "the decrypted kdump file differs from /proc/vmcore"; }
e2e_note "sealed kdump (snappy, -d 31): $(sed -n 's/^Lanes: *//p' "$W/sealed.info") lanes, libkdumpfile: $out"
