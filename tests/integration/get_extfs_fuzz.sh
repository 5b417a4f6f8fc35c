#!/bin/bash
# Corrupted ext filesystems under zfcpdump-get list/verify/info (issue 12):
# small ext2/ext3/ext4 images holding a complete dump, an incomplete one,
# an ELF core and their manifests get byte flips in the superblock, the
# group descriptors, the bitmaps, the inode table and the root directory,
# deterministically (seeded). Every run must end within its timeout with
# exit 0 or 1 (never a signal, a sanitizer report or a hang); the whole
# test stays well under 2 minutes. A failing image is kept in the work dir.
#   GET_FUZZ_ROUNDS  mutated images per filesystem type (default 40)
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"
ROUNDS=${GET_FUZZ_ROUNDS:-40}

$MKIMAGE -o "$T/img" -s 1M --seed 11 --cpus 2 || fail "zfd-mkimage"
$MKDUMP -i "$T/img" -o "$T/d" -l file || fail "get-mkdump"
$MKDUMP -i "$T/img" -o "$T/p" -l file --dumped $((256 << 10)) || fail "get-mkdump"
expect_rc 0 $GET copy "$T/d" "$T/core" -f elf

i=0
for spec in "ext2 1024" "ext3 1024" "ext4 4096 ^metadata_csum" "ext4 1024"; do
	set -- $spec
	fs=$T/base.$i
	mke2fs -q -F -t "$1" -b "$2" ${3:+-O "$3"} "$fs" 8M || fail "mke2fs $spec"
	for w in "$T/d dump.0" "$T/d.info dump.0.info" "$T/p dump.1.incomplete" \
		"$T/p.info dump.1.info" "$T/core dump.2"; do
		debugfs -w "$fs" -R "write $w" >/dev/null 2>&1 || fail "debugfs write $w"
	done
	e2fsck -fn "$fs" >/dev/null 2>&1 || fail "base image $spec is not clean"
	# where the metadata is: dumpe2fs's group 0 (block numbers)
	dumpe2fs "$fs" 2>/dev/null >"$fs.layout" || fail "dumpe2fs"
	root=$(debugfs -R "blocks /" "$fs" 2>/dev/null | awk '{print $1}')
	echo "root $root" >>"$fs.layout"
	expect_rc 0 $GET list "$fs"
	i=$((i + 1))
done

start=$(date +%s)
# shellcheck disable=SC2086
python3 - "$T" "$ROUNDS" "$i" $GET <<'PY' || fail "corrupted filesystems broke zfcpdump-get (see above)"
import os, random, re, shutil, subprocess, sys, time
T, rounds, nfs, get = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
rng = random.Random(20261129)
runs = bad = 0
outcome = {0: 0, 1: 0}
deadline = time.time() + 100		# the whole loop: well under 2 minutes
for f in range(nfs):
    base = os.path.join(T, 'base.%d' % f)
    lay = open(base + '.layout').read()
    bs = int(re.search(r'Block size:\s+(\d+)', lay).group(1))
    def blk(pat):
        m = re.search(pat, lay)
        return int(m.group(1)), int(m.group(2) or m.group(1))
    sb = (1024, 1024)
    gd_first, gd_last = blk(r'Group descriptors at (\d+)(?:-(\d+))?')
    bb = blk(r'Block bitmap at (\d+)()')[0]
    ib = blk(r'Inode bitmap at (\d+)()')[0]
    it_first, _ = blk(r'Inode table at (\d+)(?:-(\d+))?')
    root = int(re.search(r'root (\d+)', lay).group(1))
    regions = {
        'superblock': sb,
        'group descriptors': (gd_first * bs, (gd_last - gd_first + 1) * bs),
        'block bitmap': (bb * bs, bs),
        'inode bitmap': (ib * bs, bs),
        'inode table': (it_first * bs, 4 * bs),	# inodes 1-16 and more
        'root directory': (root * bs, bs),
    }
    names = sorted(regions)
    data = open(base, 'rb').read()
    for r in range(rounds):
        if time.time() > deadline:
            break
        img = bytearray(data)
        what = names[r % len(names)]
        off, ln = regions[what]
        for _ in range(rng.choice((1, 1, 2, 4, 8))):
            p = off + rng.randrange(ln)
            img[p] = rng.randrange(256) if rng.random() < 0.5 else img[p] ^ 0xff
        path = os.path.join(T, 'fuzz.img')
        open(path, 'wb').write(img)
        for args in (['list', path], ['verify', path + ':dump.0'],
                     ['info', path + ':dump.1.incomplete'],
                     ['verify', path + ':dump.2']):
            runs += 1
            try:
                p = subprocess.run(get + args, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=20)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc, p = 'hang', None
            if rc in (0, 1):
                outcome[rc] += 1
                continue
            bad += 1
            keep = os.path.join(T, 'bad.%d.img' % bad)
            shutil.copyfile(path, keep)
            print('FAIL: %s (%s flipped) -> %s: %s%s' % (
                ' '.join(args[:1]), what, rc, keep,
                p.stderr.decode(errors='replace')[-2000:] if p else ''))
print('# %d runs on %d corrupted images: %d exit 0, %d exit 1, %d crashes/hangs'
      % (runs, runs // 4, outcome[0], outcome[1], bad))
sys.exit(1 if bad else 0)
PY
note "fuzzing took $(( $(date +%s) - start )) s"
exit 0
