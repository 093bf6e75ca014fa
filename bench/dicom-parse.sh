#!/usr/bin/env bash
# DICOM parsing benchmark: Pacs.Dicom against DCMTK's dcmdump and pydicom on the same 1,000 generated
# 512x512 CT files, in one run. See docs/benchmarks.md for what each number means.
#
#   bench/dicom-parse.sh
#
# Environment (all optional):
#   PACS_BENCH_DATA       cache folder of the generated files     (default /tmp/pacs-bench/ct1000)
#   PACS_BENCH_RUNS       timed runs per tool; the median counts   (default 9)
#   PACS_BENCH_INSTANCES  number of CT files to generate           (default 1000)
#   PACS_BENCH_PYTHON     a Python 3 with pydicom (and numpy)      (default /usr/bin/python3)
#   PACS_BENCH_GEN        the study generator                      (default <repo>/../shared/tools/gen-studies.py,
#                         or beside the main checkout when run from a git worktree)
#   PACS_BENCH_TIMEOUT    seconds allowed for one timed command     (default 300)
#
# Exit status: 0 when every tool ran (whether or not the bar was met), 1 when a tool failed, 2 when a
# prerequisite is missing. The bar is reported as BAR MET / BAR MISSED lines; a miss does not fail the
# script because a shared machine is noisy.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PACS_BENCH_DATA:-/tmp/pacs-bench/ct1000}
RUNS=${PACS_BENCH_RUNS:-9}
INSTANCES=${PACS_BENCH_INSTANCES:-1000}
PY=${PACS_BENCH_PYTHON:-/usr/bin/python3}
TIMEOUT=${PACS_BENCH_TIMEOUT:-300}

# shared/ sits beside the repository; from a git worktree elsewhere, beside the main checkout.
if [[ -n ${PACS_BENCH_GEN:-} ]]; then
    GEN=$PACS_BENCH_GEN
else
    GEN=$REPO/../shared/tools/gen-studies.py
    if [[ ! -f $GEN ]] && common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
        [[ -f $(dirname "$common")/../shared/tools/gen-studies.py ]] && GEN=$(dirname "$common")/../shared/tools/gen-studies.py
    fi
fi

# The bar (issue text): pacs dump at least as fast as dcmdump, header parsing at least 10x pydicom,
# under 10 KB allocated per CT header (taken strictly: 10,000 bytes).
BAR_DUMP_RATIO=1.0
BAR_PYDICOM_RATIO=10.0
BAR_ALLOC_BYTES=10000

say() { printf '%s\n' "$*" >&2; }
die() { say "dicom-parse.sh: $*"; exit 1; }

# ------------------------------------------------------------------ prerequisites

LOAD_AT_START=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')

missing=()
command -v dotnet >/dev/null 2>&1 || missing+=("dotnet (the .NET SDK of global.json, e.g. /usr/share/dotnet/dotnet on PATH)")
command -v dcmdump >/dev/null 2>&1 || missing+=("dcmdump (Debian: apt-get install dcmtk)")
if [[ ! -x $PY ]] && ! command -v "$PY" >/dev/null 2>&1; then
    missing+=("$PY (set PACS_BENCH_PYTHON to a Python 3 with pydicom)")
elif ! "$PY" -c 'import pydicom' >/dev/null 2>&1; then
    missing+=("pydicom for $PY (Debian: apt-get install python3-pydicom)")
