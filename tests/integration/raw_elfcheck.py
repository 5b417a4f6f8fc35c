#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""raw_elfcheck.py PART INPUT MANIFEST_OUT [--truncated | --manifest-only]

Checks an ELF dump that the raw sink wrote onto PART (a partition image)
against the ELF core INPUT it was made from, independently of zfcpdump's
own readers:
- PART begins with an ELF core of INPUT's class, byte order and machine;
- its PT_NOTE bytes equal INPUT's (every note passed through unchanged);
- every physical page of every PT_LOAD equals INPUT's page at the same
  physical address; without --truncated also every page of INPUT is in
  the dump and the program headers' (vaddr, paddr, memsz) are INPUT's;
- the manifest lies at the next 4 KiB boundary behind the end of the last
  PT_LOAD's data (doc/raw.md), its text goes to MANIFEST_OUT.
--manifest-only: the ELF structure and the manifest's place only (for
incomplete dumps, whose memory may differ from the input's).
Prints "size N" (N = the dump's stored bytes, [0, N) is the ELF core).
Exit 0 when all holds, 1 with one line on stderr otherwise.
"""
import struct
import sys

PAGE = 4096


def die(msg):
    sys.stderr.write("raw_elfcheck: %s\n" % msg)
    sys.exit(1)


class Elf:
    def __init__(self, path, data):
        if data[:4] != b"\x7fELF":
            die("%s: no ELF magic at offset 0" % path)
        self.cls, self.enc = data[4], data[5]
        if self.cls not in (1, 2) or self.enc not in (1, 2):
            die("%s: bad ELF class or byte order" % path)
        e = "<" if self.enc == 1 else ">"
        if self.cls == 2:
            (_, self.machine, _, _, phoff, _, _, _, phent, phnum) = \
                struct.unpack_from(e + "HHIQQQIHHH", data, 16)
            fmt = e + "IIQQQQQQ"
        else:
            (_, self.machine, _, _, phoff, _, _, _, phent, phnum) = \
                struct.unpack_from(e + "HHIIIIIHHH", data, 16)
            fmt = e + "IIIIIIII"
        self.loads, self.notes = [], b""
        self.end = 0
        for i in range(phnum):
            f = struct.unpack_from(fmt, data, phoff + i * phent)
            if self.cls == 2:
                ptype, _, off, vaddr, paddr, filesz, memsz, _ = f
            else:
                ptype, off, vaddr, paddr, filesz, memsz, _, _ = f
            if ptype not in (1, 4):
                continue
            if off + filesz > len(data):
                die("%s: segment %d beyond the end (%d > %d)" %
                    (path, i, off + filesz, len(data)))
            self.end = max(self.end, off + filesz)
            if ptype == 4:
                self.notes += data[off:off + filesz]
            else:
                self.loads.append((off, vaddr, paddr, filesz, memsz))

    def pages(self):
        """physical page address -> file offset of its bytes"""
        m = {}
        for off, _, paddr, filesz, _ in self.loads:
            for k in range(0, filesz, PAGE):
                m.setdefault(paddr + k, (off + k, min(PAGE, filesz - k)))
        return m


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    truncated = "--truncated" in sys.argv
    only_manifest = "--manifest-only" in sys.argv
    if len(args) != 3:
        die("usage: raw_elfcheck.py PART INPUT MANIFEST_OUT "
            "[--truncated | --manifest-only]")
    part = open(args[0], "rb").read()
    src = open(args[1], "rb").read()
    d, s = Elf(args[0], part), Elf(args[1], src)
    if (d.cls, d.enc, d.machine) != (s.cls, s.enc, s.machine):
        die("class/byte order/machine %r, input %r" %
            ((d.cls, d.enc, d.machine), (s.cls, s.enc, s.machine)))
    if only_manifest:
        truncated = True
    if d.notes != s.notes:
        die("notes differ from the input's (%d bytes, input %d)" %
            (len(d.notes), len(s.notes)))
    if not truncated:
        da = sorted((v, p, m) for _, v, p, _, m in d.loads)
        sa = sorted((v, p, m) for _, v, p, _, m in s.loads)
        if da != sa:
            die("program headers %r, input %r" % (da, sa))
    dp, sp = d.pages(), s.pages()
    if not dp:
        die("no memory in the dump")
    for pa, (off, n) in sorted(dp.items()) if not only_manifest else ():
        if pa not in sp:
            die("page at physical 0x%x is not in the input" % pa)
        soff, sn = sp[pa]
        if n != sn or part[off:off + n] != src[soff:soff + sn]:
            die("page at physical 0x%x differs from the input" % pa)
    if not truncated:
        missing = sorted(set(sp) - set(dp))
        if missing:
            die("%d input pages missing, first at physical 0x%x" %
                (len(missing), missing[0]))
    man = (d.end + PAGE - 1) // PAGE * PAGE
    text = part[man:man + PAGE].split(b"\0", 1)[0]
    if not text.startswith(b"zfcpdump-info 1\n"):
        die("no manifest at %d (next 4 KiB boundary behind %d)" % (man, d.end))
    open(args[2], "wb").write(text)
    print("size %d" % d.end)


main()
