#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kmsg_core.py IN OUT [--records N]: plants a Linux 6.1 lockless printk
ring buffer into an x86_64 ELF core made by "zfd-mkimage --format elf
--arch x86_64 --symbols" (which Debian's makedumpfile already reads) and
writes the result to OUT.

The ring lies in the kernel text, 1 MiB into it (makedumpfile translates
every kernel address through the page tables, and zfd-mkimage's map only
the kernel text: virtual KTEXT + pa - the text's start), and is named in VMCOREINFO with
the names and layout of Linux 6.1 (SYMBOL(prb), SIZE(printk_ringbuffer),
OFFSET(prb_desc_ring.*), ...). The VMCOREINFO note grows inside the
prologue's page padding, so no data moves. The records: a banner, a
multi-line record, control characters, a stale and a reserved
descriptor (both skipped by readers), a data-less record, N filler lines
(--records), and the panic line in a block that wraps around the ring's
end. Both makedumpfile --dump-dmesg and zfcpdump-get dmesg read it.
"""
import struct
import sys

KTEXT = 0xFFFFFFFF81000000
RING_OFF = 0x100000  # prb pointer, struct printk_ringbuffer
COUNT_BITS = 8  # 256 descriptors
SIZE_BITS = 15  # 32 KiB of text
DESC_SIZE = 24
INFO_SIZE = 88
PANIC = b"Kernel panic - not syncing: sysrq triggered crash"

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


def main():
    args = sys.argv[1:]
    n_fill = 20
    if "--records" in args:
        i = args.index("--records")
        n_fill = int(args[i + 1])
        del args[i : i + 2]
    src, dst = args
    core = bytearray(open(src, "rb").read())
    if core[:4] != b"\x7fELF" or core[4] != 2 or core[5] != 1:
        sys.exit("kmsg_core.py: %s is not a little-endian ELF64 core" % src)
    phoff, = struct.unpack_from("<Q", core, 32)
    phnum, = struct.unpack_from("<H", core, 56)
    loads, note_ph, ktext = [], None, None
    for i in range(phnum):
        at = phoff + 56 * i
        p_type, _, off, va, pa, fsz, msz, _ = struct.unpack_from("<IIQQQQQQ", core, at)
        if p_type == 4:
            note_ph = at
        elif p_type == 1:
            loads.append((pa, off, fsz))
            if va == KTEXT:
                ktext = (pa, fsz)
    if ktext is None or ktext[1] < RING_OFF + 0x40000:
        sys.exit("kmsg_core.py: %s has no kernel text of 1.25 MiB" % src)
    PA_RING = ktext[0] + RING_OFF
    PA_DESCS = PA_RING + 0x1000

    def kva(pa):
        return KTEXT + pa - ktext[0]
    count = 1 << COUNT_BITS
    size = 1 << SIZE_BITS
    pa_infos = PA_DESCS + count * DESC_SIZE
    pa_text = (pa_infos + count * INFO_SIZE + 4095) & ~4095

    def put(pa, data):
        # every PT_LOAD that holds pa: the kernel text is in two of them
        done = False
        for lpa, loff, lsz in loads:
            if lpa <= pa and pa + len(data) <= lpa + lsz and loff:
                o = loff + pa - lpa
                core[o : o + len(data)] = data
                done = True
        if not done:
            sys.exit("kmsg_core.py: 0x%x is not in the core's memory" % pa)

    def put64(pa, v):
        put(pa, struct.pack("<Q", v))

    put(PA_DESCS, bytes(count * DESC_SIZE))
    put(pa_infos, bytes(count * INFO_SIZE))
    put(pa_text, bytes(size))

    def record(rid, state, sv_id, begin, text, ts):
        d = PA_DESCS + (rid % count) * DESC_SIZE
        inf = pa_infos + (rid % count) * INFO_SIZE
        n = len(text)
        if not text:
            nxt = begin
        elif begin % size + 8 + n > size:
            # wraps: the block starts over at the beginning of the ring
            nxt = (begin // size + 1) * size + 8 + ((n + 7) & ~7)
            put64(pa_text, rid)
            put(pa_text + 8, text)
        else:
            nxt = begin + 8 + ((n + 7) & ~7)
            put64(pa_text + begin % size, rid)
            put(pa_text + begin % size + 8, text)
        put64(d, (state << 62) | sv_id)
        put64(d + 8, begin)
        put64(d + 16, nxt)
        put(inf, struct.pack("<QQH", rid, ts, n))
        return nxt

    base = 3 * size  # the ring went round three times before
    pos = base + 256  # clear of the wrapped panic block at 0
    rid = 1000
    tail = rid
    recs = [
        (2, b"Linux version 6.1.0-13-amd64 (kmsg_core.py) #1 SMP", 0),
        (2, b"Command line: console=ttyS0 crashkernel=256M", 1000),
        (1, b"first line of two\nsecond line of two", 1500000000),
        (2, b"tab\there \x01 bell\x07 del\x7f", 12345678912),
        (2, b"", 13000000000),
    ]
    for i in range(n_fill):
        recs.append((2, b"filler %04d: the quick brown fox jumps over the lazy dog" % i,
                     14000000000 + i * 1000123))
    for state, rtext, ts in recs:
        pos = record(rid, state, rid, pos, rtext, ts)
        rid += 1
    # a stale descriptor of an older id in this slot: skipped
    pos = record(rid, 2, rid - count, pos, b"stale", 99000000000)
    rid += 1
    if pos % size + 8 + len(PANIC) <= size - 8:
        pos += size - 8 - pos % size  # so that the panic block wraps
    pos = record(rid, 2, rid, pos, PANIC, 123456789012)
    rid += 1
    # reserved: being written at the crash, skipped
    record(rid, 0, rid, pos, b"half written", 123500000000)
    head = rid
    if head - tail >= count:
        sys.exit("kmsg_core.py: more records than descriptors")

    put64(PA_RING, kva(PA_RING + 8))  # the pointer prb
    rb = PA_RING + 8
    put(rb, bytes(80))
    put(rb + 0, struct.pack("<I", COUNT_BITS))
    put64(rb + 8, kva(PA_DESCS))
    put64(rb + 16, kva(pa_infos))
    put64(rb + 24, head)
    put64(rb + 32, tail)
    put(rb + 40, struct.pack("<I", SIZE_BITS))
    put64(rb + 48, kva(pa_text))

    # VMCOREINFO grows in place, into the padding before the first PT_LOAD
    _, _, noff, _, _, nsz, _, _ = struct.unpack_from("<IIQQQQQQ", core, note_ph)
    o, vi = noff, None
    while o < noff + nsz:
        namesz, descsz, _ = struct.unpack_from("<III", core, o)
        name = core[o + 12 : o + 12 + namesz - 1]
        if name == b"VMCOREINFO":
            vi = o
        o += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    if vi is None:
        sys.exit("kmsg_core.py: no VMCOREINFO note in %s" % src)
    namesz, descsz, _ = struct.unpack_from("<III", core, vi)
    dstart = vi + 12 + ((namesz + 3) & ~3)
    text = bytes(core[dstart : dstart + descsz]) + (VMCI % kva(PA_RING)).encode()
    rest = bytes(core[dstart + ((descsz + 3) & ~3) : noff + nsz])
    new = text + bytes(((len(text) + 3) & ~3) - len(text)) + rest
    end = dstart + len(new)
    if end > min(off for _, off, _ in loads if off):
        sys.exit("kmsg_core.py: no room for the VMCOREINFO keys")
    core[dstart:end] = new
    struct.pack_into("<I", core, vi + 4, len(text))
    nsz += end - (noff + nsz)
    struct.pack_into("<QQ", core, note_ph + 32, nsz, nsz)
    open(dst, "wb").write(core)


main()
