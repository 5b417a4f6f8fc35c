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
# Our own programs carry debug information (-g); they are packed as
# stripped copies kept beside the list, with the same code.
stripped() {	# stripped TARGET ORIGINAL: the list's copy of ORIGINAL, without debug info
	local copy=$T/list.d/stripped$1
	has "file $1 $copy 755 0 0"
	readelf -S -W "$2" | grep -q ' \.debug_info ' || fail "$2 has no debug info to strip"
	! readelf -S -W "$copy" | grep -q ' \.debug_' || fail "$copy still has debug info"
	cmp -s <(objcopy -O binary -j .text "$2" /dev/stdout) \
		<(objcopy -O binary -j .text "$copy" /dev/stdout) || fail "$copy: code differs"
	[ "$(stat -c %s "$copy")" -lt "$(stat -c %s "$2")" ] || fail "$copy is not smaller"
}
stripped "$sbindir/zfcpdump" "$(readlink -f "$ZFD_BUILD/zfcpdump")"
has "file /etc/zfcpdump.conf $(readlink -f "$T/good.conf") 644 0 0"
for so in "$ZFD_PLUGINS"/*.so; do
	stripped "$pkglibdir/sinks/$(basename "$so")" "$(readlink -f "$so")"
done
# The loader at the daemon's PT_INTERP path, and every library it resolves.
interp=$(readelf -l "$ZFD_BUILD/zfcpdump" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
[ -n "$interp" ] || fail "no PT_INTERP in zfcpdump"
has "file $interp $(readlink -f "$interp") 755 0 0"
# (a library with debug information, e.g. the sanitizer runtimes of an
# instrumented build, as its stripped copy)
for lib in $(ldd "$ZFD_BUILD/zfcpdump" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
	grep -qxF -- "file $lib $T/list.d/stripped$lib 755 0 0" "$l" ||
		has "file $lib $(readlink -f "$lib") 755 0 0"
done
grep -q "^file .*/libconfig.so" "$l" || fail "libconfig not packed"
# No libkmod (and no libcrypto behind it): PID 1 loads modules itself.
! grep -Eq "^file .*/lib(kmod|crypto)\.so" "$l" || fail "libkmod or libcrypto packed"
! grep -q "^file /lib/modules/" "$l" || fail "module files packed without modules"
# The size budgets are a property of the production build (the "build"
# stage runs this same test there); instrumented ASan/UBSan binaries and
# their runtimes are several times larger and are never packed for real.
budget() {	# budget WHAT KIB: the last run's "N KiB unpacked" is <= KIB
	local unpacked
	unpacked=$(sed -n 's/.*: \([0-9]*\) KiB unpacked.*/\1/p' "$T/.stdout")
	[ -n "$unpacked" ] || fail "no size printed"
	note "unpacked $1: $unpacked KiB (budget $2 KiB)"
	if [ "${ZFD_SANITIZERS:-no}" = yes ]; then
		note "sanitizer build: size budget checked in the production build"
	else
		[ "$unpacked" -le "$2" ] || fail "initramfs $1 is $unpacked KiB (> $2 KiB)"
	fi
}
budget "without modules (no e2fsck)" 5120
# format kdump's module and codecs only where the config asks for them
# (libstdc++ itself may come with the sanitizer runtimes of an ASan build)
! grep -Eq "^file .*(formats/kdump\.so|libzstd|libsnappy)" "$l" ||
	fail "format kdump's module or codecs packed for a config without it"
! grep -q "^file .*/libsnappy\.so\.1 " "$l" ||
	fail "libsnappy.so.1 packed for a config without format kdump"
printf 'sinks = ( { type = "raw"; device = "/dev/sda2"; format = "kdump"; } );\n' \
	>"$T/kdump.conf"
expect_rc 0 "$MKI" "${opts[@]}" -c "$T/kdump.conf" -o "$T/rd.kdump" --list "$T/list.kdump"
grep -q "^file $pkglibdir/formats/kdump.so " "$T/list.kdump" ||
	fail "format kdump: the module is not packed"
for lib in libzstd libsnappy liblzo2 libz.so; do
	grep -q "^file .*/$lib" "$T/list.kdump" || fail "format kdump: $lib not packed"
done
# The module dlopen()s libsnappy.so.1 (compress = "snappy"): no DT_NEEDED
# names it, so it and its C++ runtime are packed by name, where the dump
# kernel's loader searches (the host's path here).
snappy=$(ldconfig -p | sed -n 's|^[[:space:]]*libsnappy\.so\.1 (.*x86-64.*) => \(/.*\)|\1|p' |
	head -n1)
[ "$(uname -m)" != x86_64 ] || [ -n "$snappy" ] || fail "no libsnappy.so.1 on this host"
[ -z "$snappy" ] || grep -q "^file $snappy " "$T/list.kdump" ||
	fail "format kdump: libsnappy.so.1 is not packed at $snappy"
