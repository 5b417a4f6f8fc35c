# The tape sink stores the elf format (sink ABI 2): an x86_64 ELF core
# from zfd-mkimage, fed as the daemon feeds it (tests/unit/test_tape_feed
# --format elf: prologue, packed memory, no trailer) to the simulated
# drive, saved as AWSTAPE. The records must be: the prologue in records
# of at most block_size bytes, the data in block_size records, no trailer
# record, a filemark, the manifest file; the dump file's records together
# are a valid ELF core whose memory equals the input's page by page.
. "$abs_top_srcdir/tests/lib.sh"

FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
$MKIMAGE -o "$T/core" -s 24M --arch x86_64 --format elf --cpus 40 \
	--hole 9M:1M --hole 13M:512K --hole 20M:2M || fail "zfd-mkimage failed"

check() {	# AWS BLOCK_SIZE
	python3 - "$T/core" "$1" "$2" <<'PY' || fail "tape layout of $1"
import struct, sys
core = open(sys.argv[1], 'rb').read()
aws = open(sys.argv[2], 'rb').read()
bs = int(sys.argv[3])

recs, pos = [], 0
while pos < len(aws):
    n, prev, fl, _ = struct.unpack_from('<HHBB', aws, pos); pos += 6
    if fl & 0x40:
        recs.append(None)
        continue
    if fl & 0x80:
        recs.append(b'')
    recs[-1] += aws[pos:pos + n]; pos += n
fm = recs.index(None)
assert recs[fm + 2] is None and len(recs) == fm + 3, 'filemark, manifest, filemark'
man = recs[fm + 1].decode()
assert man.startswith('zfcpdump-info 1\n'), 'manifest'
assert 'status: complete\n' in man and 'format: elf\n' in man, man
assert 'arch: x86_64\n' in man and 'kernel: 6.1.0-zfd-test\n' in man, man
dump_recs = recs[:fm]
out = b''.join(dump_recs)

def elf(b):
    assert b[:4] == b'\x7fELF' and b[4] == 2 and b[5] == 1, 'ELF64 LE'
    e_type, e_machine = struct.unpack_from('<HH', b, 16)
    assert e_type == 4 and e_machine == 62, 'x86_64 core'
    phoff, = struct.unpack_from('<Q', b, 32)
    phentsize, phnum = struct.unpack_from('<HH', b, 54)
    loads, notes = [], b''
    for i in range(phnum):
        p_type, flags, off, vaddr, paddr, filesz, memsz, align = \
            struct.unpack_from('<IIQQQQQQ', b, phoff + i * phentsize)
        assert off + filesz <= len(b), 'segment %d beyond the file' % i
        if p_type == 1:
            loads.append((paddr, off, filesz, vaddr))
        elif p_type == 4:
            notes += b[off:off + filesz]
    return loads, notes

iloads, inotes = elf(core)
oloads, onotes = elf(out)
assert onotes == inotes, 'notes passed through unchanged'
assert sorted(l[0] for l in oloads) == sorted(l[0] for l in iloads), 'a PT_LOAD per segment'
assert sorted(l[3] for l in oloads) == sorted(l[3] for l in iloads), 'vaddrs kept'

def pages(loads, b):
    m = {}
    for paddr, off, filesz, _ in loads:
        for p in range(0, filesz, 4096):
            m.setdefault(paddr + p, b[off + p:off + min(p + 4096, filesz)])
    return m
ip, op = pages(iloads, core), pages(oloads, out)
assert set(ip) == set(op), 'the same pages'
bad = [hex(a) for a in ip if ip[a] != op[a]]
assert not bad, 'pages differ: %s' % bad[:5]

# records: the prologue (up to the first PT_LOAD's data) in block_size
# records, then the data in block_size records, the last one shorter
plen = min(l[1] for l in oloads if l[2])
assert plen % 4096 == 0, 'prologue page-aligned'
got, i = 0, 0
while got < plen:
    r = len(dump_recs[i])
    assert r == min(bs, plen - got), 'prologue record %d: %d bytes' % (i, r)
    got += r; i += 1
data = dump_recs[i:]
assert all(len(r) == bs for r in data[:-1]) and 0 < len(data[-1]) <= bs, 'data records'
stored = sum(l[2] for l in oloads)
assert len(out) >= plen and len(out) - plen <= stored, 'packed: no trailer record'
assert len(out) == max(l[1] + l[2] for l in oloads), 'the file ends with the data'
assert len(data[-1]) != 16 or data[-1][:8] != b'DUMP_END', 'no end marker'
assert i > 1 or bs > 4096, 'several prologue records'
print('%d prologue records, %d data records, %d pages' % (i, len(data), len(ip)))
PY
}

note "elf on tape, default block_size (32 KiB)"
expect_rc 0 $FEED dump --sim --aws "$T/t32.aws" --format elf "$T/core"
expect_err "dump complete: .* bytes of data"
check "$T/t32.aws" 32768

note "elf on tape, block_size 4096: the prologue in several records"
expect_rc 0 $FEED dump --sim --aws "$T/t4.aws" --format elf -o block_size=4096 "$T/core"
check "$T/t4.aws" 4096

note "elf on tape, block_size 1M: prologue and data each in one record or more"
expect_rc 0 $FEED dump --sim --aws "$T/t1m.aws" --format elf -o block_size=1048576 "$T/core"
check "$T/t1m.aws" 1048576

note "tape full: incomplete, no ELF core looks complete"
expect_rc 1 $FEED dump --sim --sim-capacity 8M --aws "$T/full.aws" --format elf "$T/core"
expect_err "tape full after"
grep -aq "^status: incomplete$" "$T/full.aws" || fail "manifest of the full tape not incomplete"
grep -aq "^status: complete$" "$T/full.aws" && fail "the full tape says complete"
exit 0
