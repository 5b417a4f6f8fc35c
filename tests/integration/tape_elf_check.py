# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks an elf-format dump stored by the tape sink against its source.

Usage: tape_elf_check.py CORE BLOCK_SIZE --aws TAPE.aws
       tape_elf_check.py CORE BLOCK_SIZE --stream FILE --lengths FILE
                         --manifest FILE
       tape_elf_check.py CORE 0 --elf FILE   (only the ELF core part)
The tape (an AWSTAPE image of the simulated drive, or the dump file read
back from a real tape with its record lengths and manifest) must hold:
the prologue in records of at most BLOCK_SIZE bytes, the data in
BLOCK_SIZE records (the last one shorter), no trailer record, a filemark,
the manifest (complete, format elf), a filemark. The dump file's records
together must be a valid x86_64 ELF core with the source's notes, a
PT_LOAD per source PT_LOAD, and the source's memory page by page.
"""
import struct
import sys


def aws_records(data):
    recs, pos = [], 0
    while pos < len(data):
        n, _prev, fl, _ = struct.unpack_from('<HHBB', data, pos)
        pos += 6
        if fl & 0x40:
            recs.append(None)
            continue
        if fl & 0x80:
            recs.append(b'')
        recs[-1] += data[pos:pos + n]
        pos += n
    return recs


def elf(b):
    assert b[:4] == b'\x7fELF' and b[4] == 2 and b[5] == 1, 'ELF64 LE'
    e_type, e_machine = struct.unpack_from('<HH', b, 16)
    assert e_type == 4 and e_machine == 62, 'x86_64 core'
    phoff, = struct.unpack_from('<Q', b, 32)
    phentsize, phnum = struct.unpack_from('<HH', b, 54)
    loads, notes = [], b''
    for i in range(phnum):
        p_type, _fl, off, vaddr, paddr, filesz, _memsz, _al = \
            struct.unpack_from('<IIQQQQQQ', b, phoff + i * phentsize)
        assert off + filesz <= len(b), 'segment %d beyond the file' % i
        if p_type == 1:
            loads.append((paddr, off, filesz, vaddr))
        elif p_type == 4:
            notes += b[off:off + filesz]
    return loads, notes


def pages(loads, b):
    m = {}
    for paddr, off, filesz, _ in loads:
        for p in range(0, filesz, 4096):
            m.setdefault(paddr + p, b[off + p:off + min(p + 4096, filesz)])
    return m


def same_core(core, out):
    iloads, inotes = elf(core)
    oloads, onotes = elf(out)
    assert onotes == inotes, 'notes passed through unchanged'
    assert sorted(l[0] for l in oloads) == sorted(l[0] for l in iloads), \
        'a PT_LOAD per segment'
    assert sorted(l[3] for l in oloads) == sorted(l[3] for l in iloads), \
        'vaddrs kept'
    ip, op = pages(iloads, core), pages(oloads, out)
    assert set(ip) == set(op), 'the same pages'
    bad = [hex(a) for a in ip if ip[a] != op[a]]
    assert not bad, 'pages differ: %s' % bad[:5]
    return oloads, ip


def check(core, bs, dump_recs, man):
    assert man.startswith('zfcpdump-info 1\n'), 'manifest'
    assert 'status: complete\n' in man and 'format: elf\n' in man, man
    assert 'arch: x86_64\n' in man, man
    out = b''.join(dump_recs)
    oloads, ip = same_core(core, out)
    # the prologue (up to the first PT_LOAD's data) in block_size
    # records, then the data in block_size records, the last one shorter
    plen = min(l[1] for l in oloads if l[2])
    assert plen % 4096 == 0, 'prologue page-aligned'
    got, i = 0, 0
    while got < plen:
        r = len(dump_recs[i])
        assert r == min(bs, plen - got), 'prologue record %d: %d bytes' % (i, r)
        got += r
        i += 1
    assert i > 1 or bs > 4096, 'several prologue records'
    data = dump_recs[i:]
    assert all(len(r) == bs for r in data[:-1]), 'data records'
    assert 0 < len(data[-1]) <= bs, 'last data record'
    assert len(out) == max(l[1] + l[2] for l in oloads), \
        'the file ends with the data: no trailer record'
    print('%d prologue records, %d data records, %d pages'
          % (i, len(data), len(ip)))


def main(argv):
    core = open(argv[1], 'rb').read()
    bs = int(argv[2])
    opts = dict(zip(argv[3::2], argv[4::2]))
    if '--elf' in opts:
        same_core(core, open(opts['--elf'], 'rb').read())
    elif '--aws' in opts:
        recs = aws_records(open(opts['--aws'], 'rb').read())
        fm = recs.index(None)
        assert len(recs) == fm + 3 and recs[fm + 2] is None, \
            'filemark, manifest, filemark'
        check(core, bs, recs[:fm], recs[fm + 1].decode())
    else:
        stream = open(opts['--stream'], 'rb').read()
        lens = [int(x) for x in open(opts['--lengths']).read().split()]
        recs, pos = [], 0
        for n in lens:
            recs.append(stream[pos:pos + n])
            pos += n
        check(core, bs, recs, open(opts['--manifest']).read())


if __name__ == '__main__':
    main(sys.argv)