for lib in libsnappy.so.1 libstdc++.so.6 libm.so.6 libgcc_s.so.1; do
	grep -q "^file [^ ]*/$lib " "$T/list.kdump" ||
		fail "format kdump: $lib (for the dlopen()ed snappy) not packed"
done
budget "with format kdump (its codecs)" 9216
rm -f "$T/rd.kdump"
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
cmp -s "$T/x$sbindir/zfcpdump" "$T/list.d/stripped$sbindir/zfcpdump" || fail "packed daemon differs from its stripped copy"
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

# --- Kernel modules: resolved here, loaded in order by PID 1. --------------
# A fake module tree: dependencies (modules.dep), soft dependencies through
# an alias, a built-in module, compressed modules, a module file.
K=9.9.9-test
M=$T/root/lib/modules/$K
mkmod() {	# mkmod REL: a stand-in module file with its name as content
	mkdir -p "$M/$(dirname "$1")"
	case $1 in
	*.xz) echo "module ${1##*/}" | xz -c >"$M/$1" ;;
	*.gz) echo "module ${1##*/}" | gzip -nc >"$M/$1" ;;
	*.zst) echo "module ${1##*/}" | zstd -qc >"$M/$1" ;;
	*) echo "module ${1##*/}" >"$M/$1" ;;
	esac
}
for m in kernel/a/ring.ko kernel/a/virt.ko kernel/b/scsi_common.ko.xz \
	kernel/b/scsi_mod.ko.xz kernel/b/sd-mod.ko.gz kernel/c/t10.ko \
	kernel/c/crc_a.ko.zst kernel/c/crc_b.ko kernel/d/fs.ko kernel/d/post_mod.ko \
	kernel/e/unused.ko; do
	mkmod "$m"
done
printf '%s\n' "kernel/a/ring.ko:" \
	"kernel/a/virt.ko: kernel/a/ring.ko" \
	"kernel/b/scsi_common.ko.xz:" \
	"kernel/b/scsi_mod.ko.xz: kernel/b/scsi_common.ko.xz" \
	"kernel/b/sd-mod.ko.gz: kernel/c/t10.ko kernel/b/scsi_mod.ko.xz kernel/b/scsi_common.ko.xz" \
	"kernel/c/t10.ko:" "kernel/c/crc_a.ko.zst:" "kernel/c/crc_b.ko:" \
	"kernel/d/fs.ko:" "kernel/d/post_mod.ko:" "kernel/e/unused.ko: kernel/a/ring.ko" \
	>"$M/modules.dep"
printf 'softdep fs pre: crc post: post_mod\nsoftdep virt pre: not_there\n' >"$M/modules.softdep"
printf 'kernel/x/zfcp.ko\n' >"$M/modules.builtin"
printf 'alias crc crc_a\nalias crc crc_b\nalias pci:v*d* unused\n' >"$M/modules.alias"
# A module file outside the tree (as zcore_emu.ko is): name and
# dependencies from its .modinfo.
printf '%s\n' 'static const char mi[] __attribute__((section(".modinfo"), used)) = "name=extmod\0depends=ring\0vermagic=9.9.9-test SMP ";' |
	cc -c -x c - -o "$T/extmod.ko" || fail "cannot compile a stand-in module"
mopts=("${opts[@]}" --moddir "$T/root" --kver "$K")

printf '%s\n' 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );' \
	'modules = [ "sd-mod", "zfcp", "fs opt=1 two=\"a b\"", "virt", "extmod x=1", "crc_b" ];' \
	>"$T/m.conf"
expect_rc 0 "$MKI" "${mopts[@]}" -c "$T/m.conf" --module "$T/extmod.ko" --module virt \
	-o "$T/m.rd" --list "$T/m.list"
expect_out "wrote $T/m.rd: [0-9]+ KiB unpacked \\([0-9]+ KiB without kernel modules\\)"
expect_out "11 kernel modules for $K, [0-9]+ KiB, loaded in the order of /lib/modules/zfcpdump.order"
P=/lib/modules/$K
# The config's order, each after its dependencies and pre-softdeps (an
# alias: every module it names), before its post-softdeps; soft
# dependencies optional unless the config asks for them too; the built-in
# one noted; parameters from the config; compressed modules unpacked (the
# kernel config is unknown); then the --module ones not loaded yet.
version=$(sed -n "s/^version='\(.*\)'$/\1/p" "$MKI")
printf '%s\n' "# zfcpdump.order: written by zfcpdump-mkinitramfs $version for kernel $K;" \
	"# loaded in this order by zfcpdump as PID 1 (see zfcpdump(8))." \
	"load scsi_common $P/kernel/b/scsi_common.ko" \
	"load scsi_mod $P/kernel/b/scsi_mod.ko" \
	"load t10 $P/kernel/c/t10.ko" \
	"load sd_mod $P/kernel/b/sd-mod.ko" \
	"builtin zfcp" \
	"optional crc_a $P/kernel/c/crc_a.ko" \
	"load crc_b $P/kernel/c/crc_b.ko" \
	"load fs $P/kernel/d/fs.ko opt=1 two=\"a b\"" \
	"optional post_mod $P/kernel/d/post_mod.ko" \
	"load ring $P/kernel/a/ring.ko" \
	"load virt $P/kernel/a/virt.ko" \
	"load extmod $P/extra/extmod.ko x=1" >"$T/m.want"
