#!/usr/bin/env bash
# bench/scan.sh — throughput and memory of `mailtrip scan` against ripgrep
# and a Python standard-library parser, on a generated mbox and Maildir.
#
#   bash bench/scan.sh                 # SIZE=1GiB
#   SIZE=20MiB bash bench/scan.sh      # what CI runs
#
# Environment:
#   SIZE       size of the generated mbox and Maildir (default 1GiB; KiB/MiB/GiB)
#   SEED       generator seed (default 1)
#   BENCH_DIR  where the generated stores are kept and reused
#              (default ${TMPDIR:-/tmp}/mailtrip-bench)
#   RUNS       timed runs per tool; the fastest is reported (default 3, CI 1):
#              the machines this runs on are shared, and the minimum is the
#              run least disturbed by other work
#   CI         when set (CI=1, CI=true), a missing tool, a failed step or a
#              ground-truth mismatch is an error instead of a skipped row
#
# See bench/README.md for what each number means.
set -euo pipefail

SIZE=${SIZE:-1GiB}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/mailtrip-bench}
CI=${CI:-}
HEADER=X-MS-Exchange-Organization-AutoForwarded

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailtrip-scan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ci_mode() { [[ -n "$CI" && "$CI" != 0 && "$CI" != false ]]; }
if ci_mode; then RUNS=${RUNS:-1}; else RUNS=${RUNS:-3}; fi
say() { printf '%s\n' "$*" >&2; }
die() { say "scan.sh: $*"; exit 1; }
# missing TOOL HOW: a tool is not installed; fatal in CI, a skipped row otherwise.
missing() {
	if ci_mode; then die "$1 not found (CI): install it with: $2"; fi
	say "scan.sh: $1 not found, its row is skipped; install it with: $2"
}

# --- tools -------------------------------------------------------------------
have_rg=1 have_py=1 have_mt=1
command -v go >/dev/null || die "go not found"
command -v rg >/dev/null || { have_rg=0; missing rg "apt-get install -y ripgrep"; }
# The real interpreter, not a version manager's shim (pyenv's adds ~0.4 s).
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || { have_py=0; missing python3 "apt-get install -y python3"; }

say "scan.sh: building genmail and mailtrip"
(cd "$root" && go build -o "$tmp/genmail" ./bench/genmail)
if ! (cd "$root" && go build -o "$tmp/mailtrip" ./cmd/mailtrip) 2>"$tmp/build.err"; then
	cat "$tmp/build.err" >&2
	ci_mode && die "go build ./cmd/mailtrip failed"
	say "scan.sh: mailtrip does not build yet; its rows are skipped"
	have_mt=0
fi

# --- data --------------------------------------------------------------------
mkdir -p "$BENCH_DIR"
# The generator version is part of the name: a store made by an older
# generator is not reused.
gv=$("$tmp/genmail" -version)
mbox="$BENCH_DIR/bench-$SIZE-s$SEED-v$gv.mbox"
maildir="$BENCH_DIR/bench-$SIZE-s$SEED-v$gv.maildir"
# A store is reused when its labels file exists (written last by genmail).
if [[ ! -s "$mbox.labels.jsonl" ]]; then
	say "scan.sh: generating $mbox"
	"$tmp/genmail" -size "$SIZE" -seed "$SEED" -format mbox -out "$mbox"
fi
if [[ ! -s "$maildir.labels.jsonl" ]]; then
	say "scan.sh: generating $maildir"
	rm -rf "$maildir"
	"$tmp/genmail" -size "$SIZE" -seed "$SEED" -format maildir -out "$maildir"
fi
mbox_bytes=$(stat -c %s "$mbox")
mbox_msgs=$(wc -l <"$mbox.labels.jsonl")
maildir_bytes=$(find "$maildir" -type f \( -path '*/cur/*' -o -path '*/new/*' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}')
maildir_msgs=$(wc -l <"$maildir.labels.jsonl")

say "scan.sh: warming the page cache (cat > /dev/null) so every tool reads from memory"
cat "$mbox" >/dev/null
find "$maildir" -type f -print0 | xargs -0 cat >/dev/null

# --- measuring -----------------------------------------------------------------
# measure NAME CMD...: runs CMD with stdout to $tmp/NAME.out, samples
# /proc/PID/status every ~20 ms, and sets WALL (seconds), PEAK_ANON and
# PEAK_RSS (KiB) and RC. Sampling uses bash builtins only (read -t on an
# idle pipe as the sleep) so the sampler costs the measured process little.
exec {idle}<> <(:)
measure1() {
	local name=$1
	shift
	local t0 t1 pid k v _ seen anon=0 rss=0
	t0=$EPOCHREALTIME
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	while [[ -r /proc/$pid/status ]]; do
		seen=0
		while read -r k v _; do
			case $k in
			RssAnon:) ((v > anon)) && anon=$v ;;
			VmRSS:) seen=1 && ((v > rss)) && rss=$v ;;
			esac
		done <"/proc/$pid/status" 2>/dev/null || true
		# A process that has exited (a zombie) has no VmRSS line.
		((seen)) || break
		read -r -t 0.02 -u "$idle" _ || true
	done
	RC=0
	wait "$pid" || RC=$?
	t1=$EPOCHREALTIME
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	PEAK_ANON=$anon PEAK_RSS=$rss
}

