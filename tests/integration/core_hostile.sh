#!/bin/bash
# Hostile inputs and review findings of the daemon (issue 12): failover on
# a typed cause, sizes near 2^64, source = target, -q, -n, config errors
# reported all at once, numbers out of range.
. "$abs_top_srcdir/tests/integration/core_common.sh"

# put_be64 FILE OFFSET VALUE: a big-endian u64 into FILE at OFFSET
put_be64() {
	printf '%016x' "$3" | sed 's/../\\x&/g' | xargs -0 printf |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

note "finding 5: a sink failing with EBUSY ('resource' in its message) fails over"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/a,fail_at=10M,fail_errno=16" \
	-o "test:path=$T/b"
grep -q "reason: write failed at memory offset .*: Device or resource busy" "$T/a.info" ||
	fail "sink a: $(cat "$T/a.info")"
check_dump "$T/b" "$T/img" $MEM
expect_err "failing over to test"

note "finding 5: a source that ends early fails every sink alike: no failover"
head -c $((4096 + (20 << 20))) "$T/img" >"$T/short.img"
expect_rc 1 $ZFD -s "file:$T/short.img" -o "test:path=$T/c" -o "test:path=$T/d"
[ "$(manifest_get "$T/c.info" status)" = incomplete ] || fail "sink c not incomplete"
[ "$(manifest_get "$T/c.info" dumped_bytes)" = $((20 << 20)) ] || fail "sink c dumped_bytes"
[ ! -e "$T/d" ] || fail "failover after the source failed"
expect_err "the source failed \(source ended after 20971520 of 33554432 bytes of memory\): no failover"

note "finding 3: pthread_create() failing (LD_PRELOAD shim): no hang, finish() called, failover works"
# calls: 1 = sink a's hasher, 2 = sink a's thread, 3 = the reader (fails),
# 4, 5, 6 = sink b's pass
expect_rc 0 with_shim ZFD_SHIM_PTHREAD_FAIL=3 timeout 60 $ZFD -s "file:$T/img" \
	-o "test:path=$T/t1,events=$T/t1.ev" -o "test:path=$T/t2"
expect_err "error: cannot start the reader thread: Resource temporarily unavailable"
grep -q "^finish status=incomplete dumped=0" "$T/t1.ev" || fail "sink t1 not finished: $(cat "$T/t1.ev")"
grep -q "reason: cannot start the reader thread" "$T/t1.info" || fail "no reason in t1.info"
check_dump "$T/t2" "$T/img" $MEM
expect_rc 1 with_shim ZFD_SHIM_PTHREAD_FAIL=2 timeout 60 $ZFD -s "file:$T/img" \
	-o "test:path=$T/t3,events=$T/t3.ev"
expect_err "error: cannot start the thread for test: Resource temporarily unavailable"
grep -q "^finish status=incomplete dumped=0" "$T/t3.ev" || fail "sink t3 not finished"
# no hasher thread: the sink's thread hashes itself, the dump completes
expect_rc 0 with_shim ZFD_SHIM_PTHREAD_FAIL=1 timeout 60 $ZFD -s "file:$T/img" \
	-o "test:path=$T/t4"
check_dump "$T/t4" "$T/img" $MEM
[ "$(manifest_get "$T/t4.info" status)" = complete ] || fail "sink t4 not complete"

note "finding 4: mem_size near 2^64 is refused; a 64 KiB raw target is never written"
cp "$T/img" "$T/huge.img"
put_be64 "$T/huge.img" $((0x18)) 0xffffffffffffd000
head -c 65536 /dev/zero >"$T/raw64k"
expect_rc 1 $ZFD -s "file:$T/huge.img" -o "raw:device=$T/raw64k"
expect_err "not an s390 dump: mem_size 0xffffffffffffd000 is impossible \(more than 4 PiB\)"
cmp -s "$T/raw64k" <(head -c 65536 /dev/zero) || fail "the 64 KiB target was written"
note "finding 4: 4 PiB (the largest size allowed) does not fit 64 KiB either"
put_be64 "$T/huge.img" $((0x18)) $((1 << 52))
expect_rc 1 $ZFD -s "file:$T/huge.img" -o "raw:device=$T/raw64k"
expect_err "too small: 65536 bytes, need 4503599627382784"
cmp -s "$T/raw64k" <(head -c 65536 /dev/zero) || fail "the 64 KiB target was written"

note "finding 8: -q prints no progress lines (and without -q there are some)"
printf 'progress = { interval = 1; };\nsinks = ( { type = "test"; path = "%s"; delay_ms = 30; } );\n' \
	"$T/p" >"$T/progress.conf"
expect_rc 0 $ZFD -s "file:$T/img" -c "$T/progress.conf"
expect_out "^  [0-9]+ MiB of 32 MiB \([0-9.]+%\), [0-9]+ MiB/s, ETA [0-9]+:[0-9]{2}$"
expect_rc 0 $ZFD -s "file:$T/img" -c "$T/progress.conf" -q
grep -q "MiB of" "$T/.stdout" && fail "-q printed progress: $(cat "$T/.stdout")"
grep -q "^zfcpdump summary:" "$T/.stdout" || fail "-q: no summary"
[ ! -s "$T/.stderr" ] || fail "-q: stderr not empty: $(cat "$T/.stderr")"

note "finding 8: -n does not write the FCP online files"
R=$T/root
I=$R/sys/firmware/ipl
F=$R/sys/bus/ccw/drivers/zfcp/0.0.1700
mkdir -p "$I" "$F/0x500507630300c562"
echo fcp_dump >"$I/ipl_type"; echo 0.0.1700 >"$I/device"
echo 0x500507630300c562 >"$I/wwpn"; echo 0x4010400000000000 >"$I/lun"
: >"$F/online"; : >"$F/port_add"; : >"$F/0x500507630300c562/unit_add"
expect_rc 0 $ZFD --root "$R" -s "file:$T/img" -o "test:path=$T/n" -n
expect_err "fcp_dump boot: would set 0.0.1700 wwpn 0x500507630300c562 lun 0x4010400000000000 online \(dry run\)"
[ ! -s "$F/online" ] && [ ! -s "$F/port_add" ] && [ ! -s "$F/0x500507630300c562/unit_add" ] ||
	fail "-n wrote sysfs files"
[ ! -e "$T/n" ] || fail "-n wrote the sink"

note "finding 8: config errors of the sinks and global ones are reported at once"
cat >"$T/bad.conf" <<EOC
limit = 99999999999999999999;
policy = "sometimes";
sinks = ( { type = "test"; path = "$T/x"; bogus = 1; },
          { type = "test"; path = "$T/y"; delay_ms = "slow"; } );
EOC
expect_rc 2 $ZFD -s "file:$T/img" -c "$T/bad.conf"
expect_err "^$T/bad.conf:1: 'limit' is out of range: 99999999999999999999 is too large"
expect_err "^$T/bad.conf:2: 'policy' must be one of first, all, not 'sometimes'"
expect_err "^$T/bad.conf:3: unknown key 'bogus' for sink type 'test'"
expect_err "^$T/bad.conf:4: 'delay_ms' must be a number, not 'slow'"
grep -q "must not be negative" "$T/.stderr" && fail "'negative' for a too large number"
[ "$(wc -l <"$T/.stderr")" = 4 ] || fail "expected 4 lines: $(cat "$T/.stderr")"
expect_rc 2 $ZFD -s "file:$T/img" -c "$T/bad.conf" --check-config
[ "$(wc -l <"$T/.stderr")" = 4 ] || fail "--check-config: $(cat "$T/.stderr")"

note "finding 8: -o 123:device=x says what is wrong"
expect_rc 2 $ZFD -s "file:$T/img" -o 123:device=x
expect_err "^-o 123: unknown sink type '123' \(no plugin .*/123.so\)$"
expect_rc 2 $ZFD -s "file:$T/img" -o true
expect_err "^-o true: unknown sink type 'true'"

note "finding 6: the source as a target (same file, hard link, symlink) is refused before writing"
cp "$T/img" "$T/img.orig"
ln "$T/img" "$T/img.link"
ln -s "$T/img" "$T/img.sym"
for dev in "$T/img" "$T/img.link" "$T/img.sym"; do
	for type in raw extfs; do
		expect_rc 2 $ZFD -s "file:$T/img" -o "test:path=$T/first" -o "$type:device=$dev"
		expect_err "^zfcpdump: error: sink $type:$dev: device $dev is the dump source file:$T/img: refusing to write to it$"
		[ "$(wc -l <"$T/.stderr")" = 1 ] || fail "more than one line: $(cat "$T/.stderr")"
		[ ! -e "$T/first" ] || fail "a sink was written before the refusal"
	done
done
expect_rc 2 $ZFD -s "file:$T/img.link" -o "raw:device=$T/img" -n
expect_err "device $T/img is the dump source file:$T/img.link"
cmp "$T/img" "$T/img.orig" || fail "the source was changed"
note "finding 6: a zcore source and a /dev target below --root that is the same file"
Z=$R/sys/kernel/debug/zcore
mkdir -p "$Z" "$R/dev"
cp "$T/img" "$Z/mem"
ln "$Z/mem" "$R/dev/sdz"
expect_rc 2 $ZFD --root "$R" -s zcore -o "raw:device=/dev/sdz"
expect_err "sink raw:/dev/sdz: device $R/dev/sdz is the dump source zcore:$Z/mem: refusing"
cmp "$Z/mem" "$T/img.orig" || fail "zcore/mem was changed"

note "finding 20: a FIFO as the memmap is refused at once, not waited on"
mkfifo "$T/memmap.fifo"
expect_rc 1 timeout 20 $ZFD -s "file:$T/img,memmap=$T/memmap.fifo" -o "test:path=$T/fifo"
expect_err "memmap $T/memmap.fifo: not a regular file"
[ ! -e "$T/fifo" ] || fail "a sink was written although the memmap was refused"

note "a dump kernel without file locking (flock: ENOSYS) still dumps, with one warning"
head -c $((MEM + (1 << 20))) /dev/zero >"$T/nolock.raw"
expect_rc 0 with_shim ZFD_SHIM_NO_FLOCK=1 $ZFD -s "file:$T/img" -o "raw:device=$T/nolock.raw"
expect_err "warning: .*cannot lock target .*nolock.raw: Function not implemented \(a kernel without file locking\); going on unlocked"
exit 0