fi
command -v timeout >/dev/null 2>&1 || missing+=("timeout (coreutils)")
if ((${#missing[@]} > 0)); then
    say "dicom-parse.sh: cannot run, missing:"
    for m in "${missing[@]}"; do say "  - $m"; done
    exit 2
fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "PACS_BENCH_RUNS must be a positive integer, not '$RUNS'"
[[ $INSTANCES =~ ^[1-9][0-9]*$ ]] || die "PACS_BENCH_INSTANCES must be a positive integer, not '$INSTANCES'"

# ------------------------------------------------------------------ data (generated once, then cached)

GEN_ARGS=(--patients 1 --studies-per-patient 1 --series-per-study 1 --instances-per-series "$INSTANCES"
    --rows 512 --cols 512 --modalities CT --transfer-syntax explicit-le --seed 1 --quiet)
STAMP="$DATA/.pacs-bench-args"

if [[ -f $STAMP && $(cat "$STAMP") == "${GEN_ARGS[*]}" ]]; then
    say "data: using the cached files in $DATA"
else
    if [[ -e $DATA && ! -f $STAMP ]]; then
        die "$DATA exists but was not made by this script (no $(basename "$STAMP")); remove it or set PACS_BENCH_DATA"
    fi
    [[ -f $GEN ]] || { say "dicom-parse.sh: cannot run, missing the generator $GEN (set PACS_BENCH_GEN)"; exit 2; }
    "$PY" -c 'import numpy' >/dev/null 2>&1 || say "data: numpy not found for $PY; generation will be slow (Debian: python3-numpy)"
    say "data: generating $INSTANCES CT files (512x512, Explicit VR LE) into $DATA ..."
    tmp="$DATA.partial.$$"
    rm -rf "$tmp"
    mkdir -p "$(dirname "$DATA")"
    "$PY" "$GEN" --out "$tmp" "${GEN_ARGS[@]}" || die "the generator failed"
    printf '%s' "${GEN_ARGS[*]}" >"$tmp/.pacs-bench-args"
    [[ -e $DATA ]] && rm -rf "$DATA"   # a stale cache of ours (checked above)
    mv "$tmp" "$DATA"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pacs-bench-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LIST="$WORK/files.txt"
find "$DATA" -type f -name '*.dcm' | LC_ALL=C sort >"$LIST"
mapfile -t FILES <"$LIST"
NFILES=${#FILES[@]}
((NFILES == INSTANCES)) || die "expected $INSTANCES files in $DATA, found $NFILES (remove the folder to regenerate)"
BYTES=$(xargs -d '\n' stat -c %s <"$LIST" | awk '{s += $1} END {printf "%d", s}')

# ------------------------------------------------------------------ build (Release)

say "build: Pacs.Dicom.Bench and the pacs CLI (Release) ..."
dotnet build "$REPO/bench/Pacs.Dicom.Bench" -c Release -v q -nologo >"$WORK/build-bench.log" 2>&1 ||
    { cat "$WORK/build-bench.log" >&2; die "building bench/Pacs.Dicom.Bench failed"; }
dotnet build "$REPO/tools/Pacs.Cli" -c Release -v q -nologo >"$WORK/build-cli.log" 2>&1 ||
    { cat "$WORK/build-cli.log" >&2; die "building tools/Pacs.Cli failed"; }
BENCH=$(ls -d "$REPO"/bench/Pacs.Dicom.Bench/bin/Release/*/Pacs.Dicom.Bench.dll 2>/dev/null | head -n 1)
PACS=$(ls -d "$REPO"/tools/Pacs.Cli/bin/Release/*/pacs.dll 2>/dev/null | head -n 1)
[[ -n $BENCH ]] || die "no Pacs.Dicom.Bench.dll under bench/Pacs.Dicom.Bench/bin/Release"
[[ -n $PACS ]] || die "no pacs.dll under tools/Pacs.Cli/bin/Release"
# The apphost (bin/.../pacs) is what a user runs; fall back to `dotnet pacs.dll` where it is absent.
PACS_CMD=("${PACS%.dll}")
[[ -x ${PACS_CMD[0]} ]] || PACS_CMD=(dotnet "$PACS")

# ------------------------------------------------------------------ measuring

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
minimum() { sort -g | head -n 1; }

# The whole-process tools, each over every file in one process, start-up included (that is what a user waits for).
# (a) DCMTK. Plain dcmdump loads every value, Pixel Data included; -M leaves long values unloaded (closest to what
#     pacs dump does); +sb 7fe0,0010 stops before Pixel Data.
# (b) pacs dump: Pixel Data is kept as a reference (offset, length), not read; --no-pixel stops before it.
# Each runs as: CMD_<name> followed by every file.
CMD_dcmdump=(dcmdump -q)
CMD_dcmdump_M=(dcmdump -q -M)
CMD_dcmdump_header=(dcmdump -q +sb 7fe0,0010)
CMD_pacs_dump=("${PACS_CMD[@]}" dump)
CMD_pacs_dump_header=("${PACS_CMD[@]}" dump --no-pixel)
PROCESS_TOOLS=(dcmdump dcmdump-M dcmdump-header pacs-dump pacs-dump-header)

# One untimed warm-up run of each, then RUNS rounds in which every tool runs once: interleaving keeps a burst of
# load from a neighbour on a shared machine from landing on one tool only. Output goes to /dev/null.
run_tool() { # NAME: runs it once; on failure shows its errors and stops the script
    local -n cmd="CMD_${1//-/_}"
    if ! timeout "$TIMEOUT" "${cmd[@]}" "${FILES[@]}" >/dev/null 2>"$WORK/$1.err"; then
        head -n 20 "$WORK/$1.err" >&2
        die "$1 failed (exit status above); nothing was measured"
    fi
}
say "run: ${PROCESS_TOOLS[*]} (1 warm-up each, then $RUNS interleaved rounds) ..."
for name in "${PROCESS_TOOLS[@]}"; do
    run_tool "$name"
    : >"$WORK/$name.runs"
done
for ((round = 1; round <= RUNS; round++)); do
    for name in "${PROCESS_TOOLS[@]}"; do
        start=$EPOCHREALTIME
        run_tool "$name"
        end=$EPOCHREALTIME
        awk -v s="${start/,/.}" -v e="${end/,/.}" 'BEGIN {printf "%.6f\n", e - s}' >>"$WORK/$name.runs"
    done
done
for name in "${PROCESS_TOOLS[@]}"; do
    median <"$WORK/$name.runs" >"$WORK/$name.s"
    minimum <"$WORK/$name.runs" >"$WORK/$name.min"
done

# (c) pydicom: dcmread(stop_before_pixels=True) over every file in one process, timed inside Python
#     (interpreter start-up and import excluded, as for (d)).
# (d) Pacs.Dicom: DicomFile.Open with StopBeforeTag = PixelData over every file in one process, timed inside it,
#     allocated bytes counted per pass (GC.GetAllocatedBytesForCurrentThread).
# Each process first parses every file for at least a second untimed (page cache warm; the .NET JIT at its
# optimised tier, as in a long-running service), then times its passes. The two alternate over IN_ROUNDS
# processes each (RUNS passes in all, rounded up to a multiple of IN_ROUNDS), so that a neighbour's burst of load falls on both rather than one.
IN_ROUNDS=3
PER_ROUND=$(((RUNS + IN_ROUNDS - 1) / IN_ROUNDS))
cat >"$WORK/pydicom-parse.py" <<'PYEOF'
import sys, time
import pydicom

files = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
runs = int(sys.argv[2])

def parse_all():
    elements = 0
    for f in files:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        elements += len(ds) + len(ds.file_meta)
    return elements

warm_start, warm_passes = time.perf_counter(), 0
while True:
    elements = parse_all()
    warm_passes += 1
    if time.perf_counter() - warm_start >= 1.0:
        break
print("elements", elements, "warmup", warm_passes)
for i in range(1, runs + 1):
    start = time.perf_counter()
    parse_all()
    print("run", i, "seconds", "%.6f" % (time.perf_counter() - start))
print("version", pydicom.__version__)
PYEOF
: >"$WORK/pydicom.out"
: >"$WORK/pacs-parse.out"
say "run: pydicom and Pacs.Dicom header parse, in-process ($IN_ROUNDS alternating processes of each, $PER_ROUND timed passes per process) ..."
for ((round = 1; round <= IN_ROUNDS; round++)); do
    timeout "$TIMEOUT" "$PY" "$WORK/pydicom-parse.py" "$LIST" "$PER_ROUND" >>"$WORK/pydicom.out" 2>"$WORK/pydicom.err" ||
        { cat "$WORK/pydicom.err" >&2; die "the pydicom run failed"; }
    timeout "$TIMEOUT" dotnet "$BENCH" headers --runs "$PER_ROUND" "$LIST" >>"$WORK/pacs-parse.out" 2>"$WORK/pacs-parse.err" ||
        { cat "$WORK/pacs-parse.err" >&2; die "the Pacs.Dicom header run failed"; }
done
for name in pydicom pacs-parse; do
    awk '$1 == "run" {print $4}' "$WORK/$name.out" | median >"$WORK/$name.s"
    awk '$1 == "run" {print $4}' "$WORK/$name.out" | minimum >"$WORK/$name.min"
done
ALLOC=$(awk '$1 == "run" {print $6}' "$WORK/pacs-parse.out" | median | awk -v n="$NFILES" '{printf "%d", $1 / n}')

# Both parsers must have seen the same elements, or the comparison means nothing.
PY_ELEMENTS=$(awk '$1 == "elements" {print $2; exit}' "$WORK/pydicom.out")
PACS_ELEMENTS=$(awk '$1 == "elements" {print $2; exit}' "$WORK/pacs-parse.out")
PY_VERSION=$(awk '$1 == "version" {print $2; exit}' "$WORK/pydicom.out")

# ------------------------------------------------------------------ report

secs() { cat "$WORK/$1.s"; }
row() { # label name [alloc]
    awk -v label="$1" -v t="$(secs "$2")" -v best="$(cat "$WORK/$2.min")" -v n="$NFILES" -v b="$BYTES" -v a="${3:--}" \
        'BEGIN {printf "%-60s %8.0f %8.1f %8.3f %8.3f %11s\n", label, n / t, b / t / 1e6, t, best, a}'
}
ratio() { awk -v a="$(secs "$1")" -v b="$(secs "$2")" 'BEGIN {printf "%.2f", b / a}'; }  # speed of $1 over $2
best_ratio() { awk -v a="$(cat "$WORK/$1.min")" -v b="$(cat "$WORK/$2.min")" 'BEGIN {printf "%.2f", b / a}'; }
verdict() { # name value bar higher|lower
    if awk -v v="$2" -v bar="$3" -v dir="$4" 'BEGIN {exit !((dir == "higher") ? v >= bar : v < bar)}'; then
        echo "BAR MET    $1"
    else
        echo "BAR MISSED $1"
    fi
}

DUMP_RATIO=$(ratio pacs-dump dcmdump)
DUMP_M_RATIO=$(ratio pacs-dump dcmdump-M)
HEADER_DUMP_RATIO=$(ratio pacs-dump-header dcmdump-header)
PARSE_RATIO=$(ratio pacs-parse pydicom)

echo
echo "DICOM parse benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load average $LOAD_AT_START at the start"
echo "data: $NFILES CT files, 512x512x16 bit, Explicit VR LE, $(awk -v b="$BYTES" 'BEGIN {printf "%.1f MB", b / 1e6}') in $DATA"
echo "tools: $(dcmdump --version 2>&1 | awk 'NR == 1 {print $2, $3}'), pydicom $PY_VERSION, .NET $(dotnet --version)"
echo "median of $RUNS runs after warm-up (warm page cache); files/s and MB/s from the median; MB/s = file bytes / time, 1 MB = 10^6 bytes"
echo
printf '%-60s %8s %8s %8s %8s %11s\n' "tool (every file in one process)" "files/s" "MB/s" "median s" "best s" "bytes/file"
row "dcmdump (every value loaded)" dcmdump
row "dcmdump -M (long values not loaded)" dcmdump-M
row "dcmdump +sb 7fe0,0010 (stop before Pixel Data)" dcmdump-header
row "pacs dump (Pixel Data kept as reference)" pacs-dump
row "pacs dump --no-pixel" pacs-dump-header
row "pydicom dcmread(stop_before_pixels=True) [in-proc]" pydicom
row "Pacs.Dicom DicomFile.Open, stop before PixelData [in-proc]" pacs-parse "$ALLOC"
echo
printf '%-44s %8s %10s   %s\n' "speed ratio (files/s over files/s)" "median" "best runs" "bar"
printf '%-44s %7sx %9sx   %s\n' "pacs dump / dcmdump" "$DUMP_RATIO" "$(best_ratio pacs-dump dcmdump)" ">= ${BAR_DUMP_RATIO}x"
printf '%-44s %7sx %9sx   %s\n' "pacs dump / dcmdump -M" "$DUMP_M_RATIO" "$(best_ratio pacs-dump dcmdump-M)" "(information)"
printf '%-44s %7sx %9sx   %s\n' "pacs dump --no-pixel / dcmdump +sb" "$HEADER_DUMP_RATIO" "$(best_ratio pacs-dump-header dcmdump-header)" "(information)"
printf '%-44s %7sx %9sx   %s\n' "Pacs.Dicom header parse / pydicom" "$PARSE_RATIO" "$(best_ratio pacs-parse pydicom)" ">= ${BAR_PYDICOM_RATIO}x"
echo "allocated per CT header (Pacs.Dicom): ${ALLOC} bytes (bar < ${BAR_ALLOC_BYTES})"
if [[ $PY_ELEMENTS != "$PACS_ELEMENTS" ]]; then
    echo "NOTE: pydicom read $PY_ELEMENTS elements and Pacs.Dicom $PACS_ELEMENTS (top level + meta, all files): the parsers disagree"
fi
echo
verdict "pacs dump at least as fast as dcmdump (${DUMP_RATIO}x)" "$DUMP_RATIO" "$BAR_DUMP_RATIO" higher
verdict "header parsing at least 10x pydicom (${PARSE_RATIO}x)" "$PARSE_RATIO" "$BAR_PYDICOM_RATIO" higher
verdict "under 10 KB allocated per CT header (${ALLOC} bytes)" "$ALLOC" "$BAR_ALLOC_BYTES" lower