# measure NAME CMD...: measure1 RUNS times; WALL is the fastest run, the
# peaks the highest, RC the last non-zero exit code (0 if none).
measure() {
	local best="" anon=0 rss=0 rc=0 i
	for ((i = 0; i < RUNS; i++)); do
		measure1 "$@"
		((RC == 0)) || rc=$RC
		if [[ -z "$best" ]] || awk -v a="$WALL" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$WALL; fi
		((PEAK_ANON > anon)) && anon=$PEAK_ANON
		((PEAK_RSS > rss)) && rss=$PEAK_RSS
	done
	WALL=$best PEAK_ANON=$anon PEAK_RSS=$rss RC=$rc
}

rows=()
# row NAME BYTES MESSAGES: appends a formatted table row from the last measure.
row() {
	rows+=("$(awk -v n="$1" -v b="$2" -v m="$3" -v w="$WALL" -v a="$PEAK_ANON" -v r="$PEAK_RSS" 'BEGIN {
		if (w <= 0) w = 0.001
		mps = (m == "") ? "-" : sprintf("%.0f", m / w)
		printf "%-24s %9.2f %10.1f %12s %14.1f %12.1f", n, w, b / w / 1048576, mps, a / 1024, r / 1024
	}')")
}

mt_mbps="" rg_mbps="" py_mbps="" pyt_mbps="" mt_anon=""
if ((have_mt)); then
	say "scan.sh: mailtrip scan (mbox)"
	measure mt-mbox "$tmp/mailtrip" scan --format jsonl --progress never --out /dev/null "$mbox"
	((RC <= 1)) || { cat "$tmp/mt-mbox.err" >&2; die "mailtrip scan exited $RC"; }
	row "mailtrip scan (mbox)" "$mbox_bytes" "$mbox_msgs"
	mt_mbps=$(awk -v b="$mbox_bytes" -v w="$WALL" 'BEGIN {printf "%.1f", b / w / 1048576}')
	mt_anon=$PEAK_ANON

	say "scan.sh: mailtrip scan (Maildir)"
	measure mt-maildir "$tmp/mailtrip" scan --format jsonl --progress never --out /dev/null "$maildir"
	((RC <= 1)) || { cat "$tmp/mt-maildir.err" >&2; die "mailtrip scan exited $RC"; }
	row "mailtrip scan (Maildir)" "$maildir_bytes" "$maildir_msgs"
fi
if ((have_rg)); then
	say "scan.sh: rg -c $HEADER"
	measure rg rg -c "$HEADER" "$mbox"
	((RC <= 1)) || die "rg exited $RC"
	row "rg -c (mbox)" "$mbox_bytes" ""
	rg_mbps=$(awk -v b="$mbox_bytes" -v w="$WALL" 'BEGIN {printf "%.1f", b / w / 1048576}')
fi
if ((have_py)); then
	say "scan.sh: $python bench/pybaseline.py --mode factory (idiomatic)"
	measure py "$python" "$root/bench/pybaseline.py" --mode factory "$mbox" "$HEADER"
	((RC == 0)) || { cat "$tmp/py.err" >&2; die "pybaseline.py exited $RC"; }
	row "python3 idiomatic (mbox)" "$mbox_bytes" "$mbox_msgs"
	py_mbps=$(awk -v b="$mbox_bytes" -v w="$WALL" 'BEGIN {printf "%.1f", b / w / 1048576}')
	say "scan.sh: $python bench/pybaseline.py --mode header-lines (tuned)"
	measure pyt "$python" "$root/bench/pybaseline.py" --mode header-lines "$mbox" "$HEADER"
	((RC == 0)) || { cat "$tmp/pyt.err" >&2; die "pybaseline.py exited $RC"; }
	row "python3 tuned (mbox)" "$mbox_bytes" "$mbox_msgs"
	pyt_mbps=$(awk -v b="$mbox_bytes" -v w="$WALL" 'BEGIN {printf "%.1f", b / w / 1048576}')
