#!/bin/bash
# zfcpdump-get copy and verify show progress on stderr for dumps of 256 MiB
# or more: plain lines when stderr is no terminal, a bar redrawn with \r on
# one (under script(1)), nothing with -q or for a small dump; stdout stays
# byte-identical. ZFD_PROGRESS_INTERVAL=0 draws at every buffer.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/integration/get_common.sh"

LINE='^  [0-9]+ MiB of 264 MiB \([0-9.]+%\), [0-9]+ MiB/s, ETA [0-9]+:[0-9]{2}$'

# no_progress: the last expect_rc's stderr is empty.
no_progress() {
	[ ! -s "$T/.stderr" ] || { cat "$T/.stderr" >&2; fail "progress shown: $*"; }
}

# plain_progress: the last expect_rc's stderr is two or more progress
# lines, every one of them in the daemon's format, ascending.
plain_progress() {
	[ "$(wc -l <"$T/.stderr")" -ge 2 ] || { cat "$T/.stderr" >&2; fail "no progress lines: $*"; }
	grep -Evq -- "$LINE" "$T/.stderr" &&
		{ cat "$T/.stderr" >&2; fail "a line not in the progress format: $*"; }
	sed -E 's/^ +([0-9]+) MiB.*/\1/' "$T/.stderr" | sort -nc ||
		fail "progress goes backwards: $*"
}

note "a dump below 256 MiB shows no progress"
make_image
d=$T/dump
$MKDUMP -i "$T/img" -o "$d" -l file || fail "get-mkdump"
export ZFD_PROGRESS_INTERVAL=0
expect_rc 0 $GET verify "$d"
no_progress "small verify"
expect_rc 0 $GET copy "$d" "$T/copy"
no_progress "small copy"

note "264 MiB dump, stderr no terminal: plain lines"
rm -f "$T/img" "$T/expect" "$T/copy" "$T/copy.info"
$MKIMAGE -o "$T/img" -s 264M --seed 7 --hole 8M:248M --cpus 2 ||
	fail "zfd-mkimage failed"
big=$T/big
$MKDUMP -i "$T/img" -o "$big" -l file || fail "get-mkdump"
rm -f "$T/img"
expect_rc 0 $GET verify "$big"
expect_out 'complete, 276824064 memory bytes, digest ok'
plain_progress "verify"
expect_rc 0 $GET copy "$big" "$T/copy"
plain_progress "copy"
cmp "$T/copy" "$big" || fail "copy with progress differs"
expect_rc 0 $GET copy -f elf "$big" "$T/copy.elf"
plain_progress "copy -f elf"
rm -f "$T/copy.elf"
expect_rc 0 $GET verify --json "$big"
plain_progress "verify --json"
json_ok "$T/.stdout"
[ "$(json_get "$T/.stdout" 'd["verdict"]')" = ok ] || fail "json verdict"

note "-q: no progress"
expect_rc 0 $GET verify -q "$big"
no_progress "verify -q"
[ ! -s "$T/.stdout" ] || fail "verify -q printed on stdout"
rm -f "$T/copy" "$T/copy.info"
expect_rc 0 $GET copy -q "$big" "$T/copy"
no_progress "copy -q"
cmp "$T/copy" "$big" || fail "copy -q differs"
rm -f "$T/copy" "$T/copy.info"
expect_rc 0 $GET copy --quiet "$big" -
no_progress "copy --quiet"
cmp "$T/.stdout" "$big" || fail "copy --quiet to stdout differs"
mv "$T/.stdout" "$T/quiet.out"

note "copy to stdout: the same bytes with progress"
expect_rc 0 $GET copy "$big" -
plain_progress "copy to stdout"
cmp "$T/.stdout" "$T/quiet.out" || fail "stdout differs with progress"
rm -f "$T/quiet.out" "$T/.stdout"

note "a bad ZFD_PROGRESS_INTERVAL: one warning, the default interval"
ZFD_PROGRESS_INTERVAL=soon expect_rc 0 $GET verify "$big"
[ "$(cat "$T/.stderr")" = "zfcpdump-get: warning: ZFD_PROGRESS_INTERVAL 'soon' is not a number of seconds (0 to 86400): using 5" ] ||
	{ cat "$T/.stderr" >&2; fail "bad interval warning"; }

note "stderr a terminal: one bar redrawn with \\r, erased at the end"
# script(1) runs the command on a pseudo-terminal; its output is the
# terminal's (stdout and stderr), with \n as \r\n.
tty_run() {
	script -qfec "$*" /dev/null </dev/null >"$T/tty" 2>&1 ||
		{ cat -v "$T/tty" >&2; fail "'$*' failed on a terminal"; }
}
# check_bar: $T/tty is bars only, each begun with \r, the last erased.
check_bar() {
	local n last
	tr '\r' '\n' <"$T/tty" >"$T/tty.lines"
	n=$(grep -Ec '^\[[#.]{24}\]  [0-9]+ MiB of 264 MiB \([0-9.]+%\), [0-9]+ MiB/s, ETA [0-9]+:[0-9]{2} *$' "$T/tty.lines")
	[ "$n" -ge 2 ] || { cat -v "$T/tty" >&2; fail "no bar with a percentage: $*"; }
	# nothing but bars and the erasing blanks: no newline at all
	[ "$(tr -cd '\n' <"$T/tty" | wc -c)" = 0 ] ||
		{ cat -v "$T/tty" >&2; fail "the bar is not redrawn in place: $*"; }
	# the end: \r, blanks as wide as the widest bar, \r
	[ "$(tail -c 1 "$T/tty" | od -An -c | tr -d ' ')" = '\r' ] ||
		{ cat -v "$T/tty" >&2; fail "the bar is not erased: $*"; }
	last=$(tail -n 1 "$T/tty.lines")
	[ -z "${last// }" ] && [ ${#last} -ge "$(wc -L <"$T/tty.lines")" ] ||
		{ cat -v "$T/tty" >&2; fail "the bar is not erased: $*"; }
}
tty_run "$GET copy '$big' '$T/copy'"
check_bar "copy"
cmp "$T/copy" "$big" || fail "copy on a terminal differs"
rm -f "$T/copy" "$T/copy.info"
tty_run "$GET verify --json '$big' >'$T/json'"
check_bar "verify --json"
json_ok "$T/json"
tty_run "$GET copy -q '$big' '$T/copy'"
[ ! -s "$T/tty" ] || { cat -v "$T/tty" >&2; fail "copy -q drew on the terminal"; }
exit 0
