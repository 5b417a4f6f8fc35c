# The tape sink stores the elf format (sink ABI 2): an x86_64 ELF core
# from zfd-mkimage, fed as the daemon feeds it (tests/unit/test_tape_feed
# --format elf: prologue, packed memory, no trailer) to the simulated
# drive, saved as AWSTAPE. The records must be: the prologue in records
# of at most block_size bytes, the data in block_size records, no trailer
# record, a filemark, the manifest file; the dump file's records together
# are a valid ELF core whose memory equals the input's page by page.
# Sealed: the envelope verifies with the key and decrypts to that core.
. "$abs_top_srcdir/tests/lib.sh"

FEED="$TEST_WRAPPER $ZFD_BUILD/tests/unit/test_tape_feed"
$MKIMAGE -o "$T/core" -s 24M --arch x86_64 --format elf --cpus 40 \
	--hole 9M:1M --hole 13M:512K --hole 20M:2M || fail "zfd-mkimage failed"

check() {	# AWS BLOCK_SIZE
	python3 "$ZFD_SRC/tests/integration/tape_elf_check.py" "$T/core" \
		"$2" --aws "$1" || fail "tape layout of $1"
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

note "sealed elf on tape: verifies with the key, decrypts to the ELF core"
expect_rc 0 $ZFCPDUMP_GET keygen -o "$T/k"
expect_rc 0 $FEED dump --sim --encrypt "$T/k.pub" --aws "$T/sealed.aws" --format elf "$T/core"
expect_err "sealed to key"
expect_rc 0 $ZFCPDUMP_GET verify --key "$T/k.key" "$T/sealed.aws"
expect_out "complete, sealed to key .* digest ok"
expect_rc 0 $ZFCPDUMP_GET copy -f elf --key "$T/k.key" "$T/sealed.aws" "$T/dec.elf"
python3 "$ZFD_SRC/tests/integration/tape_elf_check.py" "$T/core" 0 \
	--elf "$T/dec.elf" || fail "sealed elf tape: decrypted core"

note "tape full: incomplete, no ELF core looks complete"
expect_rc 1 $FEED dump --sim --sim-capacity 8M --aws "$T/full.aws" --format elf "$T/core"
expect_err "tape full after"
grep -aq "^status: incomplete$" "$T/full.aws" || fail "manifest of the full tape not incomplete"
grep -aq "^status: complete$" "$T/full.aws" && fail "the full tape says complete"
exit 0
