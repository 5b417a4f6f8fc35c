#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""elf_pages.py A B [--size N]

Compares the memory of two little-endian ELF64 cores page by page: every
4 KiB physical page of every PT_LOAD of A must equal B's page at the same
physical address (a page B does not hold differs). A PT_LOAD whose data
lies beyond the end of its file is refused. --size N: B must also be
exactly N bytes long. Prints "# P pages equal" (P = A's pages compared);
exits non-zero with one line naming the first difference otherwise.
"""
import struct
import sys


def loads(path):
    d = open(path, 'rb').read()
    phoff, = struct.unpack_from('<Q', d, 32)
    n, = struct.unpack_from('<H', d, 56)
    out = []
    for i in range(n):
        t, _, off, va, pa, fs, ms, _ = struct.unpack_from('<IIQQQQQQ', d,
                                                          phoff + 56 * i)
        if t == 1:
            if off + fs > len(d):
                sys.exit('%s: PT_LOAD 0x%x beyond the file' % (path, pa))
            out.append((pa, off, fs))
    return d, out


def page(d, ls, a):
    for pa, off, fs in ls:
        if pa <= a < pa + fs:
            return d[off + a - pa: off + a - pa + 4096]
    return None


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != '--size'):
        sys.exit('usage: elf_pages.py A B [--size N]')
    d1, l1 = loads(argv[1])
    d2, l2 = loads(argv[2])
    pages = 0
    for pa, off, fs in l1:
        for a in range(pa, pa + fs, 4096):
            if page(d1, l1, a) != page(d2, l2, a):
                sys.exit('page 0x%x differs' % a)
            pages += 1
    if len(argv) == 5 and len(d2) != int(argv[4], 0):
        sys.exit('%s is %d bytes, not %s' % (argv[2], len(d2), argv[4]))
    print('# %d pages equal' % pages)


if __name__ == '__main__':
    main(sys.argv)
