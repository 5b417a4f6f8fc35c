#!/bin/bash
# The zcore source against a fake debugfs tree: memmap holes, EFAULT holes,
# HSA release order (end and early), fcp_dump device online, PID 1 duties
# and the re-IPL, interruption by SIGTERM.
. "$abs_top_srcdir/tests/integration/core_common.sh"

R=$T/root
Z=$R/sys/kernel/debug/zcore
mkzcore() {
	rm -rf "$R"
	mkdir -p "$Z"
	$MKIMAGE -o "$Z/mem" -s 32M --seed 7 --cpus 3 --hole 20M:2M --memmap "$Z/memmap" ||
		fail mkimage
	# garbage inside the hole: the daemon must not read it
	head -c $((2 << 20)) /dev/urandom |
		dd of="$Z/mem" bs=1M seek=$((4096 + (20 << 20))) oflag=seek_bytes conv=notrunc status=none
	echo 1000000 >"$Z/hsa"		# 16 MiB, hex as the kernel has it
	: >"$Z/reipl"
}
ZZ="$ZFD --root $R -s zcore"

note "holes from zcore/memmap are skipped, counted, zeros in the dump"
mkzcore
expect_rc 0 $ZZ -o "test:path=$T/o,events=$T/ev,hsa_probe=$Z/hsa"
expect_err "source zcore:$Z/mem, 32 MiB"
[ "$(manifest_get "$T/o.info" hole_bytes)" = $((2 << 20)) ] || fail "hole_bytes"
same_bytes "$Z/mem" 4096 "$T/o" 4096 $((20 << 20))
same_bytes "$Z/mem" $((4096 + (22 << 20))) "$T/o" $((4096 + (22 << 20))) $((10 << 20))
cmp -n $((2 << 20)) -i $((4096 + (20 << 20))):0 "$T/o" /dev/zero || fail "hole not zeros"
# the hole arrives as hole blocks (kind 1) covering exactly 20 MiB..22 MiB
# s390 is positional: the holes come as HOLE blocks at 4096 + memory offset
[ "$(awk -F'[ =]' '/kind=1/ { n += $7 } END { print n }' "$T/ev")" = $((2 << 20)) ] &&
	[ "$(grep -m1 kind=1 "$T/ev" | cut -d' ' -f2,3)" = "off=$((4096 + (20 << 20))) mem=$((20 << 20))" ] ||
	fail "hole blocks wrong: $(grep kind=1 "$T/ev")"

note "hsa_release = end: released after the last sink finished, not before"
grep -q "finish status=complete dumped=$MEM hsa=1000000" "$T/ev" ||
	fail "HSA released before the sink finished: $(grep finish "$T/ev")"
[ "$(head -n1 "$Z/hsa")" = 0 ] || fail "HSA not released at the end"
expect_err "HSA released \(16 MiB\)"

note "two mirrors: both finish before the release"
mkzcore
printf 'policy = "all";\nsinks = ( { type = "test"; path = "%s"; events = "%s"; hsa_probe = "%s"; },\n{ type = "test"; path = "%s"; events = "%s"; hsa_probe = "%s"; delay_ms = 2; } );\n' \
	"$T/m1" "$T/m1.ev" "$Z/hsa" "$T/m2" "$T/m2.ev" "$Z/hsa" >"$T/all.conf"
expect_rc 0 $ZFD --root "$R" -s zcore -c "$T/all.conf"
grep -q "hsa=1000000" "$T/m1.ev" && grep -q "hsa=1000000" "$T/m2.ev" ||
	fail "HSA released while a mirror was still writing"
[ "$(head -n1 "$Z/hsa")" = 0 ] || fail "HSA not released"

note "failover after an end release is impossible: re-read from 0 works"
mkzcore
expect_rc 0 $ZZ -o "test:path=$T/f1,fail_at=24M" -o "test:path=$T/f2"
same_bytes "$Z/mem" 4096 "$T/f2" 4096 $((20 << 20))
[ "$(manifest_get "$T/f2.info" lost_bytes)" = 0 ] || fail "lost bytes without early release"

note "hsa_release = early: released once the sink has the HSA; failover records the loss"
mkzcore
printf 'hsa_release = "early";\nsinks = ( { type = "test"; path = "%s"; fail_at = "24M"; events = "%s"; hsa_probe = "%s"; },\n{ type = "test"; path = "%s"; } );\n' \
	"$T/e1" "$T/e1.ev" "$Z/hsa" "$T/e2" >"$T/early.conf"
