#!/bin/bash
# zfcpdump-get copy -f elf, checked with independent readers (readelf,
# eu-readelf, a small Python note parser): PT_LOAD layout and contents,
# note types and the register values planted by zfd-mkimage; elf -> s390
# and elf -> s390 -> elf round trips; ELF from a tape and inside ext4.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

CPUS=3
$MKIMAGE -o "$T/img" -s $MEM --seed 3 --hole 2M:1M --cpus $CPUS || fail "zfd-mkimage"
$MKDUMP -i "$T/img" -o "$T/d" -l file || fail "get-mkdump"
expect_rc 0 $GET copy "$T/d" "$T/core" -f elf

note "program headers (readelf -l)"
readelf -W -l "$T/core" >"$T/phdrs" || fail "readelf -l"
grep -q 'Elf file type is CORE' "$T/phdrs" || fail "not ET_CORE"
readelf -h "$T/core" | grep -Eq "Data: +2's complement, big endian" || fail "not big-endian"
readelf -h "$T/core" | grep -Eq "Machine: +IBM S/390" || fail "not EM_S390"
[ "$(grep -c ' LOAD ' "$T/phdrs")" = 1 ] || fail "expected one PT_LOAD"
read -r _ off vaddr paddr filesz memsz _ < <(grep ' LOAD ' "$T/phdrs")
[ $((vaddr)) = 0 ] && [ $((paddr)) = 0 ] || fail "PT_LOAD address"
[ $((filesz)) = $MEM ] && [ $((memsz)) = $MEM ] || fail "PT_LOAD size $filesz/$memsz"
[ $((off % 4096)) = 0 ] || fail "PT_LOAD offset $off not page aligned"
cmp -n $MEM -i $((off)):4096 "$T/core" "$T/img" || fail "PT_LOAD contents differ from memory"
[ "$(stat -c %s "$T/core")" = $((off + MEM)) ] || fail "ELF file size"
[ $(( $(stat -c %b "$T/core") * 512 )) -lt $((MEM / 2)) ] || fail "ELF output not sparse"

note "notes (readelf -n, eu-readelf -n)"
readelf -W -n "$T/core" >"$T/notes" || fail "readelf -n"
for t in NT_PRSTATUS NT_FPREGSET NT_S390_TIMER NT_S390_TODCMP NT_S390_TODPREG \
	 NT_S390_CTRS NT_S390_PREFIX; do
	[ "$(grep -c "$t" "$T/notes")" = $CPUS ] || { cat "$T/notes"; fail "$t count"; }
done
python3 - "$T/notes" $CPUS <<'PY' || fail "LINUX note values differ from the planted save areas"
import re, sys
text = open(sys.argv[1]).read()
cpus = int(sys.argv[2])
def datas(kind):
    return [bytes.fromhex(m.strip().replace(' ', '')) for m in
            re.findall(kind + r' .*?description data: ([0-9a-f ]+)', text, re.S)]
for c in range(cpus):
    assert datas('NT_S390_TIMER')[c] == (0x54494d4552000000 | c).to_bytes(8, 'big')
    assert datas('NT_S390_TODCMP')[c] == (0x434c4b434d500000 | c).to_bytes(8, 'big')
    assert datas('NT_S390_TODPREG')[c] == (0x1000 + c).to_bytes(4, 'big')
    assert datas('NT_S390_PREFIX')[c] == (0x20000 + c * 0x2000).to_bytes(4, 'big')
    crs = b''.join((0x4352000000000000 | c << 8 | r).to_bytes(8, 'big') for r in range(16))
    assert datas('NT_S390_CTRS')[c] == crs
PY
eu-readelf -n "$T/core" >"$T/eu" || fail "eu-readelf -n"
python3 - "$T/eu" $CPUS <<'PY' || { cat "$T/eu"; fail "PRSTATUS registers differ from the planted save areas"; }
import re, sys
text = open(sys.argv[1]).read()
cpus = int(sys.argv[2])
blocks = text.split('PRSTATUS')[1:]
assert len(blocks) == cpus, len(blocks)
for c, b in enumerate(blocks):
    assert re.search(r'pid: %d,' % (c + 1), b)
    assert re.search(r'pswm: +0x0705000180000000 +pswa: +0x%016x' % (0x100000 + c * 0x100), b)
    for r in range(16):
        assert re.search(r'\br%d: +%d\b' % (r, 0x4750520000000000 | c << 8 | r), b), ('r', c, r)
        assert re.search(r'\ba%d: +0x%08x\b' % (r, 0x41430000 | c << 8 | r), b), ('a', c, r)
PY
# NT_FPREGSET bytes, parsed straight from the file: fpc, pad, 16 fprs
python3 - "$T/core" $CPUS <<'PY' || fail "NT_FPREGSET differs from the planted save areas"
import struct, sys
d = open(sys.argv[1], 'rb').read()
cpus = int(sys.argv[2])
phoff, = struct.unpack_from('>Q', d, 0x20)
phnum, = struct.unpack_from('>H', d, 0x38)
fp = []
for i in range(phnum):
    ptype, _, off, _, _, filesz = struct.unpack_from('>IIQQQQ', d, phoff + 56 * i)
    if ptype != 4:
        continue
    p = off
    while p < off + filesz:
        nsz, dsz, ntype = struct.unpack_from('>III', d, p)
        name = d[p + 12:p + 12 + nsz]
        desc = p + 12 + (nsz + 3) // 4 * 4
        if name.rstrip(b'\0') == b'CORE' and ntype == 2:
            fp.append(d[desc:desc + dsz])
        p = desc + (dsz + 3) // 4 * 4
