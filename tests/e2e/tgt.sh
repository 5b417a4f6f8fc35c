# tgt helpers for the end-to-end tests (sourced, bash): a private tgtd on
# 127.0.0.1 serving tgtimg-made virtual tapes over iSCSI.
#
#   tgt_start WORKDIR	start tgtd on a free port with its own control
#			socket; sets TGT_PORT, TGT_CTL, TGT_PID
#   tgt_add_tape TID IQN FILE [PARAMS]
#			target TID with the tape FILE as LUN 1; PARAMS for
#			"logicalunit --op update", e.g. readonly=1 (write-
#			protected) or online=0 (no cartridge loaded)
#   tgt_stop		remove every target, stop tgtd, by PID
#   tgt_new_tape FILE MB	a fresh virtual cartridge
#
# tgtd ignores SIGTERM while it has targets: tgt_stop deletes them first,
# then asks tgtd to exit ("--mode system --op delete"), then waits for the
# PID it started (SIGKILL after 10 s).
#
# The frame of the tape scenarios (tape.sh, tape-sealed.sh), which boot a
# busybox guest of their own with the tapes on virtio-scsi:
#   tape_begin NAME	work dir $W (NAME.XXXXXX under $TMPDIR; kept on
#			failure, or with ZFD_KEEP), QEMU and tgtd stopped on
#			exit; MKIMAGE (of $build), the guest's KVER (ZFD_KVER,
#			default the newest in /lib/modules), KERNEL, MODDIR;
#			fail MSG, note MSG
#   tape_need FILE...	each FILE exists, else fail
#   modules_for MODULE...	module paths with their dependencies from
#			$MODDIR/modules.dep, in load order
#   tape_root_daemon ROOT	zfcpdump, the tape sink and zfcpdump-get of
#			$build into the guest's tree ROOT
#   tape_root_finish ROOT BIN...
#			the shared libraries of each BIN (ldd) and the
#			modules virtio_pci virtio_blk virtio_scsi sg st
#			(ROOT/modules.order) into ROOT
#   tape_init_head NODES N [FS:DIR...]
#			prints the start of the guest's /init: busybox, proc,
#			sysfs, devtmpfs (and each FS mounted on DIR), the
#			modules, a bounded wait for N of the device nodes
#			NODES, and the shell functions sg_of ID, nst_of ID
#			(the device at SCSI target ID) and run NAME CMD...
#			("ZFD-BEGIN NAME", the output, "ZFD-RC NAME RC")
#   tape_initrd ROOT	ends ROOT/init with "echo ZFD-DONE", sync and reboot,
#			packs ROOT as $W/initrd.cpio
#   tape_tgt_start	tgt_start in $W, or fail; sets IQN
#   tape_dev TID SCSI-ID NAME
#			qemu args: target $IQN:NAME (tid TID) as a
#			scsi-generic device at SCSI-ID on scsi0
#   tape_boot TIMEOUT QEMU_ARGS...
#			boots $KERNEL with $W/initrd.cpio, waits (fails after
#			TIMEOUT s), stops tgtd; the console (no CRs) is then
#			$C.txt and must end the script with ZFD-DONE
#   section NAME, rc_of NAME, expect_in NAME REGEX
#			the output of step NAME of run, its exit code, and
#			a check that the output matches REGEX
#   records FILE	the records of the tape FILE from tgt's backing file:
#			"data SIZE" and "filemark" lines

TGT_PID=
TGT_PORT=
TGT_CTL=
TGT_TIDS=()

tgtadm_() {
	tgtadm -C "$TGT_CTL" --lld iscsi "$@"
}

# A TCP port on 127.0.0.1 that nobody listens on.
tgt_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

tgt_new_tape() {
	rm -f "$1"
	tgtimg --op=new --device-type=tape --barcode="ZFD$RANDOM" \
		--size="$2" --type=data --file="$1" >/dev/null
}

