#!/bin/bash
# zfd-mkimage's cores for the ELF benchmark (issue 10 item 8, bench/vmcore.sh):
# --symbols gives an x86_64 core that Debian's makedumpfile -E -d 1 reads
# (VMCOREINFO symbols, page tables, init_uts_ns, mem_map in the kernel
# text), and makedumpfile's output holds exactly the core's non-zero pages;
# --layout mixed keeps the mix and has runs from one page to 4 MiB;
# --sparse writes the same bytes with zero pages as file holes.
. "$abs_top_srcdir/tests/lib.sh"

$MKIMAGE -o "$T/x.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--layout mixed --symbols --hole 40M:4M --kernel 6.1.0-13-amd64 ||
	fail "zfd-mkimage --symbols"
expect_rc 0 makedumpfile -E -d 1 "$T/x.elf" "$T/y.elf"
expect_out "The dumpfile is saved to $T/y.elf"
# its notes are the core's (VMCOREINFO with the planted symbols)
grep -aq "SYMBOL(init_top_pgt)=ffffffff811fb000" "$T/y.elf" ||
	fail "VMCOREINFO not in makedumpfile's output"

python3 - "$T/x.elf" "$T/y.elf" <<'PY' || fail "makedumpfile's pages differ from the core's"
import struct, sys
def loads(path):
    d = open(path, 'rb').read()
    phoff, = struct.unpack_from('<Q', d, 32); n, = struct.unpack_from('<H', d, 56)
    out = []
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)
        if t == 1:
            out.append((va, pa, off, fs, ms))
    return d, out
def page(d, ls, a):
    for va, pa, off, fs, ms in ls:
        if pa <= a < pa + ms:
            return d[off + a - pa: off + a - pa + 4096] if a < pa + fs else bytes(4096)
    return None
zero = bytes(4096)
d1, l1 = loads(sys.argv[1]); d2, l2 = loads(sys.argv[2])
kinds = {'zero': 0, 'text': 0, 'random': 0}
runs = {}
prev, run, short = None, 0, 0
KTEXT = 0xffffffff80000000  # the kernel text's own PT_LOADs (also in RAM)
for va, pa, off, fs, ms in l1:
    if va >= KTEXT:
        continue
    for a in range(pa, pa + fs, 4096):
        p1, p2 = page(d1, l1, a), page(d2, l2, a)
        if p1 != p2:
            sys.exit('page 0x%x differs' % a)
        k = 'zero' if p1 == zero else 'text' if p1.startswith(b'page ') else 'random'
        kinds[k] += 1
        if k == prev:
            run += 1
        else:
            if prev:
                runs[run] = runs.get(run, 0) + 1
                if prev == 'zero' and run < 256:
                    short += run
            prev, run = k, 1
    if prev == 'zero' and run < 256:
        short += run
    prev = None
# makedumpfile -d 1 stored every non-zero page and no run of 256 or more
# zero pages (shorter ones it keeps, to save program headers)
stored = sum(fs for va, pa, off, fs, ms in l2 if va < KTEXT) // 4096
nonzero = kinds['text'] + kinds['random']
if not nonzero <= stored <= nonzero + short:
    sys.exit('makedumpfile stored %d pages, %d non-zero, %d zero in short runs' %
             (stored, nonzero, short))
total = sum(kinds.values())
pct = {k: 100.0 * v / total for k, v in kinds.items()}
print('# %d pages: %.1f %% zero, %.1f %% text, %.1f %% random; %d runs' %
      (total, pct['zero'], pct['text'], pct['random'], sum(runs.values())))
PY
note "makedumpfile -E -d 1 reads the --symbols core; its pages equal the core's"

# --layout mixed: the mix holds over 256 MiB, runs from 1 page to 4 MiB
$MKIMAGE -o "$T/m.img" -s 256M --seed 1 --layout mixed --sparse || fail mkimage
python3 - "$T/m.img" <<'PY' || fail "mixed layout"
import sys
f = open(sys.argv[1], 'rb'); f.seek(4096)
zero = bytes(4096)
kinds = {'zero': 0, 'text': 0, 'random': 0}
runs = {}
prev, run = None, 0
while True:
    p = f.read(4096)
    k = None if not p else 'zero' if p == zero else \
        'text' if p.startswith(b'page ') else 'random'
    if k is not None:
        kinds[k] += 1
    if k == prev:
        run += 1
        continue
    if prev:
        runs[run] = runs.get(run, 0) + 1
    if k is None:
        break
    prev, run = k, 1
total = sum(kinds.values())
pct = {k: 100.0 * v / total for k, v in kinds.items()}
print('# mixed: %.1f %% zero, %.1f %% text, %.1f %% random; %d runs, %d of 1 page, longest %d' %
      (pct['zero'], pct['text'], pct['random'], sum(runs.values()), runs.get(1, 0), max(runs)))
for k, want in (('zero', 50), ('text', 30), ('random', 20)):
    if abs(pct[k] - want) > 3:
        sys.exit('%s pages: %.1f %%, mix says %d' % (k, pct[k], want))
if runs.get(1, 0) < 10 or max(runs) < 1024:
    sys.exit('runs %s' % sorted(runs.items()))
PY
note "--layout mixed"

# without --symbols makedumpfile cannot translate the kernel's addresses
$MKIMAGE -o "$T/n.elf" -s 16M --format elf --arch x86_64 || fail "zfd-mkimage"
expect_rc 1 makedumpfile -E -d 1 "$T/n.elf" "$T/n.out"
expect_rc 2 $MKIMAGE -o "$T/s.elf" -s 16M --format elf --symbols
expect_err "^zfd-mkimage: --symbols is for --arch x86_64 --format elf$"
note "--symbols: x86_64 only"

# --sparse: the same bytes, zero pages not allocated
$MKIMAGE -o "$T/p.elf" -s 64M --seed 5 --format elf --arch x86_64 --cpus 2 \
	--layout mixed --symbols --hole 40M:4M --kernel 6.1.0-13-amd64 --sparse ||
	fail "zfd-mkimage --sparse"
cmp "$T/x.elf" "$T/p.elf" || fail "--sparse changed the bytes"
alloc=$(( $(stat -c %b "$T/p.elf") * $(stat -c %B "$T/p.elf") ))
[ "$alloc" -lt $(( 40 << 20 )) ] || fail "--sparse: $alloc bytes allocated"
$MKIMAGE -o "$T/a.img" -s 8M --seed 2 --layout interleaved || fail mkimage
$MKIMAGE -o "$T/b.img" -s 8M --seed 2 --layout interleaved --sparse || fail mkimage
cmp "$T/a.img" "$T/b.img" || fail "--sparse changed the s390 image"
note "--sparse: same bytes, holes ($((alloc >> 20)) MiB of 68 MiB allocated)"
