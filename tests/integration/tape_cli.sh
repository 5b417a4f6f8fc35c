# The tape plugin loaded by the daemon, without a tape drive: config
# errors name the key, devices that are not tapes are refused clearly, and
# nothing counts as a dump. (Real drives: tests/e2e/tape.sh.)
. "$abs_top_srcdir/tests/lib.sh"

$MKIMAGE -o "$T/img" -s 4M || fail "zfd-mkimage failed"
run() {
	$ZFCPDUMP --plugin-dir "$ZFD_PLUGINS" --cmdline none "$@"
}

# config errors: exit 2, one line naming the key
expect_rc 2 run -s "file:$T/img" -o tape:device=auto,blocksize=4096
expect_err "^-o tape: unknown key 'blocksize' for sink type 'tape'$"
expect_rc 2 run -s "file:$T/img" -o tape:block_size=1000
expect_err "-o tape: block_size 1000 must be a multiple of 4096 from 4096 to 1048576"
expect_rc 2 run -s "file:$T/img" -o tape:block_size=2M
expect_err "block_size 2097152 must be"
expect_rc 2 run -s "file:$T/img" -o tape:rewind=maybe
expect_err "rewind"
cat >"$T/bad.conf" <<'CONF'
source = { type = "file"; path = "/nonexistent"; };
sinks = (
  { type = "tape";
    device = "auto";
    unlaod = true; }
);
CONF
expect_rc 2 run -c "$T/bad.conf" -s "file:$T/img"
expect_err "bad.conf:5: unknown key 'unlaod'"

# a device that is not an sg node
expect_rc 1 run -s "file:$T/img" -o tape:device=/dev/null
expect_err "tape:/dev/null: /dev/null is not a SCSI generic device"
expect_err "nothing written"

# device = auto with no tape among the sg devices (a fake /dev under --root)
mkdir -p "$T/root/dev"
: >"$T/root/dev/sg3"
expect_rc 1 run --root "$T/root" -s "file:$T/img" -o tape:device=auto
expect_err "device auto: no SCSI tape found \(1 sg device in $T/root/dev, none with peripheral type 1\); nothing written"
rm "$T/root/dev/sg3"
expect_rc 1 run --root "$T/root" -s "file:$T/img" -o tape:device=auto
expect_err "no SCSI tape found \(0 sg devices"

# the daemon's key format (sink ABI 2) is known to the tape sink
expect_rc 1 run -s "file:$T/img" -o tape:device=/dev/null,format=elf
expect_err "tape:/dev/null: /dev/null is not a SCSI generic device"
expect_rc 1 run -s "file:$T/img" -o tape:device=/dev/null,format=s390
expect_err "tape:/dev/null: /dev/null is not a SCSI generic device"

# a missing device
expect_rc 1 run -s "file:$T/img" -o tape:device=/dev/sg-nonexistent
expect_err "/dev/sg-nonexistent: No such file or directory; nothing written"
exit 0