mkdir "$T/mx"
(cd "$T/mx" && gzip -dc "$T/m.rd" | cpio -i -d --quiet --no-absolute-filenames 2>/dev/null) || true
diff -u "$T/m.want" "$T/mx/lib/modules/zfcpdump.order" >&2 || fail "wrong zfcpdump.order"
# The packed files: unpacked copies, and nothing else of the tree.
for m in kernel/b/scsi_common.ko.xz kernel/b/scsi_mod.ko.xz kernel/b/sd-mod.ko.gz \
	kernel/c/crc_a.ko.zst; do
	[ "$(cat "$T/mx$P/${m%.*}")" = "module ${m##*/}" ] || fail "$m not unpacked"
done
cmp -s "$T/mx$P/extra/extmod.ko" "$T/extmod.ko" || fail "extmod.ko differs"
(cd "$T/mx" && find lib/modules -type f | sort) >"$T/m.files"
printf "lib/modules/$K/%s\n" extra/extmod.ko kernel/a/ring.ko kernel/a/virt.ko \
	kernel/b/scsi_common.ko kernel/b/scsi_mod.ko kernel/b/sd-mod.ko kernel/c/crc_a.ko \
	kernel/c/crc_b.ko kernel/c/t10.ko kernel/d/fs.ko kernel/d/post_mod.ko \
	modules.builtin modules.dep >"$T/m.fwant"
echo lib/modules/zfcpdump.order >>"$T/m.fwant"
diff -u "$T/m.fwant" "$T/m.files" >&2 || fail "wrong module files packed"
# modules.dep of the packed set (a rescue shell's modprobe reads it).
grep -qxF "kernel/b/sd-mod.ko: kernel/c/t10.ko kernel/b/scsi_mod.ko kernel/b/scsi_common.ko" \
	"$T/mx$P/modules.dep" || { cat "$T/mx$P/modules.dep" >&2; fail "wrong modules.dep"; }
grep -qxF "extra/extmod.ko: kernel/a/ring.ko" "$T/mx$P/modules.dep" || fail "no extmod in modules.dep"
# The list names the same files (generated ones kept beside it).
grep -qxF "file $P/kernel/b/sd-mod.ko $(readlink -f "$T/m.list.d")$P/kernel/b/sd-mod.ko 644 0 0" \
	"$T/m.list" || fail "list lacks the unpacked sd-mod.ko"
! grep -Eq "^file .*/lib(kmod|crypto)\.so" "$T/m.list" || fail "libkmod or libcrypto packed"

# A kernel that decompresses modules itself (its /boot/config-KVER says
# so, for xz) gets the xz ones as they are, the others unpacked.
mkdir -p "$T/root/boot"
printf 'CONFIG_MODULE_DECOMPRESS=y\nCONFIG_MODULE_COMPRESS_XZ=y\n' >"$T/root/boot/config-$K"
expect_rc 0 "$MKI" "${mopts[@]}" -c "$T/m.conf" --module "$T/extmod.ko" -o "$T/m2.rd"
mkdir "$T/m2x"
(cd "$T/m2x" && gzip -dc "$T/m2.rd" | cpio -i -d --quiet --no-absolute-filenames 2>/dev/null) || true
cmp -s "$T/m2x$P/kernel/b/scsi_mod.ko.xz" "$M/kernel/b/scsi_mod.ko.xz" || fail "xz module not kept"
[ -f "$T/m2x$P/kernel/b/sd-mod.ko" ] || fail "gz module not unpacked"
[ ! -e "$T/m2x$P/kernel/b/scsi_mod.ko" ] || fail "xz module unpacked too"
grep -qxF "load scsi_mod $P/kernel/b/scsi_mod.ko.xz" "$T/m2x/lib/modules/zfcpdump.order" ||
	fail "the order does not name the xz module"
grep -qxF "kernel/b/sd-mod.ko: kernel/c/t10.ko kernel/b/scsi_mod.ko.xz kernel/b/scsi_common.ko.xz" \
	"$T/m2x$P/modules.dep" || fail "modules.dep does not name the xz modules"
