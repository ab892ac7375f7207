#!/usr/bin/env bash
# Measures records/s of logfmt/evtx (one core and all cores) against libevtx's
# evtxexport and python-evtx's evtx_dump.py on the same large EVTX file, built
# from real chunks of ../shared/testdata (see main.go), and prints the ratios
# against the goals in bench/README.md ("EVTX reader").
#
#   bash bench/evtx/run.sh                 # 256 MiB
#   SIZE=32MiB bash bench/evtx/run.sh      # quicker
#   PY_CHUNKS=40 ...                       # python-evtx subset size in chunks
#
# Rates are records per wall-clock second and per CPU second (user+sys): on a
# shared machine the CPU figure is the fairer single-threaded comparison.
# Every logfmt/evtx measurement is repeated RUNS times (default 3) and the
# minimum and median are printed; the goals use the median.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-256MiB}
PY_CHUNKS=${PY_CHUNKS:-40}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/mailtrip-bench}
SRC=${SRC:-../shared/testdata}
mkdir -p "$BENCH_DIR"
bin="$BENCH_DIR/evtxbench"
go build -o "$bin" ./bench/evtx
big="$BENCH_DIR/evtx-$SIZE.evtx"
small="$BENCH_DIR/evtx-${PY_CHUNKS}chunks.evtx"
[ -f "$big" ] || "$bin" build -src "$SRC" -size "$SIZE" -out "$big"
[ -f "$small" ] || "$bin" build -src "$SRC" -chunks "$PY_CHUNKS" -out "$small"
cat "$big" > /dev/null # warm the page cache

TIMEFORMAT='%R %U %S'
# measure CMD...: prints "wall user sys" of CMD (its stdout discarded).
measure() { { time "$@" > /dev/null 2> /dev/null; } 2>&1 | tail -1; }

missing=""
command -v evtxexport > /dev/null || missing="$missing libevtx-utils"
command -v evtx_dump.py > /dev/null || missing="$missing python3-evtx"
if [ -n "$missing" ]; then
  msg="missing reference readers: apt-get install -y$missing"
  if [ -n "${CI:-}" ]; then echo "$msg" >&2; exit 1; fi
  echo "$msg (skipping them)" >&2
fi

records=$("$bin" read -workers 1 "$big" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
small_records=$("$bin" read -workers 1 "$small" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
cores=$(nproc)

declare -A WALL CPU
run() { # name records cmd...: one run
  local name=$1 n=$2; shift 2
  read -r wall user sys < <(measure "$@")
  WALL[$name]=$(python3 -c "print(round($n/$wall))")
  CPU[$name]=$(python3 -c "print(round($n/max($user+$sys,1e-9)))")
  printf '%-40s %10s records %8.2fs wall %8.2fs cpu %12s rec/s wall %12s rec/s cpu\n' \
    "$name" "$n" "$wall" "$(python3 -c "print($user+$sys)")" "${WALL[$name]}" "${CPU[$name]}"
}
runs() { # name records cmd...: RUNS runs, keeps the medians
  local name=$1 n=$2 walls="" cpus="" i; shift 2
  for i in $(seq "$RUNS"); do
    run "$name" "$n" "$@"
    walls="$walls ${WALL[$name]}"; cpus="$cpus ${CPU[$name]}"
  done
  local mw mc
  read -r mw mc < <(python3 -c "
import statistics as s; w=[int(x) for x in '$walls'.split()]; c=[int(x) for x in '$cpus'.split()]
print(round(s.median(w)), round(s.median(c)))")
  WALL[$name]=$mw; CPU[$name]=$mc
  printf '%-40s min %8s median %8s rec/s wall, min %8s median %8s rec/s cpu\n' "$name" \
    "$(python3 -c "print(min(int(x) for x in '$walls'.split()))")" "${WALL[$name]}" \
    "$(python3 -c "print(min(int(x) for x in '$cpus'.split()))")" "${CPU[$name]}"
}

x1="logfmt/evtx xml, 1 worker"
xn="logfmt/evtx xml, $cores workers"
f1="logfmt/evtx Fields, 1 worker"
fn="logfmt/evtx Fields, $cores workers"
echo "file: $big ($(du -h "$big" | cut -f1), $records records); $cores cores; $RUNS runs each"
runs "$x1" "$records" "$bin" read -workers 1 -mode xml "$big"
runs "$xn" "$records" "$bin" read -workers "$cores" -mode xml "$big"
runs "$f1" "$records" "$bin" read -workers 1 -mode fields "$big"
runs "$fn" "$records" "$bin" read -workers "$cores" -mode fields "$big"
if command -v evtxexport > /dev/null; then
  run "evtxexport" "$records" evtxexport "$big"
fi
if command -v evtx_dump.py > /dev/null; then
  run "evtx_dump.py ($small_records-record subset)" "$small_records" evtx_dump.py "$small"
fi

one=${CPU[$x1]}
goal() { # label value goal
  python3 -c "v=$2; g=$3; print('%-48s %10.1f  goal >= %-8s %s' % ('$1', v, g, 'met' if v >= g else 'NOT MET'))"
}
info() { # label value (no goal)
  python3 -c "print('%-48s %10.1f' % ('$1', $2))"
}
echo
if [ -n "${CPU[evtxexport]:-}" ]; then
  goal "xml, 1 worker vs evtxexport (x, cpu)" "$one/${CPU[evtxexport]}" 20
  goal "xml, 1 worker vs evtxexport (x, wall)" "${WALL[$x1]}/${WALL[evtxexport]}" 20
  info "Fields, 1 worker vs evtxexport (x, cpu)" "${CPU[$f1]}/${CPU[evtxexport]}"
fi
goal "xml records/s per thread (cpu)" "$one" 300000
info "Fields records/s per thread (cpu)" "${CPU[$f1]}"
goal "xml, all cores vs one (x, wall)" "${WALL[$xn]}/${WALL[$x1]}" 1
info "Fields, all cores vs one (x, wall)" "${WALL[$fn]}/${WALL[$f1]}"
for k in "${!CPU[@]}"; do
  case $k in evtx_dump.py*) echo "python-evtx rate measured on $small_records records ($PY_CHUNKS chunks) and extrapolated: $(python3 -c "print('%.0fx' % ($one/${CPU[$k]}))") slower than logfmt/evtx (cpu)";; esac
done
