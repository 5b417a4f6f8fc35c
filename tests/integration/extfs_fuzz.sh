#!/bin/bash
# extfs sink: its pre-checks against corrupted filesystems. Random bytes
# are flipped in the superblock, group descriptors, block and inode
# bitmaps and inode tables of an ext3/ext4 holding two dumps; then a dump
# is written (fsck = "no": the sink's own checks are what is tested). For
# every image: no crash (exit 0 or 1 only), no hang (timeout), every older
# dump that verified before still verifies (its digest), a dump reported
# complete verifies, and a filesystem that e2fsck -fn found clean before
# is clean after (or the sink refused).
#
# Bounded: EXTFS_FUZZ_IMAGES images (default 200, ~0.4 s each) or
# EXTFS_FUZZ_SECONDS (default 120), whichever comes first; EXTFS_FUZZ_SEED (default 1)
# makes a run reproducible. A failing image is kept in the work dir.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/extfs_lib.sh"

images=${EXTFS_FUZZ_IMAGES:-200}
limit=${EXTFS_FUZZ_SECONDS:-120}
RANDOM=${EXTFS_FUZZ_SEED:-1}
TO="timeout -k 5 30"

$MKIMAGE -o "$T/d0" -s 1M --seed 31 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/d1" -s 2M --seed 32 >/dev/null || fail "zfd-mkimage"
$MKIMAGE -o "$T/new" -s 1M --seed 33 >/dev/null || fail "zfd-mkimage"

# base TYPE: $T/base.TYPE with dump.0, dump.1; regions in $T/regions.TYPE
# ("KIND START LEN", bytes).
base() {
	local t=$1 f=$T/base.$1 bs isz
	mkfs "$t" "$f" 16M
	expect_rc 0 $FEED "$T/d0" "device = \"$f\"; fsck = \"no\";"
	expect_rc 0 $FEED "$T/d1" "device = \"$f\"; fsck = \"no\";"
	dumpe2fs "$f" >"$T/dumpe2fs" 2>/dev/null || fail "dumpe2fs"
	bs=$(sed -n 's/^Block size: *//p' "$T/dumpe2fs")
	isz=$(sed -n 's/^Inode size:[[:space:]]*//p' "$T/dumpe2fs")
	{
		echo "sb 1024 1024"
		sed -n 's/.*Group descriptors at \([0-9]*\)-\([0-9]*\).*/\1 \2/p' "$T/dumpe2fs" |
			awk -v bs="$bs" '{ print "gdt", $1 * bs, ($2 - $1 + 1) * bs }'
		sed -n 's/^ *Block bitmap at \([0-9]*\).*/\1/p' "$T/dumpe2fs" |
			awk -v bs="$bs" '{ print "bbitmap", $1 * bs, bs }'
		sed -n 's/^ *Inode bitmap at \([0-9]*\).*/\1/p' "$T/dumpe2fs" |
			awk -v bs="$bs" '{ print "ibitmap", $1 * bs, bs }'
		# the first inodes (reserved, root, the dumps), and whole tables
		sed -n 's/^ *Inode table at \([0-9]*\)-\([0-9]*\).*/\1 \2/p' "$T/dumpe2fs" |
			awk -v bs="$bs" -v isz="$isz" 'NR == 1 { print "inodes", $1 * bs, 20 * isz }
				{ print "itable", $1 * bs, ($2 - $1 + 1) * bs }'
	} >"$T/regions.$t"
}

# verify_ok FS DUMP: zfcpdump-get verify says complete and digest ok.
verify_ok() { $TO $ZFCPDUMP_GET verify "$1:$2" >/dev/null 2>&1; }

# flip FILE: 1 to 8 random bytes of one random region XORed.
flip() {
	local f=$1 t=$2 n k line kind start len off old new
	n=$(wc -l <"$T/regions.$t")
	line=$(sed -n "$((RANDOM % n + 1))p" "$T/regions.$t")
	set -- $line
	kind=$1 start=$2 len=$3
	for ((k = 0; k < RANDOM % 8 + 1; k++)); do
		off=$((start + (RANDOM * 32768 + RANDOM) % len))
		old=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
		new=$(( old ^ (RANDOM % 255 + 1) ))
		printf "$(printf '\\%03o' "$new")" |
			dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	done
	KIND=$kind
}

for t in ext3 ext4; do
	base $t
done

start=$SECONDS
declare -A stats=()
for ((i = 1; i <= images; i++)); do
	if [ $((SECONDS - start)) -ge "$limit" ]; then
		note "time limit of ${limit} s reached"
		break
	fi
	t=ext3
	[ $((RANDOM % 5)) -lt 2 ] && t=ext4
	cp "$T/base.$t" "$T/fz"
	flip "$T/fz" $t
	what="image $i ($t, $KIND)"
	ok=()
	for d in dump.0 dump.1; do
		verify_ok "$T/fz" $d && ok+=("$d")
	done
	pre_clean=0
	$TO e2fsck -fn "$T/fz" >/dev/null 2>&1 && pre_clean=1
	cp "$T/fz" "$T/fz.orig"
	rc=0
	$TO $FEED "$T/new" "device = \"$T/fz\"; fsck = \"no\"; on_full = \"fail\";" \
		>"$T/out" 2>&1 || rc=$?
	case $rc in
	0 | 1) ;;
	124 | 137) cat "$T/out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: hang" ;;
	*) cat "$T/out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: exit $rc (crash?)" ;;
	esac
	grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/out" &&
		{ cat "$T/out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: sanitizer report"; }
	for d in "${ok[@]}"; do
		verify_ok "$T/fz" "$d" ||
			{ cat "$T/out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: $d no longer verifies"; }
	done
	if [ $rc = 0 ]; then
		new=$(sed -n 's/.*dump written to .*\/\(dump\.[0-9]*\) .*/\1/p' "$T/out")
		[ -n "$new" ] && verify_ok "$T/fz" "$new" ||
			{ cat "$T/out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: complete, but '$new' does not verify"; }
		if [ $pre_clean = 1 ]; then
			$TO e2fsck -fn "$T/fz" >"$T/fsck.out" 2>&1 ||
				{ cat "$T/out" "$T/fsck.out" >&2; cp "$T/fz.orig" "$T/failed.img"; fail "$what: e2fsck -fn not clean after the dump"; }
		fi
		stats[written]=$((${stats[written]:-0} + 1))
	else
		stats[refused]=$((${stats[refused]:-0} + 1))
	fi
	[ $pre_clean = 1 ] || stats[unclean_before]=$((${stats[unclean_before]:-0} + 1))
	stats[kept]=$((${stats[kept]:-0} + ${#ok[@]}))
done
note "$((i - 1)) images in $((SECONDS - start)) s: ${stats[written]:-0} written, ${stats[refused]:-0} refused, ${stats[unclean_before]:-0} not e2fsck-clean before, ${stats[kept]:-0} older dumps verified before and after"
exit 0