expect_rc 1 $ZFD --root "$R" -s zcore -c "$T/early.conf"
grep -q "hsa=0" "$T/e1.ev" || fail "HSA not released early"
[ "$(manifest_get "$T/e2.info" lost_bytes)" = $((16 << 20)) ] || fail "lost_bytes"
[ "$(manifest_get "$T/e2.info" status)" = incomplete ] || fail "lost data looks complete"
grep -q "reason: HSA already released" "$T/e2.info" || fail "no reason for the loss"
same_bytes "$Z/mem" $((4096 + (16 << 20))) "$T/e2" $((4096 + (16 << 20))) $((4 << 20))
# format elf on the failover sink: the registers in the released HSA are
# lost too (zero registers, one warning), and the ELF program headers
# leave the lost memory out instead of presenting it as zeros
mkzcore
printf 'hsa_release = "early";\nsinks = ( { type = "test"; path = "%s"; fail_at = "24M"; },\n{ type = "test"; path = "%s"; format = "elf"; } );\n' \
	"$T/e3" "$T/e4" >"$T/early.conf"
expect_rc 1 $ZFD --root "$R" -s zcore -c "$T/early.conf"
expect_err "warning: test: format elf: registers of 3 CPU\\(s\\) not in the dumped memory"
[ "$(manifest_get "$T/e4.info" status)" = incomplete ] || fail "elf: lost data looks complete"
[ "$(readelf -lW "$T/e4" | awk '$1 == "LOAD" { print $4, $5 }' | tr '\n' ' ')" = \
	"0x0000000001000000 0x400000 0x0000000001600000 0xa00000 " ] ||
	fail "elf: PT_LOADs of the lost HSA: $(readelf -lW "$T/e4")"

note "EFAULT from zcore/mem marks holes the memmap did not show (LD_PRELOAD shim)"
mkzcore
rm "$Z/memmap"
# memory 8 MiB..10 MiB = file offsets 0x801000..0xa01000 (after the header)
expect_rc 0 with_shim ZFD_SHIM_EFAULT="$Z/mem:801000-a01000" $ZZ -o "test:path=$T/x"
[ "$(manifest_get "$T/x.info" hole_bytes)" = $((2 << 20)) ] || fail "EFAULT hole_bytes"
cmp -n $((2 << 20)) -i $((4096 + (8 << 20))):0 "$T/x" /dev/zero || fail "EFAULT hole not zeros"
same_bytes "$Z/mem" $((4096 + (10 << 20))) "$T/x" $((4096 + (10 << 20))) $((1 << 20))

note "fcp_dump boot: the IPL device is set online first"
mkzcore
I=$R/sys/firmware/ipl
F=$R/sys/bus/ccw/drivers/zfcp/0.0.1700
mkdir -p "$I" "$F/0x500507630300c562"
echo fcp_dump >"$I/ipl_type"; echo 0.0.1700 >"$I/device"
echo 0x500507630300c562 >"$I/wwpn"; echo 0x4010400000000000 >"$I/lun"
: >"$F/online"; : >"$F/port_add"; : >"$F/0x500507630300c562/unit_add"
expect_rc 0 $ZZ -o "test:path=$T/fcp"
[ "$(cat "$F/online")" = 1 ] || fail "device not set online"
[ "$(cat "$F/port_add")" = 0x500507630300c562 ] || fail "port not added"
[ "$(cat "$F/0x500507630300c562/unit_add")" = 0x4010400000000000 ] || fail "unit not added"
expect_err "fcp_dump boot: setting 0.0.1700 wwpn 0x500507630300c562 lun 0x4010400000000000 online"

note "interrupted by SIGTERM: incomplete, exit 1"
mkzcore
$ZZ -o "test:path=$T/s,delay_ms=40" >"$T/s.out" 2>&1 &
pid=$!
sleep 0.6
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc = 1 ] || fail "SIGTERM: exit $rc"
[ "$(manifest_get "$T/s.info" status)" = incomplete ] || fail "SIGTERM: not incomplete"
grep -q "reason: interrupted by signal 15" "$T/s.info" || fail "SIGTERM: no reason"

note "as PID 1 (in a PID namespace): modules, failure to find one is a warning, re-IPL"
mkzcore
printf 'final_action = "reipl";\nmodules = [ "zfd_no_such_module_xyz" ];\nsinks = ( { type = "test"; path = "%s"; } );\n' \
	"$T/p" >"$T/pid1.conf"
echo "dump_mem=8M" >"$T/cmdline"
rc=0
timeout 60 unshare --pid --fork --mount --propagation private \
	$ZFCPDUMP --plugin-dir "$PLUG" --root "$R" -s zcore -c "$T/pid1.conf" \
	--cmdline "$T/cmdline" >"$T/p.out" 2>&1 || rc=$?
cat "$T/p.out"
grep -q "module zfd_no_such_module_xyz: not found" "$T/p.out" || fail "no module warning"
grep -q "final action: reipl" "$T/p.out" || fail "no final action"
[ "$(cat "$Z/reipl")" = 1 ] || fail "zcore/reipl not written"
[ "$(manifest_get "$T/p.info" dumped_bytes)" = $((8 << 20)) ] || fail "dump_mem ignored as PID 1"
[ $rc != 124 ] || fail "PID 1 did not end after the re-IPL request"
exit 0
