#!/bin/bash
# zfcpdump-mkinitramfs from the build tree: the config is validated with the
# daemon's parser (a broken one is refused with FILE:LINE and exit 2, and
# nothing is written), the list and the archive hold the daemon as /init,
# its plugins, its loader and libraries, and the classic device nodes, and
# the list and the archive agree. (Booting it is tests/e2e's job.)
. "$abs_top_srcdir/tests/lib.sh"

MKI=$ZFD_BUILD/zfcpdump-mkinitramfs
opts=(--zfcpdump "$ZFD_BUILD/zfcpdump" --plugin-dir "$ZFD_PLUGINS" --e2fsck none)
sbindir=$(sed -n "s/^sbindir='\(.*\)'$/\1/p" "$MKI")
pkglibdir=$(sed -n "s/^pkglibdir='\(.*\)'$/\1/p" "$MKI")
[ -n "$sbindir" ] && [ -n "$pkglibdir" ] || fail "no install paths in $MKI"

# A broken config: refused, the daemon's FILE:LINE shown, nothing written.
printf 'source = { type = "zcore"; };\nsinks = ( { type = "raw"; device = ; } );\n' \
	>"$T/broken.conf"
expect_rc 2 "$MKI" "${opts[@]}" -c "$T/broken.conf" -o "$T/rd" --list "$T/list"
expect_err "broken.conf:2: "
expect_err "config error; nothing written"
[ ! -e "$T/rd" ] && [ ! -e "$T/list" ] || fail "files written for a broken config"

# A config that parses but that a sink rejects (an unknown key) is refused too.
printf 'sinks = ( { type = "raw"; device = "/dev/sda2"; colour = "blue"; } );\n' \
	>"$T/badkey.conf"
expect_rc 2 "$MKI" "${opts[@]}" -c "$T/badkey.conf" -o "$T/rd"
expect_err "badkey.conf:1: .*colour"

# --force packs it, with a warning.
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/broken.conf" --force -o "$T/rd"
expect_err "warning: .*does not validate; packed anyway"
rm -f "$T/rd"

# A good config: list and archive.
printf 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );\nfinal_action = "reipl";\n' \
	>"$T/good.conf"
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/good.conf" -o "$T/rd" --list "$T/list"
expect_out "wrote $T/rd: [0-9]+ KiB unpacked \\([0-9]+ KiB without kernel modules\\), [0-9]+ KiB packed \\(gzip\\)"
l=$T/list
has() {
	grep -qxF -- "$1" "$l" || { cat "$l" >&2; fail "list lacks '$1'"; }
}
has "nod /dev/console 600 0 0 c 5 1"
has "nod /dev/null 666 0 0 c 1 3"
has "nod /dev/sda 600 0 0 b 8 0"
for i in $(seq 1 15); do
	has "nod /dev/sda$i 600 0 0 b 8 $i"
done
has "slink /init $sbindir/zfcpdump 777 0 0"
has "file $sbindir/zfcpdump $(readlink -f "$ZFD_BUILD/zfcpdump") 755 0 0"
has "file /etc/zfcpdump.conf $(readlink -f "$T/good.conf") 644 0 0"
for so in "$ZFD_PLUGINS"/*.so; do
	has "file $pkglibdir/sinks/$(basename "$so") $(readlink -f "$so") 755 0 0"
done
# The loader at the daemon's PT_INTERP path, and every library it resolves.
interp=$(readelf -l "$ZFD_BUILD/zfcpdump" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
[ -n "$interp" ] || fail "no PT_INTERP in zfcpdump"
has "file $interp $(readlink -f "$interp") 755 0 0"
for lib in $(ldd "$ZFD_BUILD/zfcpdump" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
	has "file $lib $(readlink -f "$lib") 755 0 0"
done
grep -q "^file .*/libconfig.so" "$l" || fail "libconfig not packed"
# No modules to load: no libkmod (and no libcrypto behind it).
! grep -q "^file .*/libkmod.so" "$l" || fail "libkmod packed without modules"
unpacked=$(sed -n 's/.*: \([0-9]*\) KiB unpacked.*/\1/p' "$T/.stdout")
note "unpacked without modules: $unpacked KiB"
# The 8 MiB budget is a property of the production build (the "build"
# stage runs this same test there); instrumented ASan/UBSan binaries and
# their runtimes are several times larger and are never packed for real.
if [ "${ZFD_SANITIZERS:-no}" = yes ]; then
	note "sanitizer build: size budget checked in the production build"
