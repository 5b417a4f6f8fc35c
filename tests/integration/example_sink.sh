#!/bin/bash
# The example third-party sink (doc/examples/null-sink) builds against an
# installed tree with nothing but "pkg-config zfcpdump-sink", installs into
# the pkg-config variable sinkdir, and the installed daemon loads it from
# there. The installed tree is "make install DESTDIR=" of this build, or
# $ZFD_INSTALLED_ROOT when set (run-tests deb: the unpacked .deb files).
. "$abs_top_srcdir/tests/lib.sh"

root=${ZFD_INSTALLED_ROOT:-}
if [ -z "$root" ]; then
	root=$T/root
	note "make install DESTDIR=$root"
	# a make of its own: not the jobserver or the variables of make check
	(unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
	 make -C "$abs_top_builddir" install DESTDIR="$root") >"$T/install.log" 2>&1 ||
		{ cat "$T/install.log" >&2; fail "make install DESTDIR=$root failed"; }
fi
pc=$(find "$root" -path '*/pkgconfig/zfcpdump-sink.pc')
[ -n "$pc" ] && [ "$(echo "$pc" | wc -l)" = 1 ] || fail "not one zfcpdump-sink.pc under $root: '$pc'"
daemon=$(find "$root" -path '*/sbin/zfcpdump' -type f)
[ -n "$daemon" ] || fail "no sbin/zfcpdump under $root"
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$root

note "pkg-config: cflags, Requires: libconfig, sinkdir"
sinkdir=$(pkg-config --variable=sinkdir zfcpdump-sink) || fail "pkg-config zfcpdump-sink failed"
case $sinkdir in "$root"/*/zfcpdump/sinks) ;; *) fail "sinkdir '$sinkdir'" ;; esac
for so in raw extfs tape; do
	[ -f "$sinkdir/$so.so" ] || fail "sinkdir $sinkdir lacks the installed $so.so"
done
cflags=$(pkg-config --cflags-only-I zfcpdump-sink)
inc=${cflags%% *}	# libconfig's own -I (in the sysroot) may follow
[ -f "${inc#-I}/zfcpdump/sink.h" ] || fail "cflags '$cflags' do not find zfcpdump/sink.h"
[ "$(pkg-config --print-requires zfcpdump-sink)" = libconfig ] || fail "Requires"

note "build and install the example sink with its own Makefile"
# a copy: the source tree is read-only under distcheck
cp -R "$abs_top_srcdir/doc/examples/null-sink" "$T/ex" && chmod -R u+w "$T/ex"
(unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
 make -C "$T/ex" CFLAGS="-O2 -Werror" install) >"$T/ex.log" 2>&1 ||
	{ cat "$T/ex.log" >&2; fail "building the example sink failed"; }
[ -f "$sinkdir/null.so" ] || fail "make install did not put null.so into $sinkdir"

note "the installed daemon loads it from sinkdir"
$MKIMAGE -o "$T/img" -s 8M --seed 5 || fail "zfd-mkimage failed"
expect_rc 0 "$daemon" --plugin-dir "$sinkdir" --cmdline none -s "file:$T/img" \
	-o "null:report=$T/report"
expect_out "null: complete, 8388608 bytes"
expect_err "null: counted 8388608 bytes in [1-9][0-9]* blocks"
grep -Eqx 'bytes=8388608 blocks=[1-9][0-9]* zero_pages=[0-9]+ status=complete format=s390 size=8392720' \
	"$T/report" || fail "report: $(cat "$T/report")"

note "sink ABI 2: the daemon picks the format (key format), the sink stores bytes"
$MKIMAGE -o "$T/x86.elf" -s 8M --format elf --arch x86_64 ||
	fail "zfd-mkimage x86_64"
expect_rc 0 "$daemon" --plugin-dir "$sinkdir" --cmdline none -s "file:$T/x86.elf" \
	-o "null:report=$T/report"
grep -Eqx 'bytes=8388608 blocks=[1-9][0-9]* zero_pages=[0-9]+ status=complete format=elf size=8392704' \
	"$T/report" || fail "report (x86_64, elf): $(cat "$T/report")"
expect_rc 0 "$daemon" --plugin-dir "$sinkdir" --cmdline none -s "file:$T/img" \
	-o "null:report=$T/report,format=elf"
grep -Eq 'status=complete format=elf ' "$T/report" || fail "report (format=elf): $(cat "$T/report")"

note "an unknown key is refused with its name"
expect_rc 2 "$daemon" --plugin-dir "$sinkdir" --cmdline none -s "file:$T/img" \
	-o "null:bogus=1"
expect_err "null: unknown key 'bogus' \\(-o\\)\$"
printf 'sinks = ( { type = "null";\n  colour = "red"; } );\n' >"$T/c.conf"
expect_rc 2 "$daemon" --plugin-dir "$sinkdir" --cmdline none -c "$T/c.conf" -s "file:$T/img"
expect_err "null: $T/c.conf:2: unknown key 'colour'\$"
exit 0
