#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kdump_compare.py [--zero-absent|--subset] SOURCE DUMP [EXPECT_ARCH]

Checks DUMP, a kdump-compressed file, page by page against SOURCE, an ELF
core (read here with a few lines of Python: PT_LOAD p_paddr/p_offset/
p_filesz) or another kdump file. DUMP and a kdump SOURCE are read with
libkdumpfile (python3-libkdumpfile), an independent reader of the format.
Over every page frame either side describes: a page present in one is
present in the other, with the same bytes. With EXPECT_ARCH, libkdumpfile
must also see that architecture in DUMP's header.
--zero-absent: a page of zeros in SOURCE may be absent from DUMP (dump
level 1). --subset: any page of SOURCE may be absent from DUMP (a dump
level that filters), but every page DUMP holds equals SOURCE's.
Prints "N pages equal, M absent in both" and exits 0, or names the first
difference and exits 1.
"""
import struct
import sys

import kdumpfile
from kdumpfile.exceptions import NoDataException

PAGE = 4096


class Elf:
    def __init__(self, path):
        self.f = open(path, 'rb')
        h = self.f.read(64)
        if h[:4] != b'\x7fELF' or h[4] != 2:
            raise SystemExit(f"{path}: not an ELF64 file")
        e = '<' if h[5] == 1 else '>'
        phoff, = struct.unpack(e + 'Q', h[32:40])
        phentsize, phnum = struct.unpack(e + 'HH', h[54:58])
        self.loads = []
        end = 0
        for i in range(phnum):
            self.f.seek(phoff + i * phentsize)
            p = struct.unpack(e + 'IIQQQQQQ', self.f.read(56))
            if p[0] == 1 and p[5]:       # PT_LOAD with file data
                self.loads.append((p[4], p[2], p[5]))  # paddr, off, filesz
                end = max(end, p[4] + p[6])
        self.max_pfn = (end + PAGE - 1) // PAGE

    def page(self, pfn):
        addr = pfn * PAGE
        buf = None
        for paddr, off, filesz in self.loads:
            lo, hi = max(addr, paddr), min(addr + PAGE, paddr + filesz)
            if lo >= hi:
                continue
            if buf is None:
                buf = bytearray(PAGE)
            self.f.seek(off + lo - paddr)
            buf[lo - addr:hi - addr] = self.f.read(hi - lo)
        return None if buf is None else bytes(buf)


class Kdump:
    def __init__(self, path):
        self.k = kdumpfile.kdumpfile(path)
        self.max_pfn = self.k.attr['max_pfn']

    def page(self, pfn):
        try:
            return bytes(self.k.read(kdumpfile.KDUMP_MACHPHYSADDR,
                                     pfn * PAGE, PAGE))
        except NoDataException:
            return None


def main():
    mode = None
    if len(sys.argv) > 1 and sys.argv[1] in ('--zero-absent', '--subset'):
        mode = sys.argv.pop(1)
    with open(sys.argv[1], 'rb') as f:
        src = Elf(sys.argv[1]) if f.read(4) == b'\x7fELF' \
            else Kdump(sys.argv[1])
    dump = Kdump(sys.argv[2])
    if len(sys.argv) > 3:
        arch = dict(dump.k.attr['arch'].items()).get('name')
        if arch != sys.argv[3]:
            print(f"{sys.argv[2]}: libkdumpfile sees arch {arch}, "
                  f"not {sys.argv[3]}")
            return 1
    equal = absent = left = 0
    for pfn in range(max(src.max_pfn, dump.max_pfn)):
        a = src.page(pfn)
        b = dump.page(pfn)
        if a is None and b is None:
            absent += 1
            continue
        if b is None and a is not None and (
                mode == '--subset' or
                (mode == '--zero-absent' and not any(a))):
            left += 1
            continue
        if a is None or b is None:
            print(f"page frame {pfn:#x}: only in "
                  f"{sys.argv[1] if b is None else sys.argv[2]}")
            return 1
        if a != b:
            print(f"page frame {pfn:#x}: contents differ")
            return 1
        equal += 1
    print(f"{equal} pages equal, {absent} absent in both"
          + (f", {left} left out of the dump" if mode else ""))
    return 0


if __name__ == '__main__':
    sys.exit(main())