else
	[ "$unpacked" -le 8192 ] ||
		fail "initramfs without modules is $unpacked KiB (> 8 MiB)"
fi
# A config that lists modules gets libkmod and its libraries.
printf 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );\nmodules = [ "sd_mod" ];\n' \
	>"$T/mods.conf"
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/mods.conf" -o "$T/rd2" --list "$T/list2"
grep -q "^file .*/libkmod.so" "$T/list2" || fail "libkmod not packed for a config with modules"

# The archive holds exactly what the list says, with the same nodes.
mkdir "$T/x"
(cd "$T/x" && gzip -dc "$T/rd" | cpio -i -d --quiet --no-absolute-filenames 2>/dev/null) ||
	true	# cpio cannot mknod without root; the listing below checks them
gzip -dc "$T/rd" | cpio -t --quiet 2>/dev/null | sed 's|^\./|/|' | sort >"$T/arch"
sed -n 's/^[a-z]* \([^ ]*\) .*/\1/p' "$l" | sort >"$T/want"
diff -u "$T/want" "$T/arch" >&2 || fail "archive and list differ"
gzip -dc "$T/rd" | cpio -tv --quiet 2>/dev/null | grep -E '^c.* 5, +1 .*/dev/console$' >/dev/null ||
	fail "/dev/console is not char 5,1 in the archive"
gzip -dc "$T/rd" | cpio -tv --quiet 2>/dev/null | grep -E '^b.* 8, +3 .*/dev/sda3$' >/dev/null ||
	fail "/dev/sda3 is not block 8,3 in the archive"
cmp -s "$T/x/etc/zfcpdump.conf" "$T/good.conf" || fail "packed config differs"
cmp -s "$T/x$sbindir/zfcpdump" "$ZFD_BUILD/zfcpdump" || fail "packed daemon differs"
[ "$(readlink "$T/x/init")" = "$sbindir/zfcpdump" ] || fail "/init is not a link to the daemon"

# Reproducible: the same input gives the same archive.
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/good.conf" -o "$T/rd2" -q
cmp -s "$T/rd" "$T/rd2" || fail "two builds of the same initramfs differ"

# --capture (kdump): without -c a vmcore config with "reboot" is packed;
# a config with source "zcore" is refused.
expect_rc 0 "$MKI" "${opts[@]}" --capture -o "$T/cap.rd" -q
mkdir "$T/cap"
(cd "$T/cap" && gzip -dc "$T/cap.rd" | cpio -i -d --quiet --no-absolute-filenames 2>/dev/null) || true
grep -qx 'source = { type = "vmcore"; };' "$T/cap/etc/zfcpdump.conf" || fail "capture: no vmcore source"
grep -qx 'final_action = "reboot";' "$T/cap/etc/zfcpdump.conf" || fail "capture: no reboot"
[ "$(readlink "$T/cap/init")" = "$sbindir/zfcpdump" ] || fail "capture: /init"
printf 'source = { type = "zcore"; };\nsinks = ( { type = "raw"; device = "/dev/sda2"; } );\n' >"$T/zc.conf"
expect_rc 2 "$MKI" "${opts[@]}" --capture -c "$T/zc.conf" -o "$T/cap2.rd"
expect_err "--capture: .*zc.conf has source \"zcore\"; a kdump capture kernel has only /proc/vmcore"
[ ! -e "$T/cap2.rd" ] || fail "capture: written despite a zcore source"
expect_rc 2 "$MKI" "${opts[@]}" --capture --list "$T/cap.list"
expect_err "--capture --list needs -c CONFIG"

# Usage errors.
expect_rc 2 "$MKI" --bogus
expect_err "unknown argument '--bogus'"
expect_rc 2 "$MKI" "${opts[@]}" --compress lz4 -o "$T/rd3"
expect_err "unknown 'lz4'"
expect_rc 1 "$MKI" "${opts[@]}" --module "$T/nonexistent.ko" -o "$T/rd3"
expect_err "nonexistent.ko: no such module file"
exit 0