assert len(fp) == cpus
for c in range(cpus):
    fpc, = struct.unpack_from('>I', fp[c], 0)
    assert fpc == c, fpc
    for r in range(16):
        v, = struct.unpack_from('>Q', fp[c], 8 + 8 * r)
        assert v == 0x4650520000000000 | c << 8 | r, (c, r, hex(v))
PY

note "info on the ELF core"
expect_rc 0 $GET info --json "$T/core"
cp "$T/.stdout" "$T/core.json"; json_ok "$T/core.json"
[ "$(json_get "$T/core.json" 'd["format"], d["status"], d["cpu_count"], d["mem_size"]')" = "('elf', 'complete', $CPUS, $MEM)" ] ||
	fail "info --json of the ELF core"

expect_rc 1 $GET verify "$T/core"
expect_err "ELF core, structure ok; no digest to check"

note "elf -> s390 -> elf"
expect_rc 0 $GET copy "$T/core" "$T/back"
same_bytes "$T/back" 4096 "$T/img" 4096 $MEM
cmp -n 8 "$T/back" "$T/img" || fail "magic"
same_bytes "$T/back" $((0x800)) "$T/img" $((0x800)) $((4 * CPUS))	# lc_vec
expect_rc 0 $GET info --json "$T/back"
[ "$(json_get "$T/.stdout" 'd["cpu_count"], d["status"]')" = "($CPUS, 'complete')" ] || fail "elf -> s390 header"
expect_rc 0 $GET copy "$T/back" "$T/core2" -f elf
cmp "$T/core" "$T/core2" || fail "elf -> s390 -> elf is not byte-identical"
$GET copy "$T/core" - -f elf >"$T/core3" || fail "ELF to stdout"
cmp "$T/core" "$T/core3" || fail "ELF to stdout differs"

note "registers rebuilt from the notes when converting to s390"
cp "$T/core" "$T/zeroed"
# wipe CPU 1's save area in memory; the notes still have the registers
dd if=/dev/zero of="$T/zeroed" bs=1 seek=$((off + 0x22000 + 0x1200)) count=512 conv=notrunc 2>/dev/null
expect_rc 0 $GET copy "$T/zeroed" "$T/zeroed.s390"
same_bytes "$T/zeroed.s390" $((4096 + 0x22000 + 0x1200)) "$T/img" $((4096 + 0x22000 + 0x1200)) 512

note "ELF from a tape, and from an ext4 filesystem"
$MKDUMP -i "$T/img" -o "$T/tape" -l aws || fail "get-mkdump"
expect_rc 0 $GET copy "$T/tape" "$T/tcore" -f elf
cmp "$T/tcore" "$T/core" || fail "ELF from tape differs"
expect_rc 1 $GET copy "$T/tape" - -f elf
expect_err "a tape is read front to back: copy it to a file"
mke2fs -q -F -t ext4 "$T/fs" 64M || fail "mke2fs"
debugfs -w "$T/fs" -R "write $T/core dump.0" >/dev/null 2>&1 || fail "debugfs"
expect_rc 0 $GET copy "$T/fs:dump.0" "$T/fcore" -f elf
cmp "$T/fcore" "$T/core" || fail "ELF from ext4 differs"
expect_rc 0 $GET list "$T/fs"
grep -Eq '^0 +dump.0 .* complete' "$T/.stdout" || fail "list of an ELF dump"

note "damaged and unsuitable ELF input"
head -c $((off + MEM / 2)) "$T/core" >"$T/cut"
expect_rc 1 $GET verify "$T/cut"
expect_err "ELF core cut off: file has $((off + MEM / 2)) bytes, its PT_LOADs end at $((off + MEM))"
expect_rc 0 $GET info "$T/cut"
expect_out "^Status: +corrupt: ELF core cut off"
expect_rc 1 $GET copy "$T/cut" "$T/cut.s390"
[ ! -e "$T/cut.s390" ] || fail "failed copy left its output"
cp "$T/core" "$T/badphnum"; put_be32 "$T/badphnum" $((0x38)) 0xffff0000
expect_rc 1 $GET info "$T/badphnum"
expect_err "not a zfcpdump/s390 dump: not a valid ELF core: "
expect_rc 1 $GET info /bin/sh
expect_err "not a zfcpdump/s390 dump: not a valid ELF core: "

note "incomplete dumps are not converted to ELF unless forced"
$MKDUMP -i "$T/img" -o "$T/part" -l file --dumped $((1 << 20)) || fail "get-mkdump"
expect_rc 1 $GET copy "$T/part" "$T/part.elf" -f elf
expect_err "incomplete: 1048576 of $MEM .*use --force"
expect_rc 0 $GET copy "$T/part" "$T/part.elf" -f elf --force
expect_err "warning: .*not complete"
readelf -W -l "$T/part.elf" | grep ' LOAD ' | grep -q "0x0*100000 0x0*100000" ||
	fail "forced ELF of an incomplete dump must describe only the dumped memory"
exit 0