fi

# --- report --------------------------------------------------------------------
echo
echo "mailtrip bench/scan.sh — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sm)"
echo "mbox:    $mbox ($mbox_bytes bytes, $mbox_msgs messages)"
echo "Maildir: $maildir ($maildir_bytes bytes, $maildir_msgs messages)"
echo "page cache warmed before every run (cat > /dev/null); RssAnon/VmRSS sampled every ~20 ms; fastest of $RUNS runs"
echo
printf '%-24s %9s %10s %12s %14s %12s\n' tool "wall s" "MiB/s" "messages/s" "RssAnon MiB" "VmRSS MiB"
printf '%s\n' "${rows[@]}"
echo
echo "mailtrip scan = mailtrip scan --format jsonl --progress never --out /dev/null PATH"
echo "rg -c         = rg -c $HEADER MBOX (lines, not messages: no messages/s)"
echo "python3 idiomatic = bench/pybaseline.py --mode factory MBOX (mailbox.mbox(factory=BytesHeaderParser().parse))"
echo "python3 tuned     = bench/pybaseline.py --mode header-lines MBOX (reads only each header block, then BytesHeaderParser)"
echo
[[ -s "$tmp/rg.out" ]] && echo "rg -c matching lines: $(cat "$tmp/rg.out")"
[[ -s "$tmp/py.out" ]] && echo "python: $(cat "$tmp/py.out")"
[[ -s "$tmp/pyt.out" ]] && echo "python: $(cat "$tmp/pyt.out")"
if ((have_mt)); then
	# Untimed: the per-message alerts against the generator's labels.
	"$tmp/mailtrip" scan --format jsonl --progress never --out "$tmp/alerts.jsonl" "$mbox" 2>/dev/null || true
	grep -E '"id":"mailtrip-header-(auto-forward|redirect)"' "$tmp/alerts.jsonl" |
		grep -o '"message_id":"[^"]*"' | sort -u >"$tmp/alerted" || true
	grep -E '"class":"(auto-forward|redirect)"' "$mbox.labels.jsonl" |
		grep -o '"message_id":"[^"]*"' | sort -u >"$tmp/labelled" || true
	missed=$(comm -23 "$tmp/labelled" "$tmp/alerted" | wc -l)
	extra=$(comm -13 "$tmp/labelled" "$tmp/alerted" | wc -l)
	echo "ground truth (mbox): $(wc -l <"$tmp/labelled") labelled auto-forward/redirect," \
		"$(wc -l <"$tmp/alerted") per-message alerts, $missed missed, $extra not labelled"
	if ((missed + extra > 0)) && ci_mode; then
		die "the scan's per-message alerts differ from the generator's labels"
	fi
fi
echo

# verdict GOAL MET?: prints one goal line.
verdict() { printf '%-52s %s\n' "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
if [[ -n "$mt_mbps" && -n "$rg_mbps" ]]; then
	r=$(ratio "$mt_mbps" "$rg_mbps")
	verdict "mailtrip/rg throughput = ${r}x (goal >= 0.5x)" "$(awk -v r="$r" 'BEGIN {print (r >= 0.5) ? "met" : "NOT MET"}')"
else
	verdict "mailtrip/rg throughput (goal >= 0.5x)" "not measured"
fi
if [[ -n "$mt_mbps" && -n "$py_mbps" ]]; then
	r=$(ratio "$mt_mbps" "$py_mbps")
	verdict "mailtrip/python idiomatic = ${r}x (goal >= 50x)" "$(awk -v r="$r" 'BEGIN {print (r >= 50) ? "met" : "NOT MET"}')"
	r=$(ratio "$mt_mbps" "$pyt_mbps")
	verdict "mailtrip/python tuned = ${r}x (for reference)" ""
else
	verdict "mailtrip/python throughput (goal >= 50x)" "not measured"
fi
if [[ -n "$mt_anon" ]]; then
	mib=$(awk -v a="$mt_anon" 'BEGIN {printf "%.1f", a / 1024}')
	v=$(awk -v a="$mt_anon" 'BEGIN {print (a <= 65536) ? "met" : "NOT MET"}')
	if ((mbox_bytes < 2 * 1024 * 1024 * 1024)); then
		v="$v (goal is for a 2 GiB mbox; this one is $SIZE)"
	fi
	verdict "mailtrip peak RssAnon = $mib MiB (goal <= 64 MiB)" "$v"
else
	verdict "mailtrip peak RssAnon (goal <= 64 MiB)" "not measured"
fi
