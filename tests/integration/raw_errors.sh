#!/bin/bash
# Bad targets, bad config, bad source: a clear error, the right exit code,
# and the target byte-for-byte unchanged.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/raw_lib.sh"

IMG=$T/src.img
MEM=$((4 << 20))
$MKIMAGE -o "$IMG" -s 4M || fail mkimage
part=$T/part
raw_target "$part" $(raw_need $MEM)
cp "$part" "$T/before"
unchanged() { cmp "$part" "$T/before" || fail "target modified: $*"; }

# missing target: never created
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$T/nope"
expect_err "device $T/nope does not exist"
[ ! -e "$T/nope" ] || fail "missing target was created"

# read-only target (no write permission bits, even for root)
chmod 0444 "$part"
expect_rc 1 zfd_raw -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part is read-only"
chmod 0644 "$part"
unchanged read-only

# mounted target (the mount table under --root)
mkdir -p "$T/root/proc"
echo "$part /var/crash ext4 rw,relatime 0 0" >"$T/root/proc/mounts"
expect_rc 1 zfd_raw --root "$T/root" -s "file:$IMG" -o "raw:device=$part"
expect_err "device $part is mounted on /var/crash"
unchanged mounted

# unknown key: FILE:LINE from a config file, "-o raw" from the command line
cat >"$T/bad.conf" <<CONF
source = { type = "file"; path = "$IMG"; };
sinks = (
  { type = "raw";
    device = "$part";
    truncat = true; }
);
CONF
expect_rc 2 zfd_raw -c "$T/bad.conf"
expect_err "$T/bad.conf:5: unknown key 'truncat' for sink type 'raw'"
expect_rc 2 zfd_raw -s "file:$IMG" -o "raw:device=$part,sise=1"
expect_err "-o raw: unknown key 'sise'"
expect_rc 2 zfd_raw -s "file:$IMG" -o "raw:truncate=true"
expect_err "needs a 'device'"
unchanged config

# a source with a bad magic
cp "$IMG" "$T/bad.img"
printf '\0\0\0\0\0\0\0\0' | dd of="$T/bad.img" conv=notrunc status=none
expect_rc 1 zfd_raw -s "file:$T/bad.img" -o "raw:device=$part"
expect_err "not an s390 dump: bad magic"
unchanged "bad magic"
exit 0
