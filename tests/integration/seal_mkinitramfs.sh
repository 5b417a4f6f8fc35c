#!/bin/bash
# zfcpdump-mkinitramfs and sealed dumps: the config's encrypt recipient is
# packed at its path (the public key only); a secret key file is refused,
# --force or not, and nothing is written.
. "$abs_top_srcdir/tests/lib.sh"

MKI=$ZFD_BUILD/zfcpdump-mkinitramfs
opts=(--zfcpdump "$ZFD_BUILD/zfcpdump" --plugin-dir "$ZFD_PLUGINS" --e2fsck none)
expect_rc 0 $ZFCPDUMP_GET keygen -o "$T/dump"

cat >"$T/sealed.conf" <<EOF2
encrypt = { recipient = "$T/dump.pub"; };
sinks = ( { type = "raw"; device = "/dev/sda2"; } );
EOF2
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/sealed.conf" -o "$T/rd" --list "$T/list"
grep -qxF "file $T/dump.pub $T/dump.pub 644 0 0" "$T/list" ||
	{ cat "$T/list" >&2; fail "public key not in the list"; }
! grep -q "dump.key" "$T/list" || fail "secret key in the list"
mkdir "$T/x"
(cd "$T/x" && gzip -dc "$T/rd" | cpio -id --quiet) || fail "unpacking the archive"
cmp "$T/x$T/dump.pub" "$T/dump.pub" || fail "public key packed wrongly"
# no key file that starts like a secret key (the binaries name the tag)
bad=$(find "$T/x" -type f -exec sh -c \
	'head -c 22 "$1" | grep -aqx "zfcpdump-seal-secret 1" && echo "$1"' _ {} \;)
[ -z "$bad" ] || fail "a secret key in the archive: $bad"
# the packed libraries include libsodium (the daemon's sinks seal with it)
find "$T/x" -name 'libsodium.so*' | grep -q . || fail "libsodium not packed"

# A secret key as recipient: refused by the daemon's check and by the
# packer itself (also with --force); nothing written.
sed "s|dump.pub|dump.key|" "$T/sealed.conf" >"$T/secret.conf"
rm -f "$T/rd2"
expect_rc 2 "$MKI" "${opts[@]}" -c "$T/secret.conf" -o "$T/rd2"
expect_err "holds a secret key"
expect_rc 2 "$MKI" "${opts[@]}" -c "$T/secret.conf" --force -o "$T/rd2"
expect_err "$T/dump.key: holds a secret key; only the public key \(NAME.pub\) goes into the initramfs; nothing written$"
[ ! -e "$T/rd2" ] || fail "an initramfs was written with a secret key"
exit 0