tgt_start() {
	local dir=$1 i
	TGT_PORT=$(tgt_free_port) || { echo "no free port" >&2; return 1; }
	for _ in $(seq 50); do
		TGT_CTL=$((1000 + RANDOM % 30000))
		[ -e "/var/run/tgtd/socket.$TGT_CTL" ] || break
	done
	tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" \
		>"$dir/tgtd.log" 2>&1 &
	TGT_PID=$!
	for i in $(seq 100); do
		tgtadm -C "$TGT_CTL" --mode system --op show >/dev/null 2>&1 &&
			return 0
		kill -0 "$TGT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "tgtd did not start:" >&2
	cat "$dir/tgtd.log" >&2
	return 1
}

tgt_add_tape() {
	local tid=$1 iqn=$2 file=$3 params=${4:-}
	tgtadm_ --mode target --op new --tid "$tid" -T "$iqn" || return 1
	TGT_TIDS+=("$tid")
	tgtadm_ --mode logicalunit --op new --tid "$tid" --lun 1 \
		--bstype ssc --device-type tape -b "$file" || return 1
	if [ -n "$params" ]; then
		tgtadm_ --mode logicalunit --op update --tid "$tid" --lun 1 \
			--params "$params" || return 1
	fi
	tgtadm_ --mode target --op bind --tid "$tid" -I ALL
}

tgt_stop() {
	local tid i
	[ -n "$TGT_PID" ] || return 0
	for tid in "${TGT_TIDS[@]}"; do
		tgtadm_ --mode target --op delete --force --tid "$tid" >/dev/null 2>&1
	done
	TGT_TIDS=()
	tgtadm -C "$TGT_CTL" --mode system --op delete >/dev/null 2>&1
	for i in $(seq 100); do
		kill -0 "$TGT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TGT_PID" 2>/dev/null
	wait "$TGT_PID" 2>/dev/null
	TGT_PID=
}

# ---- the frame of the tape scenarios -------------------------------------
QEMU_PID=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
note() {
	echo "# $*"
}

tape_cleanup() {
	[ -n "$QEMU_PID" ] && kill -KILL "$QEMU_PID" 2>/dev/null
	tgt_stop
	if [ $failed = 0 ]; then rm -rf "$W"; else echo "work dir kept: $W" >&2; fi
}

tape_begin() {
	MKIMAGE=$build/zfd-mkimage
	KVER=${ZFD_KVER:-$(ls /lib/modules | sort -V | tail -n 1)}
	KERNEL=/boot/vmlinuz-$KVER
	MODDIR=/lib/modules/$KVER
	W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	failed=1
	trap tape_cleanup EXIT
	trap 'exit 1' INT TERM
}

tape_need() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || fail "$f missing (build first; scripts/install-deps test)"
	done
}

modules_for() {
	local m dep line seen=" "
	add() {
		local path=$1 d
		case "$seen" in *" $path "*) return ;; esac
		line=$(grep -E "^(kernel/)?[^:]*/?${path##*/}:" "$MODDIR/modules.dep" | head -n 1)
		for d in $(echo "${line#*:}" | tr ' ' '\n' | tac); do
			add "$d"
		done
		case "$seen" in *" $path "*) return ;; esac
		seen="$seen$path "
		echo "$path"
	}
	for m in "$@"; do
		dep=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n 1)
		[ -n "$dep" ] || fail "module $m not in $MODDIR/modules.dep"
		add "${dep%%:*}"
	done
}

tape_root_daemon() {
	mkdir -p "$1/lib/zfcpdump/sinks"
	cp -L "$build/zfcpdump" "$1/bin/zfcpdump"
	cp -L "$build/sinks/tape.so" "$1/lib/zfcpdump/sinks/tape.so"
	cp -L "$build/zfcpdump-get" "$1/bin/zfcpdump-get"
}

tape_root_finish() {
	local r=$1 b lib m
	shift
	# the dynamic loader and the shared libraries, as ldd resolves them
	for lib in $(for b in "$@"; do ldd "$b"; done | grep -oE '/[^ ]+' | sort -u); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
	: >"$r/modules.order"
	for m in $(modules_for virtio_pci virtio_blk virtio_scsi sg st); do
		cp "$MODDIR/$m" "$r/lib/modules/"
		basename "$m" >>"$r/modules.order"
	done
}

