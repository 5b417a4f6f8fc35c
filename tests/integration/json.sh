#!/bin/bash
# Machine-readable results: zfcpdump --json FILE (the run's summary, per
# sink the manifest's fields) and zfcpdump-get verify --json (the verdict),
# parsed with jq and compared with the manifests and the exit codes.
. "$abs_top_srcdir/tests/integration/core_common.sh"

jqf() {		# jqf FILE FILTER: one raw value
	jq -r "$2" "$1" || fail "$1: not JSON for jq ($2)"
}

note "policy first: an incomplete sink, then a complete one"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/a,fail_at=$((8 << 20))" \
	-o "test:path=$T/b" --json "$T/s.json"
[ ! -e "$T/s.json.tmp" ] || fail "temporary file left"
[ "$(jqf "$T/s.json" '.exit_code, .result, .error, .policy, .mem_size, (.sinks | length)' | tr '\n' ' ')" = \
	"0 complete null first $MEM 2 " ] || { cat "$T/s.json"; fail "run fields"; }
[ "$(jqf "$T/s.json" .source)" = "file:$T/img" ] || fail "source"
jqf "$T/s.json" '.version' | grep -qx '[0-9][0-9.]*' || fail "version"
for k in started finished; do
	jqf "$T/s.json" ".$k" | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' ||
		fail "$k is not ISO 8601 UTC"
done
# Per sink: the summary's fields, and the manifest's as the sink wrote them.
for i in 0 1; do
	out=$([ $i = 0 ] && echo "$T/a" || echo "$T/b")
	[ "$(jqf "$T/s.json" ".sinks[$i].sink")" = "test" ] || fail "sink $i: name"
	[ "$(jqf "$T/s.json" ".sinks[$i].type")" = "test" ] || fail "sink $i: type"
	for k in status format dumped_bytes zero_pages hole_bytes lost_bytes mem_size \
		started finished digest seconds; do
		j=$(jqf "$T/s.json" ".sinks[$i].$k")
		m=$(manifest_get "$out.info" "$k")
		[ "$k" = seconds ] && m=$(printf '%.3f' "$m") && j=$(printf '%.3f' "$j")
		[ "$j" = "$m" ] || fail "sink $i: $k is '$j' in the JSON, '$m' in the manifest"
	done
	[ "$(jqf "$T/s.json" ".sinks[$i].bytes")" = "$(manifest_get "$out.info" dumped_bytes)" ] ||
		fail "sink $i: bytes"
done
[ "$(jqf "$T/s.json" '.sinks[0].status')" = incomplete ] || fail "sink 0 not incomplete"
[ "$(jqf "$T/s.json" '.sinks[0].reason')" = "$(manifest_get "$T/a.info" reason)" ] ||
	fail "sink 0: reason differs from the manifest's"
[ "$(jqf "$T/s.json" '.sinks[0].reason')" != null ] || fail "sink 0: no reason"
[ "$(jqf "$T/s.json" '.sinks[1].status, .sinks[1].reason, .sinks[1].bytes' | tr '\n' ' ')" = \
	"complete null $MEM " ] || fail "sink 1"
check_dump "$T/b" "$T/img" $MEM

note "a sink that fails before writing: failed, with a reason"
expect_rc 1 $ZFD -s "file:$T/img" -o "test:path=$T/c,fail=prepare" --json "$T/f.json"
[ "$(jqf "$T/f.json" '.exit_code, .result, .sinks[0].status, .sinks[0].bytes, .sinks[0].digest' | tr '\n' ' ')" = \
	"1 failed failed 0 null " ] || { cat "$T/f.json"; fail "failed sink"; }
[ "$(jqf "$T/f.json" '.sinks[0].reason')" != null ] || fail "failed sink without a reason"

note "no source: the run's error, the sinks not used"
expect_rc 1 $ZFD -s "file:$T/nonexistent" -o "test:path=$T/d" --json "$T/e.json"
[ "$(jqf "$T/e.json" '.exit_code, .result, .error, .source, .mem_size, .started, .sinks[0].status, .sinks[0].bytes' | tr '\n' '|')" = \
	"1|failed|cannot open the source|null|null|null|not used|0|" ] || { cat "$T/e.json"; fail "no source"; }

