#!/bin/bash
# Cross-endian golden test: the same input dumped by the x86_64 daemon and
# by the s390x daemon (big-endian, under qemu-s390x-static) gives the same
# bytes on every sink: header, memory, end-marker tag, manifest. Allowed to
# differ, and masked explicitly: the end marker's TOD (8 bytes), and the
# manifest's started/finished/seconds and its digest (which covers the
# end marker and so that TOD). That each digest is the right one is shown
# separately: xxhsum over the bytes, and zfcpdump-get verify of the other
# architecture. IBM's zgetdump (s390x, Debian's s390-tools) must accept
# the s390x daemon's dumps.
#
# Run by tests/s390x/run with: abs_top_srcdir, abs_top_builddir (the s390x
# build), TEST_WRAPPER (tests/s390x/qemu-run SYSROOT), ZFD_NATIVE_BUILD
# (the x86_64 build), ZFD_S390X_SYSROOT (for zgetdump).
. "$abs_top_srcdir/tests/lib.sh"

: "${ZFD_NATIVE_BUILD:?x86_64 build dir}"
: "${ZFD_S390X_SYSROOT:?sysroot}"
NB=$ZFD_NATIVE_BUILD
XB=$ZFD_BUILD
MEM=$((24 << 20))
STREAM=$((4096 + MEM + 16))
ZGETDUMP="$TEST_WRAPPER $ZFD_S390X_SYSROOT/sbin/zgetdump"

# The sinks this tree has: a sink whose sources are here must be built and
# tested on both architectures.
SINKS=(test)
for s in raw extfs; do
	ls "$ZFD_SRC/src/sinks/$s/"*.c >/dev/null 2>&1 && SINKS+=("$s")
done
HAVE_GET=
[ -f "$ZFD_SRC/src/get/main.c" ] && HAVE_GET=1

# elf_arch FILE: "s390x" or "x86_64" from the ELF header (readelf).
elf_arch() {
	local h
	h=$(readelf -h "$(realpath "$1")" 2>/dev/null) || { echo none; return; }
	if grep -q 'IBM S/390' <<<"$h" && grep -q 'big endian' <<<"$h"; then
		echo s390x
	elif grep -q 'X86-64' <<<"$h" && grep -q 'little endian' <<<"$h"; then
		echo x86_64
	else
		echo other
	fi
}

