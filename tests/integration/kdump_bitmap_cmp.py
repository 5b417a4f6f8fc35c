#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kdump_bitmap_cmp.py REFERENCE DUMP [VMCORE]

Compares the page sets of two kdump-compressed files (makedumpfile's
format, 64-bit headers) bitmap to bitmap: bit pfn of the second bitmap
says the page is in the file. REFERENCE is makedumpfile's, DUMP ours, of
the same vmcore. Parsed here from the headers (disk_dump_header:
block_size, sub_hdr_size, bitmap_blocks), independently of our reader.
Prints the counts and the first differing page frames; exits 0 only when
the second bitmaps are equal over every page frame either describes.

One difference is explained and allowed when VMCORE (the ELF core both were
made from) is given: a page that a PT_LOAD ends inside (x86_64: the BIOS
area ends at 0x9fc00). makedumpfile's first bitmap takes a PT_LOAD's page
frames up to the one its end lies in, without it, so that page's bytes are
in no makedumpfile file; ours keeps it (the bytes there, zeros behind). Such
pages, in ours only, are listed and allowed; nothing else is.
"""
import struct
import sys


def bitmaps(path):
    with open(path, 'rb') as f:
        h = f.read(464)
        if h[:8] != b'KDUMP   ':
            raise SystemExit(f"{path}: not a kdump-compressed file")
        # byte order: header_version 6 reads right in one of them
        e = '<' if struct.unpack_from('<i', h, 8)[0] < 0x100 else '>'
        block_size, sub_hdr_size, bitmap_blocks, max_mapnr = \
            struct.unpack_from(e + 'iiII', h, 428)
        half = bitmap_blocks * block_size // 2
        f.seek((1 + sub_hdr_size) * block_size)
        b1 = f.read(half)
        b2 = f.read(half)
    if len(b1) != half or len(b2) != half:
        raise SystemExit(f"{path}: bitmaps cut short")
    return b1, b2


def partial_ends(path):
    """Page frames that a PT_LOAD of the ELF core ends inside."""
    with open(path, 'rb') as f:
        h = f.read(64)
        e = '<' if h[5] == 1 else '>'
        phoff, = struct.unpack(e + 'Q', h[32:40])
        phentsize, phnum = struct.unpack(e + 'HH', h[54:58])
        ends = set()
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p = struct.unpack(e + 'IIQQQQQQ', f.read(56))
            end = p[4] + p[5]
            if p[0] == 1 and p[5] and end % 4096:
                ends.add(end // 4096)
    return ends


def bits(b):
    for i, byte in enumerate(b):
        if byte:
            for k in range(8):
                if byte >> k & 1:
                    yield i * 8 + k


def main():
    r1, r2 = bitmaps(sys.argv[1])
    d1, d2 = bitmaps(sys.argv[2])
    n = max(len(r2), len(d2))
    r2 = r2.ljust(n, b'\0')
    d2 = d2.ljust(n, b'\0')
    ref = sum(bin(x).count('1') for x in r2)
    ours = sum(bin(x).count('1') for x in d2)
    partial = partial_ends(sys.argv[3]) if len(sys.argv) > 3 else set()
    only_ref = only_ours = explained = 0
    shown = 0
    for i in range(n):
        if r2[i] == d2[i]:
            continue
        a = r2[i] & ~d2[i]
        b = d2[i] & ~r2[i]
        for k in range(8):
            pfn = i * 8 + k
            if b >> k & 1 and pfn in partial:
                explained += 1
                print(f"pfn {pfn:#x}: only in ours, a PT_LOAD ends inside "
                      f"it (allowed)")
                b &= ~(1 << k)
        only_ref += bin(a).count('1')
        only_ours += bin(b).count('1')
        for k in range(8):
            if (a | b) >> k & 1 and shown < 10:
                shown += 1
                who = 'reference' if a >> k & 1 else 'ours'
                print(f"pfn {i * 8 + k:#x}: only in {who}")
    print(f"reference keeps {ref} pages, ours {ours}; only reference "
          f"{only_ref}, only ours {only_ours}"
          + (f" (+{explained} partial pages, allowed)" if explained else ""))
    return 0 if only_ref == 0 and only_ours == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