note "config error: exit code 2 in the JSON too"
printf 'sinks = ( { type = "test"; path = "%s"; colour = 1; } );\n' "$T/x" >"$T/bad.conf"
expect_rc 2 $ZFD -c "$T/bad.conf" -s "file:$T/img" --json "$T/c.json"
[ "$(jqf "$T/c.json" '.exit_code, .result, .error' | tr '\n' '|')" = \
	"2|failed|usage or config error|" ] || { cat "$T/c.json"; fail "config error"; }

note "an unwritable FILE is one error line; the dump's exit code stands"
expect_rc 0 $ZFD -s "file:$T/img" -o "test:path=$T/g" --json "$T/nodir/s.json"
expect_err "^zfcpdump: error: --json $T/nodir/s.json: cannot write: No such file or directory$"

note "a dry run writes no JSON"
expect_rc 0 $ZFD -n -s "file:$T/img" -o "test:path=$T/h" --json "$T/n.json"
[ ! -e "$T/n.json" ] || fail "JSON written for a dry run"

note "zfcpdump-get verify --json: ok"
expect_rc 0 $ZFCPDUMP_GET verify "$T/b" --json
jq -e . "$T/.stdout" >/dev/null || { cat "$T/.stdout"; fail "verify --json: stdout is not one JSON value"; }
V=$T/.stdout
[ "$(jqf "$V" '.dump, .verdict, .exit_code, .status, .format, .mem_size, .verified_bytes, .manifest_status, .digest_ok, .reason' | tr '\n' '|')" = \
	"$T/b|ok|0|complete|s390|$MEM|$MEM|complete|true|null|" ] || { cat "$V"; fail "verify ok"; }
[ "$(jqf "$V" .digest)" = "$(manifest_get "$T/b.info" digest)" ] || fail "verify: digest"
[ "$(jqf "$V" .manifest_digest)" = "$(manifest_get "$T/b.info" digest)" ] || fail "verify: manifest_digest"

note "verify --json: incomplete (digest of the dumped part ok), exit 1"
expect_rc 1 $ZFCPDUMP_GET verify --json "$T/a"
[ "$(jqf "$T/.stdout" '.verdict, .exit_code, .status, .manifest_status, .digest_ok' | tr '\n' '|')" = \
	"failed|1|incomplete|incomplete|true|" ] || { cat "$T/.stdout"; fail "verify incomplete"; }
grep -q "digest of the [0-9]* dumped bytes ok" <<<"$(jqf "$T/.stdout" .reason)" ||
	fail "verify incomplete: reason"

note "verify --json: a changed byte is a digest mismatch"
cp "$T/b" "$T/b2" && cp "$T/b.info" "$T/b2.info"
printf '\377' | dd of="$T/b2" bs=1 seek=$((4096 + 12345)) conv=notrunc status=none
expect_rc 1 $ZFCPDUMP_GET verify --json "$T/b2"
[ "$(jqf "$T/.stdout" '.verdict, .digest_ok' | tr '\n' '|')" = "failed|false|" ] ||
	{ cat "$T/.stdout"; fail "verify mismatch"; }
[ "$(jqf "$T/.stdout" .reason)" = "$(sed 's/^zfcpdump-get: //' "$T/.stderr")" ] ||
	fail "verify mismatch: reason is not the error line"

note "verify --json: no such dump"
expect_rc 1 $ZFCPDUMP_GET verify --json "$T/nonexistent"
[ "$(jqf "$T/.stdout" '.verdict, .status, .digest, .digest_ok' | tr '\n' '|')" = "failed|null|null|null|" ] ||
	{ cat "$T/.stdout"; fail "verify missing"; }
grep -q "cannot open" <<<"$(jqf "$T/.stdout" .reason)" || fail "verify missing: reason"
exit 0