# be_u32 FILE OFF: a big-endian u32 at OFF, decimal.
be_u32() {
	echo $((16#$(od -An -tx1 -j "$2" -N 4 "$1" | tr -d ' \n')))
}

# tod_at FILE OFF: seconds since 1970 of the big-endian s390 TOD value
# (bit 51 = 1 microsecond, epoch 1900) at OFF. Computed from the two
# halves: bash integers are signed 64-bit, TODs of today are not.
tod_at() {
	local hi lo
	hi=$(be_u32 "$1" "$2")
	lo=$(be_u32 "$1" $(($2 + 4)))
	echo $(( ((hi << 20) + (lo >> 12)) / 1000000 - 2208988800 ))
}

note "programs: x86_64 in $NB, s390x in $XB"
for p in zfcpdump zfd-mkimage ${HAVE_GET:+zfcpdump-get}; do
	[ "$(elf_arch "$NB/$p")" = x86_64 ] || fail "$NB/$p is not an x86_64 program"
	[ "$(elf_arch "$XB/$p")" = s390x ] || fail "$XB/$p is not a big-endian s390x program"
done

note "zfd-mkimage writes the same image and memmap on both byte orders"
"$NB/zfd-mkimage" -o "$T/img" -s 24M --seed 4242 --cpus 3 --hole 9M:1M \
	--memmap "$T/memmap" || fail "zfd-mkimage (x86_64)"
$MKIMAGE -o "$T/img.s390x" -s 24M --seed 4242 --cpus 3 --hole 9M:1M \
	--memmap "$T/memmap.s390x" || fail "zfd-mkimage (s390x)"
cmp "$T/img" "$T/img.s390x" || fail "the images differ"
cmp "$T/memmap" "$T/memmap.s390x" || fail "the memmaps differ"
rm -f "$T/img.s390x"

# run_dump ARCH: one dump of $T/img to every sink with policy "all".
run_dump() {
	local a=$1 build plug daemon conf s
	if [ "$a" = x86_64 ]; then
		build=$NB daemon="$NB/zfcpdump"
	else
		build=$XB daemon="$ZFCPDUMP"
	fi
	plug=$T/plugins.$a
	mkdir -p "$plug"
	ln -sf "$build/tests/plugins/.libs/test.so" "$plug/test.so"
	for s in "${SINKS[@]}"; do
		[ "$s" = test ] && continue
		[ -e "$build/sinks/$s.so" ] || fail "$build/sinks/$s.so not built"
		ln -sf "$build/sinks/$s.so" "$plug/$s.so"
	done
	for s in "$plug"/*.so; do
		[ "$(elf_arch "$s")" = "$a" ] || fail "$s is not an $a plugin"
	done
	conf=$T/$a.conf
	{
		echo 'policy = "all";'
		echo 'sinks = ('
		echo "  { type = \"test\"; path = \"$T/out.test\"; }"
		for s in "${SINKS[@]}"; do
			case $s in
			raw)
				# a partition image filled with 0xa5: every byte the
				# sink writes or leaves alone is compared
				head -c $((MEM + 4 * 4096)) /dev/zero | tr '\0' '\245' >"$T/out.raw"
				echo ", { type = \"raw\"; device = \"$T/out.raw\"; }"
				;;
			extfs)
				mke2fs -q -F -t ext3 "$T/out.ext3" 64M >/dev/null 2>&1 ||
					fail "mke2fs"
				echo ", { type = \"extfs\"; device = \"$T/out.ext3\"; fsck = \"no\"; }"
				;;
			esac
		done
		echo ');'
	} >"$conf"
	local t0 t1
	t0=$(date +%s)
	expect_rc 0 $daemon --plugin-dir "$plug" --cmdline none -c "$conf" \
		-s "file:$T/img,memmap=$T/memmap"
	t1=$(date +%s)
	echo "$t0 $t1" >"$T/$a.times"
	cp "$T/.stderr" "$T/$a.stderr"
	# the same target names for both runs (the manifest names the device)
	mv "$T/out.test" "$T/$a.test"
	mv "$T/out.test.info" "$T/$a.test.info"
	[ ! -e "$T/out.raw" ] || mv "$T/out.raw" "$T/$a.raw"
	[ ! -e "$T/out.ext3" ] || mv "$T/out.ext3" "$T/$a.ext3"
}

note "dump with the x86_64 daemon to: ${SINKS[*]}"
run_dump x86_64
note "dump with the s390x daemon (qemu-s390x-static) to: ${SINKS[*]}"
run_dump s390x

# Each sink's output as a plain s390 stream file $T/ARCH.SINK.dump and
# its manifest $T/ARCH.SINK.info.
for a in x86_64 s390x; do
	cp "$T/$a.test" "$T/$a.test.dump"	# its manifest is $T/$a.test.info
	for s in "${SINKS[@]}"; do
		case $s in
		raw)
			head -c $STREAM "$T/$a.raw" >"$T/$a.raw.dump"
			moff=$(( (STREAM + 4095) / 4096 * 4096 ))
			dd if="$T/$a.raw" bs=4096 skip=$((moff / 4096)) count=1 status=none |
				tr -d '\0' >"$T/$a.raw.info"
			;;
		extfs)
			e2fsck -fn "$T/$a.ext3" >"$T/fsck.out" 2>&1 ||
				{ cat "$T/fsck.out" >&2; fail "$a: e2fsck -fn not clean"; }
			names=$(debugfs -R "ls -p /" "$T/$a.ext3" 2>/dev/null |
				awk -F/ '$6 ~ /^dump\./ { print $6 }' | sort | tr '\n' ' ')
			[ "$names" = "dump.0 dump.0.info " ] ||
				fail "$a: extfs holds '$names', expected dump.0 and dump.0.info"
			debugfs -R "dump /dump.0 $T/$a.extfs.dump" "$T/$a.ext3" >/dev/null 2>&1
			debugfs -R "dump /dump.0.info $T/$a.extfs.info" "$T/$a.ext3" >/dev/null 2>&1
			;;
		esac
	done
done

note "every dump is complete, and its digest is xxhsum's over its bytes"
for a in x86_64 s390x; do
	for s in "${SINKS[@]}"; do
		d=$T/$a.$s.dump
		[ "$(stat -c %s "$d")" = $STREAM ] || fail "$a $s: size $(stat -c %s "$d")"
		[ "$(head -n1 "$T/$a.$s.info")" = "zfcpdump-info 1" ] || fail "$a $s: no manifest"
		[ "$(manifest_get "$T/$a.$s.info" status)" = complete ] || fail "$a $s: not complete"
		[ "$(manifest_get "$T/$a.$s.info" hole_bytes)" = $((1 << 20)) ] || fail "$a $s: hole_bytes"
		want=$(manifest_get "$T/$a.$s.info" digest)
		got="xxh3-128:$(xxhsum -H2 - <"$d" | cut -d' ' -f1)"
		[ "$want" = "$got" ] || fail "$a $s: manifest digest $want, xxhsum says $got"
	done
done

note "the dumps are the source image, byte for byte, with the hole as zeros"
for a in x86_64 s390x; do
	for s in "${SINKS[@]}"; do
		d=$T/$a.$s.dump
		same_bytes "$T/img" 0 "$d" 0 $((4096 + (9 << 20)))
		cmp -s -n $((1 << 20)) -i $((4096 + (9 << 20))):0 "$d" /dev/zero ||
			fail "$a $s: the hole is not zeros"
		same_bytes "$T/img" $((4096 + (10 << 20))) "$d" $((4096 + (10 << 20))) $((14 << 20))
	done
done

note "x86_64 and s390x dumps are identical but for the end-marker TOD"
for s in "${SINKS[@]}"; do
	x=$T/x86_64.$s.dump z=$T/s390x.$s.dump
	cmp -n $((4096 + MEM + 8)) "$x" "$z" || fail "$s: header or memory differ"
	[ "$(od -An -c -j $((4096 + MEM)) -N 8 "$z" | tr -d ' \n')" = DUMP_END ] ||
		fail "$s: no end marker from s390x"
done

note "the end-marker TODs are big-endian times of the runs"
for a in x86_64 s390x; do
	read -r t0 t1 <"$T/$a.times"
	for s in "${SINKS[@]}"; do
		t=$(tod_at "$T/$a.$s.dump" $((4096 + MEM + 8)))
		[ "$t" -ge $((t0 - 1)) ] && [ "$t" -le $((t1 + 1)) ] ||
			fail "$a $s: end-marker TOD says $(date -u -d "@$t"), the run was $(date -u -d "@$t0") .. $(date -u -d "@$t1")"
		fin=$(date -u -d "$(manifest_get "$T/$a.$s.info" finished)" +%s)
		[ $((t - fin)) -le 1 ] && [ $((fin - t)) -le 1 ] ||
			fail "$a $s: end-marker TOD $t vs manifest finished $fin"
	done
done

note "the manifests are identical but for times and digest"
mask_manifest() {
	sed -E 's/^(started|finished|seconds|digest): .*/\1: MASKED/' "$1"
}
for s in "${SINKS[@]}"; do
	for k in started finished seconds digest; do
		[ -n "$(manifest_get "$T/s390x.$s.info" $k)" ] || fail "$s: s390x manifest lacks $k"
	done
	diff <(mask_manifest "$T/x86_64.$s.info") <(mask_manifest "$T/s390x.$s.info") >&2 ||
		fail "$s: manifests differ"
done

if [[ " ${SINKS[*]} " == *" raw "* ]]; then
	note "raw: the whole partitions are identical but for TOD and manifest block"
	moff=$(( (STREAM + 4095) / 4096 * 4096 ))
	for a in x86_64 s390x; do
		cp "$T/$a.raw" "$T/$a.raw.masked"
		dd if=/dev/zero of="$T/$a.raw.masked" bs=1 seek=$((4096 + MEM + 8)) count=8 \
			conv=notrunc status=none
		dd if=/dev/zero of="$T/$a.raw.masked" bs=4096 seek=$((moff / 4096)) count=1 \
			conv=notrunc status=none
	done
	cmp "$T/x86_64.raw.masked" "$T/s390x.raw.masked" || fail "raw partitions differ"
	rm -f "$T"/*.raw.masked
fi

note "zgetdump (s390-tools, s390x) reads the s390x daemon's dumps"
for s in "${SINKS[@]}"; do
	case $s in
	raw) d=$T/s390x.raw ;;	# the whole partition, as on a real disk
	*) d=$T/s390x.$s.dump ;;
	esac
	expect_rc 0 $ZGETDUMP -i "$d"
	# (zgetdump -i prints its report on stderr)
	expect_err '^ *Dump format\.*: s390$'
	expect_err '^ *Dump memory range\.*: 24 MB$'
	expect_err '^ *Build arch\.*: s390x \(64 bit\)$'
	expect_err '^ *CPU count \(online\)\.*: 3$'
	expect_err '^ *0000000000000000 - 00000000017fffff \(24 MB\)$'
	ended=$(sed -n 's/^ *Dump ended\.*: //p' "$T/.stderr")
	[ -n "$ended" ] || fail "$s: zgetdump sees no end marker"
	t=$(tod_at "$T/s390x.$s.dump" $((4096 + MEM + 8)))
	[ "$(date -u -d "$ended" +%s)" = "$t" ] ||
		fail "$s: zgetdump says the dump ended $ended, the TOD says $(date -u -d "@$t")"
done
note "zgetdump converts the s390x dump to ELF with the memory intact"
$ZGETDUMP -f elf "$T/s390x.test.dump" >"$T/s390x.elf" 2>"$T/zgetdump.err" ||
	{ cat "$T/zgetdump.err" >&2; fail "zgetdump -f elf failed"; }
readelf -h "$T/s390x.elf" | grep -q 'Type: *CORE' || fail "zgetdump's ELF is not a core file"
off=$(readelf -lW "$T/s390x.elf" | awk '$1 == "LOAD" && $3 == "0x0000000000000000" { print $2; exit }')
[ -n "$off" ] || fail "no PT_LOAD at address 0 in zgetdump's ELF"
same_bytes "$T/img" 4096 "$T/s390x.elf" $((off)) $((9 << 20))

if [ -n "$HAVE_GET" ]; then
	note "zfcpdump-get verify: each architecture accepts the other's dumps"
	for a in x86_64 s390x; do
		for s in "${SINKS[@]}"; do
			case $s in
			test) d=$T/$a.test ;;
			raw) d=$T/$a.raw ;;
			extfs) d=$T/$a.ext3:dump.0 ;;
			esac
			expect_rc 0 $ZFCPDUMP_GET verify "$d"
			expect_rc 0 "$NB/zfcpdump-get" verify "$d"
		done
	done
fi

note "done: ${#SINKS[@]} sinks (${SINKS[*]}) compared${HAVE_GET:+, zfcpdump-get cross-verified}"