rm -f "$T/root/boot/config-$K"

# A config module the kernel has neither as a module nor built in: an
# error naming it, nothing written; --force packs without it.
printf '%s\n' 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );' \
	'modules = [ "virt", "zfd_nosuch" ];' >"$T/nosuch.conf"
expect_rc 2 "$MKI" "${mopts[@]}" -c "$T/nosuch.conf" -o "$T/n.rd"
expect_err "^zfcpdump-mkinitramfs: $T/nosuch.conf: module 'zfd_nosuch' is neither a module of kernel $K \\($M\\) nor built into it; nothing written \\(--force packs without it\\)$"
[ ! -e "$T/n.rd" ] || fail "archive written for a config with an unknown module"
expect_rc 0 "$MKI" "${mopts[@]}" -c "$T/nosuch.conf" -o "$T/n.rd" --force
expect_err "warning: .*module 'zfd_nosuch' is neither .*; packed without it \\(--force\\)"
gzip -dc "$T/n.rd" | cpio -i --to-stdout --quiet '*lib/modules/zfcpdump.order' 2>/dev/null |
	grep -v '^#' >"$T/n.order"
printf 'load ring %s\nload virt %s\n' "$P/kernel/a/ring.ko" "$P/kernel/a/virt.ko" |
	diff -u - "$T/n.order" >&2 || fail "wrong order with --force"
# No module tree for the kernel at all: the same.
expect_rc 2 "$MKI" "${opts[@]}" --moddir "$T/root" --kver 0.0-none -c "$T/nosuch.conf" -o "$T/n.rd"
expect_err "lists kernel modules, but $T/root/lib/modules/0.0-none has no modules.dep for kernel 0.0-none"
# An unknown --module is an error (exit 1); parameters of a built-in
# module are a warning saying where they belong.
expect_rc 1 "$MKI" "${mopts[@]}" --module zfd_nosuch --module virt -o "$T/n2.rd"
expect_err "^zfcpdump-mkinitramfs: module zfd_nosuch: not found for kernel $K \\($M\\)$"
[ ! -e "$T/n2.rd" ] || fail "archive written for an unknown --module"
printf '%s\n' 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );' \
	'modules = [ "zfcp queue_depth=8" ];' >"$T/bi.conf"
expect_rc 0 "$MKI" "${mopts[@]}" -c "$T/bi.conf" -o "$T/bi.rd"
expect_err "warning: module zfcp is built into kernel $K: its parameters 'queue_depth=8' must go on the kernel command line as zfcp.PARAM=VALUE"

# The budgets with real modules: the disks of the QEMU tests and the zcore
# emulation, built for the newest installed kernel with headers (the one
# tests/e2e boots), e2fsck packed as for real.
RK=
for v in $(ls /lib/modules 2>/dev/null | sort -rV); do
	if [ -f "/lib/modules/$v/modules.dep" ] && [ -d "/lib/modules/$v/build" ]; then
		RK=$v
		break
	fi
done
[ -n "$RK" ] || fail "no kernel with modules and headers (linux-image-amd64, linux-headers-amd64)"
cp -r "$abs_top_srcdir/kernel/zcore-emu" "$T/zcore-emu"
chmod -R u+w "$T/zcore-emu"
make -C "$T/zcore-emu" KDIR="/lib/modules/$RK/build" >"$T/zcore-emu.log" 2>&1 ||
	{ tail -n 20 "$T/zcore-emu.log" >&2; fail "zcore_emu.ko does not build for $RK"; }
ropts=(--zfcpdump "$ZFD_BUILD/zfcpdump" --plugin-dir "$ZFD_PLUGINS" --kver "$RK")
printf '%s\n' 'sinks = ( { type = "raw"; device = "/dev/sda2"; } );' \
	'modules = [ "virtio_pci", "virtio_scsi", "sd_mod", "zcore_emu image=/dev/vda" ];' \
	>"$T/real.conf"
expect_rc 0 "$MKI" "${ropts[@]}" -c "$T/real.conf" --module "$T/zcore-emu/zcore_emu.ko" \
	-o "$T/real.rd" --list "$T/real.list"
cat "$T/.stdout"
budget "with virtio_pci, virtio_scsi, sd_mod, zcore_emu" 8192
grep -qx "load zcore_emu /lib/modules/$RK/extra/zcore_emu.ko image=/dev/vda" \
	"$T/real.list.d/lib/modules/zfcpdump.order" ||
	fail "zcore_emu not in the order with its parameters"
! grep -Eq "^file .*/lib(kmod|crypto)\.so" "$T/real.list" || fail "libkmod or libcrypto packed"
expect_rc 0 "$MKI" "${ropts[@]}" -c "$T/good.conf" -o "$T/real0.rd"
cat "$T/.stdout"
budget "without modules" 5120
exit 0
