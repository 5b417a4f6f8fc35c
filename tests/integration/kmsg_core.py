#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kmsg_core.py IN OUT [--s390] [--big | --ring C:S | --log-buf S] [--records N]

Plants a Linux 6.1 lockless printk ring buffer, named in VMCOREINFO with
the kernel's names and layout (SYMBOL(prb), SIZE(printk_ringbuffer),
OFFSET(prb_desc_ring.*), ...), into a dump made by zfd-mkimage and writes
the result to OUT. The records: a banner, a multi-line record, control
characters, a data-less record, N filler lines (--records, default 20), a
stale and a reserved descriptor (both skipped by readers) and the panic
line in a block that wraps around the ring's end.

Default: IN is an x86_64 ELF core of "zfd-mkimage --format elf --arch
x86_64 --symbols", which Debian's makedumpfile reads. The ring lies in the
kernel text, 1 MiB into it (makedumpfile translates every kernel address
through the page tables, and zfd-mkimage's map only the kernel text), in
both PT_LOADs that hold it; the VMCOREINFO note grows inside the
prologue's page padding, so no data moves. makedumpfile --dump-dmesg and
zfcpdump-get dmesg print the same text from it.

--big: the text ring is 4 MiB (2^22), in the direct map at 32 MiB: more
than the daemon reads for the log (src/core/dmesg.c); only our readers
(PT_LOAD translation) find it. --ring C:S: 2^C descriptors and 2^S text
bytes, the whole ring in the direct map at 32 MiB (the core needs 64 MiB
or more).

--log-buf S: instead of the ring, the structured log_buf of Linux 3.5 to
5.9 (struct printk_log, SYMBOL(log_buf), log_buf_len = 2^S,
log_first_idx, log_next_idx), its records wrapping around the buffer's
end; in the kernel text when 2^S <= 256 KiB (makedumpfile reads it),
else in the direct map at 32 MiB.

--s390: IN is an s390 dump image of zfd-mkimage (4096-byte header, then
memory): the ring big-endian at physical 1 MiB (s390x: virtual =
physical), the VMCOREINFO note at 0x3000, the lowcore's vmcore_info
(0xe0c) pointing to it, as an s390x kernel leaves it for a stand-alone
dump.
"""
import struct
import sys

KTEXT = 0xFFFFFFFF81000000
DIRECT_MAP = 0xFFFF888000000000
PANIC = b"Kernel panic - not syncing: sysrq triggered crash"
DESC_SIZE = 24
INFO_SIZE = 88

VMCI = (
    "SYMBOL(prb)=%x\n"
    "SIZE(printk_ringbuffer)=80\n"
    "OFFSET(printk_ringbuffer.desc_ring)=0\n"
    "OFFSET(printk_ringbuffer.text_data_ring)=40\n"
    "OFFSET(printk_ringbuffer.fail)=72\n"
    "SIZE(prb_desc_ring)=40\n"
    "OFFSET(prb_desc_ring.count_bits)=0\n"
    "OFFSET(prb_desc_ring.descs)=8\n"
    "OFFSET(prb_desc_ring.infos)=16\n"
    "OFFSET(prb_desc_ring.head_id)=24\n"
    "OFFSET(prb_desc_ring.tail_id)=32\n"
    "SIZE(prb_desc)=24\n"
    "OFFSET(prb_desc.state_var)=0\n"
    "OFFSET(prb_desc.text_blk_lpos)=8\n"
    "SIZE(prb_data_blk_lpos)=16\n"
    "OFFSET(prb_data_blk_lpos.begin)=0\n"
    "OFFSET(prb_data_blk_lpos.next)=8\n"
    "SIZE(printk_info)=88\n"
    "OFFSET(printk_info.seq)=0\n"
    "OFFSET(printk_info.ts_nsec)=8\n"
    "OFFSET(printk_info.text_len)=16\n"
    "OFFSET(printk_info.caller_id)=20\n"
    "OFFSET(printk_info.dev_info)=24\n"
    "SIZE(dev_printk_info)=64\n"
    "OFFSET(dev_printk_info.subsystem)=0\n"
    "LENGTH(printk_info_subsystem)=16\n"
    "OFFSET(dev_printk_info.device)=16\n"
    "LENGTH(printk_info_device)=48\n"
    "SIZE(prb_data_ring)=32\n"
    "OFFSET(prb_data_ring.size_bits)=0\n"
    "OFFSET(prb_data_ring.data)=8\n"
    "OFFSET(atomic_long_t.counter)=0\n"
)


def die(msg):
    sys.exit("kmsg_core.py: " + msg)


class Ring:
    """Writes the ring through put(pa, bytes) with virtual addresses kva(pa)."""

    def __init__(self, put, kva, be, pa_ring, pa_text, count_bits, size_bits):
        self.put, self.kva, self.e = put, kva, ">" if be else "<"
        self.count, self.size = 1 << count_bits, 1 << size_bits
        self.count_bits, self.size_bits = count_bits, size_bits
        self.pa_ring = pa_ring
        self.pa_descs = pa_ring + 0x1000
        self.pa_infos = self.pa_descs + self.count * DESC_SIZE
        self.pa_text = pa_text
        put(self.pa_descs, bytes(self.count * DESC_SIZE))
        put(self.pa_infos, bytes(self.count * INFO_SIZE))
        put(pa_text, bytes(self.size))

    def put64(self, pa, v):
        self.put(pa, struct.pack(self.e + "Q", v))

    def record(self, rid, state, sv_id, begin, text, ts):
        size = self.size
        d = self.pa_descs + (rid % self.count) * DESC_SIZE
        inf = self.pa_infos + (rid % self.count) * INFO_SIZE
        n = len(text)
        if not text:
            nxt = begin
        elif begin % size + 8 + n > size:
            # wraps: the block starts over at the beginning of the ring
            nxt = (begin // size + 1) * size + 8 + ((n + 7) & ~7)
            self.put64(self.pa_text, rid)
            self.put(self.pa_text + 8, text)
        else:
            nxt = begin + 8 + ((n + 7) & ~7)
            self.put64(self.pa_text + begin % size, rid)
            self.put(self.pa_text + begin % size + 8, text)
        self.put64(d, (state << 62) | sv_id)
        self.put64(d + 8, begin)
        self.put64(d + 16, nxt)
        self.put(inf, struct.pack(self.e + "QQH", rid, ts, n))
        return nxt

    def build(self, n_fill, banner):
        size = self.size
        pos = 3 * size + 256  # went round three times; clear of the panic
        rid = tail = self.count + 1000
        recs = [
            (2, banner, 0),
            (2, b"Command line: console=ttyS0 crashkernel=256M", 1000),
            (1, b"first line of two\nsecond line of two", 1500000000),
            (2, b"tab\there \x01 bell\x07 del\x7f", 12345678912),
            (2, b"", 13000000000),
        ]
        for i in range(n_fill):
            recs.append((2, b"filler %04d: the quick brown fox jumps over the lazy dog" % i,
                         14000000000 + i * 1000123))
        if len(recs) + 3 >= self.count:
            die("more records than descriptors")
        for state, text, ts in recs:
            pos = self.record(rid, state, rid, pos, text, ts)
            rid += 1
        # a stale descriptor of an older id in this slot: skipped
        pos = self.record(rid, 2, rid - self.count, pos, b"stale", 99000000000)
        rid += 1
        if pos % size + 8 + len(PANIC) <= size - 8:
            pos += size - 8 - pos % size  # so that the panic block wraps
        pos = self.record(rid, 2, rid, pos, PANIC, 123456789012)
        rid += 1
        # reserved: being written at the crash, skipped
        self.record(rid, 0, rid, pos, b"half written", 123500000000)
        head = rid
        rb = self.pa_ring + 8
        self.put64(self.pa_ring, self.kva(rb))  # the pointer prb
        self.put(rb, bytes(80))
        self.put(rb + 0, struct.pack(self.e + "I", self.count_bits))
        self.put64(rb + 8, self.kva(self.pa_descs))
        self.put64(rb + 16, self.kva(self.pa_infos))
        self.put64(rb + 24, head)
        self.put64(rb + 32, tail)
        self.put(rb + 40, struct.pack(self.e + "I", self.size_bits))
        self.put64(rb + 48, self.kva(self.pa_text))
        return VMCI % self.kva(self.pa_ring)


class LogBuf:
    """The structured log_buf (struct printk_log, 16 bytes) of 3.5 to 5.9."""

    def __init__(self, put, kva, pa_vars, pa_buf, size_bits):
        self.put, self.kva = put, kva
        self.pa_vars, self.pa_buf, self.len = pa_vars, pa_buf, 1 << size_bits
        put(pa_buf, bytes(self.len))

    def build(self, n_fill, banner):
        recs = [
            (banner, 0),
            (b"Command line: console=ttyS0 crashkernel=256M", 1000),
            (b"first line of two\nsecond line of two", 1500000000),
            (b"tab\there \x01 bell\x07 del\x7f", 12345678912),
        ]
        for i in range(n_fill):
            recs.append((b"filler %06d: the quick brown fox jumps over the lazy dog" % i,
                         14000000000 + i * 1000123))
        recs.append((PANIC, 123456789012))
        total = sum(16 + ((len(t) + 7) & ~7) for t, _ in recs)
        if total + 64 > self.len:
            die("the records do not fit log_buf")
        # the oldest record sits so that the log wraps around the end
        first = idx = (self.len - total // 2) & ~7
        for text, ts in recs:
            n = 16 + ((len(text) + 7) & ~7)
            if idx + n + 16 > self.len:
                self.put(self.pa_buf + idx, bytes(16))  # len 0: wrap
                idx = 0
            self.put(self.pa_buf + idx, struct.pack("<QHHH", ts, n, len(text), 0))
            self.put(self.pa_buf + idx + 16, text)
            idx += n
        v = self.pa_vars
        self.put(v, struct.pack("<Q", self.kva(self.pa_buf)))
        self.put(v + 8, struct.pack("<III", self.len, first, idx))
        return ("SYMBOL(log_buf)=%x\nSYMBOL(log_buf_len)=%x\n"
                "SYMBOL(log_first_idx)=%x\nSYMBOL(log_next_idx)=%x\n"
                "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
                "OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n"
                % (self.kva(v), self.kva(v + 8), self.kva(v + 12), self.kva(v + 16)))


def elf_core(core, n_fill, bits, log_buf=None):
    if core[:4] != b"\x7fELF" or core[4] != 2 or core[5] != 1:
        die("not a little-endian ELF64 core")
    phoff, = struct.unpack_from("<Q", core, 32)
    phnum, = struct.unpack_from("<H", core, 56)
    loads, note_ph, ktext = [], None, None
    for i in range(phnum):
        at = phoff + 56 * i
        p_type, _, off, va, pa, fsz, _, _ = struct.unpack_from("<IIQQQQQQ", core, at)
        if p_type == 4:
            note_ph = at
        elif p_type == 1:
            loads.append((pa, off, fsz))
            if va == KTEXT:
                ktext = (pa, fsz)
    if ktext is None or ktext[1] < 0x140000:
        die("no kernel text of 1.25 MiB (zfd-mkimage --symbols, -s 16M or more)")

    def put(pa, data):
        # every PT_LOAD that holds pa: the kernel text is in two of them
        done = False
        for lpa, loff, lsz in loads:
            if lpa <= pa and pa + len(data) <= lpa + lsz:
                core[loff + pa - lpa : loff + pa - lpa + len(data)] = data
                done = True
        if not done:
            die("0x%x is not in the core's memory" % pa)

    def kva(pa):
        if ktext[0] <= pa < ktext[0] + ktext[1]:
            return KTEXT + pa - ktext[0]
        return DIRECT_MAP + pa

    if log_buf is not None:
        pa = ktext[0] + 0x100000
        where = pa + 0x1000 if (1 << log_buf) <= 0x40000 else 32 << 20
        ring = LogBuf(put, kva, pa, where, log_buf)
    elif bits:
        c, s = bits
        pa = 32 << 20
        ring = Ring(put, kva, False, pa, pa + 0x1000 + (112 << c) + 0x1000, c, s)
    else:
        pa = ktext[0] + 0x100000
        ring = Ring(put, kva, False, pa, pa + 0x10000, 8, 15)
    keys = ring.build(n_fill, b"Linux version 6.1.0-13-amd64 (kmsg_core.py) #1 SMP")

    # VMCOREINFO grows in place, into the padding before the first PT_LOAD
    _, _, noff, _, _, nsz, _, _ = struct.unpack_from("<IIQQQQQQ", core, note_ph)
    o, vi = noff, None
    while o < noff + nsz:
        namesz, descsz, _ = struct.unpack_from("<III", core, o)
        if core[o + 12 : o + 12 + namesz - 1] == b"VMCOREINFO":
            vi = o
        o += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    if vi is None:
        die("no VMCOREINFO note")
    namesz, descsz, _ = struct.unpack_from("<III", core, vi)
    dstart = vi + 12 + ((namesz + 3) & ~3)
    text = bytes(core[dstart : dstart + descsz]) + keys.encode()
    rest = bytes(core[dstart + ((descsz + 3) & ~3) : noff + nsz])
    new = text + bytes(((len(text) + 3) & ~3) - len(text)) + rest
    end = dstart + len(new)
    if end > min(off for _, off, _ in loads):
        die("no room for the VMCOREINFO keys")
    core[dstart:end] = new
    struct.pack_into("<I", core, vi + 4, len(text))
    nsz = end - noff
    struct.pack_into("<QQ", core, note_ph + 32, nsz, nsz)


def s390_image(core, n_fill):
    if struct.unpack_from(">Q", core, 0)[0] != 0xA8190173618F23FD:
        die("not an s390 dump image")
    mem_size, = struct.unpack_from(">Q", core, 0x18)
    if mem_size < (2 << 20):
        die("an s390 image of 2 MiB or more is needed")

    def put(pa, data):
        core[4096 + pa : 4096 + pa + len(data)] = data

    ring = Ring(put, lambda pa: pa, True, 0x100000, 0x110000, 8, 15)
    keys = ring.build(n_fill, b"Linux version 6.1.0-13-s390x (kmsg_core.py) #1 SMP")
    text = ("OSRELEASE=6.1.0-13-s390x\nPAGESIZE=4096\n" + keys).encode()
    note = struct.pack(">III", 11, len(text), 0) + b"VMCOREINFO\0\0" + text
    put(0x3000, note + bytes(4096 - len(note) % 4096))
    put(0xE0C, struct.pack(">Q", 0x3000))


def main():
    args = sys.argv[1:]
    n_fill, s390, bits, log_buf = 20, False, None, None
    if "--records" in args:
        i = args.index("--records")
        n_fill = int(args[i + 1])
        del args[i : i + 2]
    if "--s390" in args:
        s390 = True
        args.remove("--s390")
    if "--big" in args:
        bits = (8, 22)
        args.remove("--big")
    if "--log-buf" in args:
        i = args.index("--log-buf")
        log_buf = int(args[i + 1])
        del args[i : i + 2]
    if "--ring" in args:
        i = args.index("--ring")
        bits = tuple(int(x) for x in args[i + 1].split(":"))
        del args[i : i + 2]
    if len(args) != 2:
        die("usage: kmsg_core.py IN OUT [--s390] [--big | --ring C:S | --log-buf S] [--records N]")
    core = bytearray(open(args[0], "rb").read())
    if s390:
        s390_image(core, n_fill)
    else:
        elf_core(core, n_fill, bits, log_buf)
    open(args[1], "wb").write(core)


main()
