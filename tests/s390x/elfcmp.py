#!/usr/bin/env python3
# elfcmp.py A B [--allow-pages N]: compare the memory of two ELF cores page
# by page by physical address (PT_LOAD p_paddr; bytes beyond p_filesz are
# zeros). Prints the pages that differ; exits 1 if more than N differ or
# if their memory sizes differ. Any class and byte order.
import hashlib
import struct
import sys

PAGE = 4096


def loads(path):
    with open(path, 'rb') as f:
        ident = f.read(16)
        if ident[:4] != b'\x7fELF':
            sys.exit('%s: not an ELF file' % path)
        end = '<' if ident[5] == 1 else '>'
        if ident[4] == 2:
            f.seek(0x20)
            phoff, = struct.unpack(end + 'Q', f.read(8))
            f.seek(0x36)
            phentsize, phnum = struct.unpack(end + 'HH', f.read(4))
            fmt = end + 'IIQQQQQQ'
        else:
            f.seek(0x1c)
            phoff, = struct.unpack(end + 'I', f.read(4))
            f.seek(0x2a)
            phentsize, phnum = struct.unpack(end + 'HH', f.read(4))
            fmt = end + 'IIIIIIII'
        segs = []
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            raw = f.read(struct.calcsize(fmt))
            v = struct.unpack(fmt, raw)
            if ident[4] == 2:
                p_type, _, off, _, paddr, filesz, memsz, _ = v
            else:
                p_type, off, _, paddr, filesz, memsz, _, _ = v
            if p_type == 1:
                segs.append((paddr, off, filesz, memsz))
    return segs


def pages(path):
    segs = sorted(loads(path))
    out = {}
    with open(path, 'rb') as f:
        for paddr, off, filesz, memsz in segs:
            for p in range(0, memsz, PAGE):
                addr = paddr + p
                if addr in out:		# described twice: read once
                    continue
                n = min(PAGE, max(0, filesz - p))
                data = b''
                if n:
                    f.seek(off + p)
                    data = f.read(n)
                out[addr] = hashlib.blake2b(data.ljust(PAGE, b'\0'), digest_size=16).digest()
    return out


def main():
    a, b = sys.argv[1], sys.argv[2]
    allow = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == '--allow-pages' else 0
    pa, pb = pages(a), pages(b)
    bad = 0
    if set(pa) != set(pb):
        print('memory differs in extent: %d pages vs %d pages' % (len(pa), len(pb)))
        sys.exit(1)
    for addr in sorted(pa):
        if pa[addr] != pb[addr]:
            bad += 1
            print('page 0x%x differs' % addr)
    print('%d pages compared, %d differ' % (len(pa), bad))
    sys.exit(1 if bad > allow else 0)


main()