tape_init_head() {
	local nodes=$1 n=$2 fs
	shift 2
	cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
INIT
	for fs in "$@"; do
		echo "mount -t ${fs%%:*} ${fs%%:*} ${fs#*:}"
	done
	cat <<INIT
for m in \$(cat /modules.order); do insmod /lib/modules/\$m || echo "insmod \$m failed"; done
# wait (bounded) for the device nodes
i=0
while [ \$i -lt 300 ]; do
	n=\$(ls $nodes 2>/dev/null | wc -l)
	[ "\$n" -ge $n ] && break
	sleep 0.1; i=\$((i + 1))
done
INIT
	cat <<'INIT'
ls /dev/sg* /dev/nst[0-9] /dev/vd?
# devices by SCSI target id
sg_of() { for s in /sys/class/scsi_generic/sg*; do
	case $(readlink $s/device) in *:0:$1:0) echo /dev/${s##*/};; esac; done; }
nst_of() { for s in /sys/class/scsi_tape/nst[0-9]; do
	case $(readlink $s/device) in *:0:$1:0) echo /dev/${s##*/};; esac; done; }
run() {
	name=$1; shift
	echo "ZFD-BEGIN $name"
	"$@" 2>&1
	echo "ZFD-RC $name $?"
}
INIT
}

tape_initrd() {
	printf '%s\n' 'echo ZFD-DONE' sync 'reboot -f' >>"$1/init"
	chmod +x "$1/init"
	(cd "$1" && find . | cpio -o -H newc --quiet) >"$W/initrd.cpio" ||
		fail "cpio failed"
}

tape_tgt_start() {
	tgt_start "$W" || fail "tgtd did not start"
	note "tgtd pid $TGT_PID on 127.0.0.1:$TGT_PORT, control $TGT_CTL"
	IQN=iqn.2026-11.org.zfcpdump.test
}

tape_dev() {	# tid scsi-id
	echo "-drive driver=iscsi,transport=tcp,portal=127.0.0.1:$TGT_PORT,target=$IQN:$3,lun=1,if=none,id=t$1"
	echo "-device scsi-generic,drive=t$1,bus=scsi0.0,channel=0,scsi-id=$2,lun=0"
}

tape_boot() {
	local timeout=$1 start
	shift
	note "booting the guest (TCG)"
	start=$(date +%s)
	qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nodefaults -display none \
		-no-reboot -kernel "$KERNEL" -initrd "$W/initrd.cpio" \
		-append "console=ttyS0 panic=-1 quiet" \
		-serial "file:$W/console.log" \
		"$@" >"$W/qemu.log" 2>&1 &
	QEMU_PID=$!
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ $(($(date +%s) - start)) -gt "$timeout" ]; then
			kill -KILL "$QEMU_PID"
			fail "guest did not finish within $timeout s (console: $W/console.log)"
		fi
		sleep 1
	done
	wait "$QEMU_PID"
	QEMU_PID=
	note "guest ran $(($(date +%s) - start)) s"
	tgt_stop
	C=$W/console.log
	tr -d '\r' <"$C" >"$C.txt"
	grep -q ZFD-DONE "$C.txt" || { cat "$C.txt" "$W/qemu.log" >&2; fail "guest did not finish its script"; }
}

section() {
	sed -n "/^ZFD-BEGIN $1\$/,/^ZFD-RC $1 /p" "$C.txt" | sed '1d;$d'
}
rc_of() {
	sed -n "s/^ZFD-RC $1 //p" "$C.txt"
}
expect_in() {	# step regex
	section "$1" | grep -Eq -- "$2" || { section "$1" >&2; fail "$1: output lacks /$2/"; }
}

records() {
	tgtimg --op=show --device-type=tape --file="$1" | awk '
		/Uncompressed data/ { for (i = 1; i <= NF; i++) if ($i == "sz") print "data " $(i + 1); next }
		/Filemark/ { print "filemark" }'
}
