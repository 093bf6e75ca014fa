#!/usr/bin/env bash
# DICOMweb side by side: the embedded Pacs server (services/Pacs.Server, Release) and Orthanc 1.10 with its DICOMweb
# plugin, on the same generated data, in one run, driven by the same client (bench/Pacs.DicomWeb.Bench).
# See docs/benchmarks.md for what each number means and the figures measured.
#
#   bench/dicomweb-orthanc.sh
#
# Phases (each can be skipped with PACS_BENCH_SKIP="reads,ingest,memory"):
#   reads   QIDO-RS p50/p99 over an index of 100,000 instances (plus one 500-instance CT series), WADO-RS series
#           metadata of that series, single-frame latency. Both servers hold the same data; the filled data folders are
#           cached (first run: a fill of ~100k instances into each, several minutes).
#   ingest  STOW-RS instances/s and MB/s: 512x512 CT (513 KB) and 64x64 (10 KB) instances, same client, same
#           concurrency, rounds alternating between the servers, after a warm-up upload; each run's files read into
#           the page cache first, each server quiet again before the next run; server and client CPU per instance.
#   memory  peak resident memory of each server during one STOW-RS request of 0.5 GB and one of 2 GB (fresh servers).
#
# Environment (all optional):
#   PACS_BENCH_ROOT         cache of generated data and filled servers     (default /tmp/pacs-bench)
#   PACS_BENCH_CONCURRENCY  concurrent STOW-RS requests                    (default 4)
#   PACS_BENCH_PER_REQUEST  instances per STOW-RS request                  (default 1)
#   PACS_BENCH_ROUNDS       ingest rounds per data set (1,000 instances)   (default 4, at most 4)
#   PACS_BENCH_QIDO_ROUNDS  timed passes over the 100 queries of each kind (default 2)
#   PACS_BENCH_SKIP         comma list of phases to skip
#   PACS_BENCH_REFILL       1: refill the cached 100k servers
#   PACS_BENCH_PYTHON       a Python 3 with pydicom and numpy              (default /usr/bin/python3)
#   PACS_BENCH_GEN          the study generator                            (default ../shared/tools/gen-studies.py)
#   PACS_BENCH_KEEP         1: keep the run's work folder
#
# Installs the Debian packages orthanc and orthanc-dicomweb when they are missing (as root, with apt-get). Orthanc has
# no bind-address option: it listens on all interfaces, so it runs on random high ports, with remote access refused,
# and is stopped by PID as soon as its phase ends.
#
# Exit status: 0 when everything ran (whatever the verdicts: a shared machine is too noisy to fail on), 1 when a
# step failed, 2 when a prerequisite is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${PACS_BENCH_ROOT:-/tmp/pacs-bench}
CONCURRENCY=${PACS_BENCH_CONCURRENCY:-4}
PER_REQUEST=${PACS_BENCH_PER_REQUEST:-1}
ROUNDS=${PACS_BENCH_ROUNDS:-4}
QIDO_ROUNDS=${PACS_BENCH_QIDO_ROUNDS:-2}
SKIP=",${PACS_BENCH_SKIP:-},"
PY=${PACS_BENCH_PYTHON:-/usr/bin/python3}

if [[ -n ${PACS_BENCH_GEN:-} ]]; then
    GEN=$PACS_BENCH_GEN
else
    GEN=$REPO/../shared/tools/gen-studies.py
    if [[ ! -f $GEN ]] && common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
        [[ -f $(dirname "$common")/../shared/tools/gen-studies.py ]] && GEN=$(dirname "$common")/../shared/tools/gen-studies.py
    fi
fi

# The bars (issue 3 section 6).
BAR_INGEST_RATIO=3.0
BAR_QIDO_P99_MS=50
BAR_METADATA_MS=100

say() { printf '%s\n' "$*" >&2; }
die() { say "dicomweb-orthanc.sh: $*"; exit 1; }
skip() { [[ $SKIP == *",$1,"* ]]; }

# ------------------------------------------------------------------ prerequisites

LOAD_AT_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
missing=()
command -v dotnet >/dev/null 2>&1 || missing+=("dotnet (the .NET SDK of global.json)")
"$PY" -c 'import pydicom, numpy' >/dev/null 2>&1 || missing+=("pydicom and numpy for $PY (Debian: apt-get install python3-pydicom python3-numpy)")
[[ -f $GEN ]] || missing+=("the generator $GEN (set PACS_BENCH_GEN)")
for tool in curl ss timeout; do command -v $tool >/dev/null 2>&1 || missing+=("$tool"); done
if ! command -v Orthanc >/dev/null 2>&1 || [[ ! -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "setup: installing orthanc and orthanc-dicomweb with apt-get ..."
        # policy-rc.d (where present) keeps the package from starting its own service on the default ports.
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends orthanc orthanc-dicomweb >&2 ||
            missing+=("Debian packages orthanc and orthanc-dicomweb (apt-get install failed)")
    else
        missing+=("Debian packages orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb, as root)")
    fi
fi
if ((${#missing[@]} > 0)); then
    say "dicomweb-orthanc.sh: cannot run, missing:"
    for m in "${missing[@]}"; do say "  - $m"; done
    exit 2
fi
ORTHANC_PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so
ORTHANC_VERSION=$(Orthanc --version 2>/dev/null | awk 'NR == 1 {print $2}')
((ROUNDS >= 1 && ROUNDS <= 4)) || die "PACS_BENCH_ROUNDS must be 1 to 4"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pacs-dicomweb-bench.XXXXXX")
STARTED_PIDS=()
cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
    if [[ ${PACS_BENCH_KEEP:-0} == 1 ]]; then say "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ data (generated once, then cached)

generate() { # NAME ARGS...: generates into $ROOT/NAME unless the cached copy was made with the same arguments
    local name=$1 dir=$ROOT/$1
    shift
    local stamp="$dir/.pacs-bench-args"
    if [[ -f $stamp && $(cat "$stamp") == "$*" ]]; then
        return
    fi
    [[ -e $dir && ! -f $stamp ]] && die "$dir exists but was not made by this script; remove it or set PACS_BENCH_ROOT"
    say "data: generating $name ($*) ..."
    rm -rf "$dir.partial"
    mkdir -p "$ROOT"
    "$PY" "$GEN" --out "$dir.partial" "$@" --quiet || die "the generator failed for $name"
    printf '%s' "$*" >"$dir.partial/.pacs-bench-args"
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
}
# Lists in index.tsv order (patient, study, series, instance number), so that a list's slices are whole series.
# (a COUNT rather than "| head": under pipefail a reader that stops early would fail the pipeline with SIGPIPE)
list_of() { # NAME [COUNT]
    awk -F'\t' -v d="$ROOT/$1" -v n="${2:-0}" 'NR > 1 && (n == 0 || NR <= n + 1) {print d "/" $1}' "$ROOT/$1/index.tsv"
}

# ct: 8 series x 500 CT instances, 512x512x16 bit, 2.1 GB. Rounds use 1,000 each; memory uses 1,000 (0.5 GB) and all.
CT_ARGS=(--patients 1 --studies-per-patient 1 --series-per-study 8 --instances-per-series 500 --rows 512 --cols 512
    --modalities CT --transfer-syntax explicit-le --seed 21)
# small: 4,000 instances of 64x64 (10 KB): per-instance cost rather than bytes.
SMALL_ARGS=(--patients 80 --studies-per-patient 1 --series-per-study 2 --instances-per-series 25 --rows 64 --cols 64
    --modalities CT,MR --transfer-syntax explicit-le --seed 22)
# warm: 300 CT instances sent to each server before anything is timed (JIT, caches, connection pools).
WARM_ARGS=(--patients 1 --studies-per-patient 1 --series-per-study 1 --instances-per-series 300 --rows 512 --cols 512
    --modalities CT --transfer-syntax explicit-le --seed 23)
# index: 1,000 patients x 2 studies x 2 series x 25 instances = 100,000 small instances for the query index.
INDEX_ARGS=(--patients 1000 --studies-per-patient 2 --series-per-study 2 --instances-per-series 25 --rows 64 --cols 64
    --modalities CT,MR --transfer-syntax explicit-le --seed 24 --start-date 2015-01-01 --end-date 2024-12-31)

skip ingest && skip memory && skip reads && die "every phase is skipped"
{ ! skip ingest || ! skip memory || ! skip reads; } && generate ct "${CT_ARGS[@]}"
! skip ingest && generate small "${SMALL_ARGS[@]}"
{ ! skip ingest || ! skip reads; } && generate warm "${WARM_ARGS[@]}"
! skip reads && generate index "${INDEX_ARGS[@]}"

# ------------------------------------------------------------------ build (Release)

say "build: services/Pacs.Server and bench/Pacs.DicomWeb.Bench (Release) ..."
dotnet build "$REPO/services/Pacs.Server" -c Release -v q -nologo >"$WORK/build-server.log" 2>&1 ||
    { tail -n 30 "$WORK/build-server.log" >&2; die "building services/Pacs.Server failed"; }
dotnet build "$REPO/bench/Pacs.DicomWeb.Bench" -c Release -v q -nologo >"$WORK/build-bench.log" 2>&1 ||
    { tail -n 30 "$WORK/build-bench.log" >&2; die "building bench/Pacs.DicomWeb.Bench failed"; }
SERVER=$REPO/services/Pacs.Server/bin/Release/net10.0/Pacs.Server
CLIENT=$REPO/bench/Pacs.DicomWeb.Bench/bin/Release/net10.0/Pacs.DicomWeb.Bench
[[ -x $SERVER ]] || die "no $SERVER after the build"
[[ -x $CLIENT ]] || die "no $CLIENT after the build"
PACS_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$REPO" status --porcelain -- libs services 2>/dev/null) ]] && PACS_COMMIT="$PACS_COMMIT+changes"

# ------------------------------------------------------------------ servers

free_port() { # a TCP port nobody listens on
    local p
    while true; do
        # Below the kernel's ephemeral range (32768-60999 by default): a port there may be the local end of an
        # outgoing connection, which ss -l does not show but which makes a server's bind fail.
        p=$((20000 + RANDOM % 12000))
        ss -tanH "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
}

stop_pid() { # PID: TERM, then KILL after 30 s; only processes this script started
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

forget_pid() { local pid=$1 p kept=(); for p in "${STARTED_PIDS[@]}"; do [[ $p != "$pid" ]] && kept+=("$p"); done; STARTED_PIDS=("${kept[@]}"); }

wait_ready() { # URL PID NAME: polls a QIDO query until the server answers
    local url=$1 pid=$2 name=$3 i
    for ((i = 0; i < 600; i++)); do
        kill -0 "$pid" 2>/dev/null || die "$name exited during start-up (log: $WORK/$name.log)"
        curl -fs -o /dev/null "$url/studies?limit=1" && return 0
        sleep 0.1
    done
    die "$name did not answer within 60 s"
}

# start_pacs DATA_FOLDER -> sets PACS_PID, PACS_URL
start_pacs() {
    local port dimse
    port=$(free_port)
    dimse=$(free_port)
    # The embedded server also starts its DIMSE gateway (default 127.0.0.1:11112): a free port, so that two runs (or a
    # server someone else started) do not collide.
    "$SERVER" --Pacs:DataFolder="$1" --Pacs:Url="http://127.0.0.1:$port" --Pacs:Gateway:Port="$dimse" >>"$WORK/pacs.log" 2>&1 &
    PACS_PID=$!
    STARTED_PIDS+=("$PACS_PID")
    PACS_URL="http://127.0.0.1:$port/dicom-web"
    wait_ready "$PACS_URL" "$PACS_PID" pacs
}

# start_orthanc DATA_FOLDER -> sets ORTHANC_PID, ORTHANC_URL. Default settings but for the folder, the ports and the
# plugin; remote access refused (it binds every interface).
start_orthanc() {
    local http dicom
    http=$(free_port)
    dicom=$(free_port)
    mkdir -p "$1"
    cat >"$1.json" <<EOF
{
  "Name": "pacs-bench",
  "StorageDirectory": "$1",
  "IndexDirectory": "$1",
  "HttpPort": $http,
  "DicomPort": $dicom,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "Plugins": ["$ORTHANC_PLUGIN"],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" }
}
EOF
    Orthanc "$1.json" >>"$WORK/orthanc.log" 2>&1 &
    ORTHANC_PID=$!
    STARTED_PIDS+=("$ORTHANC_PID")
    ORTHANC_URL="http://127.0.0.1:$http/dicom-web"
    wait_ready "$ORTHANC_URL" "$ORTHANC_PID" orthanc
}

stop_pacs() { stop_pid "$PACS_PID"; forget_pid "$PACS_PID"; }
stop_orthanc() { stop_pid "$ORTHANC_PID"; forget_pid "$ORTHANC_PID"; }

stow() { # URL LIST PID CONCURRENCY PER_REQUEST [--progress]: one client run; prints its result line
    "$CLIENT" stow --url "$1" --list "$2" --pid "$3" --concurrency "$4" --per-request "$5" ${6:-} ||
        die "STOW-RS to $1 failed (see above)"
}
field() { tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; } # KEY: value of key=value in a stow line

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {printf \"$1\n\", $2}"; }
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
cpu_seconds() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat"; } # PID: user + system CPU so far
# warm_files LIST: reads the files into the page cache. This machine drops cached file pages within minutes, so without
# it the first server of a round had a client reading its files from disk, competing with the server's own writes,
# and the second server did not (first against second in a round: Pacs 274 against 595 CT instances/s, Orthanc 231
# against 280, in one run).
warm_files() { tr '\n' '\0' <"$1" | xargs -0 cat >/dev/null; }
# settle PID: waits until the server has finished what it does after its answers (Pacs: the series documents, the
# indexer; both: writes the kernel still holds) and prints the CPU it spent meanwhile, which counts for the round. So a
# round starts on a quiet machine, and work a server defers is neither left out of its CPU nor done during the other
# server's round. Quiet: less than 0.02 s of CPU in half a second; at most 60 s.
settle() {
    local start last now i
    sync
    start=$(cpu_seconds "$1"); last=$start
    for ((i = 0; i < 120; i++)); do
        sleep 0.5
        now=$(cpu_seconds "$1")
        if awk -v a="$last" -v b="$now" 'BEGIN {exit !(b - a < 0.02)}'; then break; fi
        last=$now
    done
    calc %.2f "$now - $start"
}

REPORT=$WORK/report.txt
: >"$REPORT"
report() { printf '%s\n' "$*" >>"$REPORT"; }
verdict() { # text value bar higher|lower
    if awk -v v="$2" -v bar="$3" -v dir="$4" 'BEGIN {exit !((dir == "higher") ? v >= bar : v < bar)}'; then
        echo "BAR MET    $1"
    else
        echo "BAR MISSED $1"
    fi >>"$WORK/verdicts.txt"
}
: >"$WORK/verdicts.txt"

# ------------------------------------------------------------------ phase: reads over a 100k index

if ! skip reads; then
    list_of index >"$WORK/index.list"
    list_of ct 500 >"$WORK/series500.list"
    INDEX_COUNT=$(wc -l <"$WORK/index.list")
    # The filled folders are cached, keyed by the data and, for Pacs, by the index and storage code that wrote them.
    KEY_DATA=$(printf '%s|%s' "$(cat "$ROOT/index/.pacs-bench-args")" "$(cat "$ROOT/ct/.pacs-bench-args")" | sha256sum | cut -c1-12)
    # What decides the on-disk format: the index schema (migrations) and the file store's layout.
    KEY_PACS=$(git -C "$REPO" rev-parse HEAD:libs/Pacs.Archive/Migrations HEAD:libs/Pacs.Storage/FileSystem/FileSystemLayout.cs 2>/dev/null | sha256sum | cut -c1-12)
    FILLED_PACS=$ROOT/filled-pacs-$KEY_DATA-$KEY_PACS
    FILLED_ORTHANC=$ROOT/filled-orthanc-$KEY_DATA-$ORTHANC_VERSION
    if [[ ${PACS_BENCH_REFILL:-0} == 1 ]]; then rm -rf "$FILLED_PACS" "$FILLED_ORTHANC"; fi
    fill() { # NAME FOLDER: fills a fresh server with the index and the 500-instance series, then stops it
        local name=$1 folder=$2 line
        rm -rf "$folder.partial" "$folder.partial.json"
        say "reads: filling $name with $INDEX_COUNT + 500 instances (cached in $folder for later runs) ..."
        if [[ $name == pacs ]]; then start_pacs "$folder.partial"; url=$PACS_URL; pid=$PACS_PID; else start_orthanc "$folder.partial"; url=$ORTHANC_URL; pid=$ORTHANC_PID; fi
        line=$(stow "$url" "$WORK/index.list" "$pid" 4 25 --progress)
        say "  $name: $line"
        report "fill of $name (information): $line"
        line=$(stow "$url" "$WORK/series500.list" "$pid" 4 25)
        if [[ $name == pacs ]]; then stop_pacs; else stop_orthanc; fi
        [[ -f $folder.partial.json ]] && rm -f "$folder.partial.json"
        mv "$folder.partial" "$folder"
    }
    [[ -d $FILLED_PACS ]] || fill pacs "$FILLED_PACS"
    [[ -d $FILLED_ORTHANC ]] || fill orthanc "$FILLED_ORTHANC"

    # The requests: 100 of each query kind, chosen evenly through the generated index (same for both servers).
    awk -F'\t' -v accept='application/dicom+json' '
        NR == 1 {next}
        { n++; pid[n] = $2; name[n] = $3; study[n] = $4; acc[n] = $5; date[n] = $6; mod[n] = $7; series[n] = $8; sop[n] = $10 }
        END {
            for (k = 0; k < 100; k++) {
                i = 1 + int(k * n / 100) + 7
                if (i > n) i = n
                split(name[i], pn, "^")
                printf "studies by PatientID\t%s\t/studies?PatientID=%s\n", accept, pid[i]
                printf "studies by PatientName prefix*\t%s\t/studies?PatientName=%s*\n", accept, substr(pn[1], 1, 3)
                printf "studies by AccessionNumber\t%s\t/studies?AccessionNumber=%s\n", accept, acc[i]
                printf "studies by StudyDate month + ModalitiesInStudy\t%s\t/studies?StudyDate=%s01-%s28&ModalitiesInStudy=%s\n", accept, substr(date[i], 1, 6), substr(date[i], 1, 6), mod[i]
                printf "series of a study\t%s\t/studies/%s/series\n", accept, study[i]
                printf "instances of a series\t%s\t/studies/%s/series/%s/instances\n", accept, study[i], series[i]
                printf "instance by SOPInstanceUID\t%s\t/instances?SOPInstanceUID=%s\n", accept, sop[i]
                printf "studies, no filter, limit 100\t%s\t/studies?limit=100\n", accept
            }
        }' "$ROOT/index/index.tsv" >"$WORK/qido.tsv"
    # The 500-instance series: its metadata, and frame 1 of 100 of its instances.
    awk -F'\t' 'NR > 1 && NR <= 501 {
            if (NR == 2) printf "series metadata (500 instances)\tapplication/dicom+json\t/studies/%s/series/%s/metadata\n", $4, $8 >"'"$WORK/metadata.tsv"'"
            if (NR % 5 == 2) printf "single frame (512x512x16)\tmultipart/related; type=\"application/octet-stream\"; transfer-syntax=*\t/studies/%s/series/%s/instances/%s/frames/1\n", $4, $8, $10 >"'"$WORK/frames.tsv"'"
        }' "$ROOT/ct/index.tsv"

    say "reads: starting both servers on the filled data ..."
    start_pacs "$FILLED_PACS"
    start_orthanc "$FILLED_ORTHANC"
    TARGETS=(--target "pacs=$PACS_URL" --target "orthanc=$ORTHANC_URL")
    # Cold metadata first (nothing cached since the start), then the rest.
    say "reads: series metadata ..."
    "$CLIENT" latency "${TARGETS[@]}" --requests "$WORK/metadata.tsv" --rounds 20 --warmup 1 >"$WORK/metadata.out" ||
        die "metadata requests failed"
    say "reads: single frames ..."
    "$CLIENT" latency "${TARGETS[@]}" --requests "$WORK/frames.tsv" --rounds 3 --warmup 1 >"$WORK/frames.out" ||
        die "frame requests failed"
    say "reads: QIDO-RS (8 kinds x 100 queries, 1 warm-up + $QIDO_ROUNDS timed passes) ..."
    "$CLIENT" latency "${TARGETS[@]}" --requests "$WORK/qido.tsv" --rounds "$QIDO_ROUNDS" --warmup 1 >"$WORK/qido.out" ||
        die "QIDO requests failed"
    READ_RSS_PACS=$(rss_kib "$PACS_PID")
    READ_RSS_ORTHANC=$(rss_kib "$ORTHANC_PID")
    stop_pacs
    stop_orthanc
    rm -f "$FILLED_ORTHANC.json"
fi

# ------------------------------------------------------------------ phase: ingest

if ! skip ingest; then
    list_of warm >"$WORK/warm.list"
    list_of ct >"$WORK/ct.list"
    list_of small >"$WORK/small.list"
    say "ingest: starting both servers (empty) and warming them up with 300 CT instances each ..."
    start_pacs "$WORK/ingest-pacs"
    start_orthanc "$WORK/ingest-orthanc"
    stow "$PACS_URL" "$WORK/warm.list" "$PACS_PID" "$CONCURRENCY" "$PER_REQUEST" >/dev/null
    stow "$ORTHANC_URL" "$WORK/warm.list" "$ORTHANC_PID" "$CONCURRENCY" "$PER_REQUEST" >/dev/null
    settle "$PACS_PID" >/dev/null
    settle "$ORTHANC_PID" >/dev/null
    : >"$WORK/ingest.out"
    for set in ct small; do
        for ((round = 1; round <= ROUNDS; round++)); do
            sed -n "$(((round - 1) * 1000 + 1)),$((round * 1000))p" "$WORK/$set.list" >"$WORK/round.list"
            # Alternate which server goes first, so that neither always runs right after the other.
            if ((round % 2)); then order=(pacs orthanc); else order=(orthanc pacs); fi
            for name in "${order[@]}"; do
                if [[ $name == pacs ]]; then url=$PACS_URL; pid=$PACS_PID; else url=$ORTHANC_URL; pid=$ORTHANC_PID; fi
                warm_files "$WORK/round.list"
                line=$(stow "$url" "$WORK/round.list" "$pid" "$CONCURRENCY" "$PER_REQUEST")
                line+=" settle_cpu_seconds=$(settle "$pid")"
                say "  $set round $round $name: $line"
                echo "$set $name $line" >>"$WORK/ingest.out"
            done
        done
    done
    INGEST_RSS_PACS=$(rss_kib "$PACS_PID")
    INGEST_RSS_ORTHANC=$(rss_kib "$ORTHANC_PID")
    stop_pacs
    stop_orthanc
    rm -rf "$WORK/ingest-pacs" "$WORK/ingest-orthanc" "$WORK/ingest-orthanc.json"
fi

# ------------------------------------------------------------------ phase: memory during one large upload

if ! skip memory; then
    list_of ct 1000 >"$WORK/mem-0.5.list"
    list_of ct >"$WORK/mem-2.list"
    : >"$WORK/memory.out"
    for size in 0.5 2; do
        for name in pacs orthanc; do
            say "memory: one STOW-RS request of $size GB into a fresh $name ..."
            if [[ $name == pacs ]]; then start_pacs "$WORK/mem-pacs"; url=$PACS_URL; pid=$PACS_PID; else start_orthanc "$WORK/mem-orthanc"; url=$ORTHANC_URL; pid=$ORTHANC_PID; fi
            count=$(wc -l <"$WORK/mem-$size.list")
            line=$(stow "$url" "$WORK/mem-$size.list" "$pid" 1 "$count")
            say "  $line"
            echo "$size $name $line" >>"$WORK/memory.out"
            if [[ $name == pacs ]]; then stop_pacs; else stop_orthanc; fi
            rm -rf "$WORK/mem-$name" "$WORK/mem-$name.json"
        done
    done
fi

# ------------------------------------------------------------------ report

{
    echo
    echo "DICOMweb benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load average $LOAD_AT_START at the start, $(cut -d ' ' -f 1-3 /proc/loadavg) at the end"
    echo "Pacs $PACS_COMMIT (services/Pacs.Server, Release, SQLite + file system) vs Orthanc $ORTHANC_VERSION + DICOMweb plugin (default settings: SQLite index, file storage)"
    echo "client: bench/Pacs.DicomWeb.Bench, the same for both; ratio = Pacs / Orthanc (for rates: > 1 means Pacs is faster; for times: < 1 means Pacs is faster)"
} >>"$REPORT"

if ! skip ingest; then
    report ""
    report "STOW-RS ingest: $CONCURRENCY concurrent requests, $PER_REQUEST instance(s) per request, $ROUNDS rounds of 1,000 instances per data set, alternating; median over rounds"
    printf '%-34s %12s %12s %10s %10s %8s %11s %11s %8s\n' "data set" "Pacs inst/s" "Orthanc i/s" "Pacs MB/s" "Orth MB/s" "ratio" \
        "Pacs CPU ms" "Orth CPU ms" "CPU x" >>"$REPORT"
    for set in ct small; do
        for name in pacs orthanc; do
            awk -v s=$set -v n=$name '$1 == s && $2 == n' "$WORK/ingest.out" | while read -r _ _ line; do
                i=$(field instances <<<"$line"); b=$(field bytes <<<"$line"); t=$(field seconds <<<"$line")
                c=$(field server_cpu_seconds <<<"$line"); k=$(field client_cpu_seconds <<<"$line"); d=$(field settle_cpu_seconds <<<"$line")
                echo "$(calc %.3f "$i / $t") $(calc %.3f "$b / $t / 1e6") $(calc %.3f "(${c:-0} + ${d:-0}) * 1000 / $i") $(calc %.3f "${k:-0} * 1000 / $i")"
            done >"$WORK/ingest-$set-$name.rates"
        done
        pi=$(cut -d ' ' -f 1 "$WORK/ingest-$set-pacs.rates" | median); oi=$(cut -d ' ' -f 1 "$WORK/ingest-$set-orthanc.rates" | median)
        pm=$(cut -d ' ' -f 2 "$WORK/ingest-$set-pacs.rates" | median); om=$(cut -d ' ' -f 2 "$WORK/ingest-$set-orthanc.rates" | median)
        label=$([[ $set == ct ]] && echo "CT 512x512x16 (513 KB each)" || echo "64x64 CT/MR (10 KB each)")
        pc=$(cut -d ' ' -f 3 "$WORK/ingest-$set-pacs.rates" | median); oc=$(cut -d ' ' -f 3 "$WORK/ingest-$set-orthanc.rates" | median)
        ratio=$(calc %.2f "$pi / $oi")
        printf '%-34s %12.0f %12.0f %10.1f %10.1f %7sx %11.2f %11.2f %7sx\n' "$label" "$pi" "$oi" "$pm" "$om" "$ratio" \
            "$pc" "$oc" "$(calc %.2f "$pc / $oc")" >>"$REPORT"
        report "  per round, Pacs inst/s: $(cut -d ' ' -f 1 "$WORK/ingest-$set-pacs.rates" | xargs printf '%.0f ')  Orthanc: $(cut -d ' ' -f 1 "$WORK/ingest-$set-orthanc.rates" | xargs printf '%.0f ')"
        pk=$(cut -d ' ' -f 4 "$WORK/ingest-$set-pacs.rates" | median); ok=$(cut -d ' ' -f 4 "$WORK/ingest-$set-orthanc.rates" | median)
        target=$(calc %.0f "$BAR_INGEST_RATIO * $oi")
        budget=$(calc %.2f "$(nproc) * 1000 / $target")
        report "  client CPU ms per instance: $(calc %.2f "$pk") sending to Pacs, $(calc %.2f "$ok") to Orthanc. At ${BAR_INGEST_RATIO}x Orthanc's rate ($target inst/s)"
        report "  the $(nproc) cores have $budget ms per instance; less the client's $(calc %.2f "$pk") ms, $(calc %.2f "$budget - $pk") ms are left for the server (Pacs used $(calc %.2f "$pc"))"
        verdict "STOW-RS ingest at least ${BAR_INGEST_RATIO}x Orthanc, $label: ${ratio}x" "$ratio" "$BAR_INGEST_RATIO" higher
    done
    report "  CPU ms = the server process's user + system CPU time per instance stored, including what it spent after its last"
    report "  answer until it was quiet (median over rounds); on a shared machine it is steadier than the rates, which depend"
    report "  on how much CPU the other processes leave each server. Each round's files are read into the page cache before"
    report "  each server's run, and each run waits for its server to be quiet (sync, then no CPU) before the next one starts"
    report "  per round, CPU after the last answer, Pacs / Orthanc s: $(awk '$2 == "pacs" {print}' "$WORK/ingest.out" | while read -r _ _ l; do field settle_cpu_seconds <<<"$l"; done | xargs) / $(awk '$2 == "orthanc" {print}' "$WORK/ingest.out" | while read -r _ _ l; do field settle_cpu_seconds <<<"$l"; done | xargs)"
    report "  resident memory after the ingest rounds: Pacs $((INGEST_RSS_PACS / 1024)) MiB, Orthanc $((INGEST_RSS_ORTHANC / 1024)) MiB"
fi

if ! skip reads; then
    report ""
    report "Reads over $INDEX_COUNT + 500 instances (both servers hold the same); sequential requests alternating between the servers"
    printf '%-46s %5s %9s %9s %9s %9s %8s %8s %10s %10s\n' "request" "n" "Pacs p50" "Pacs p99" "Orth p50" "Orth p99" "p50 x" "p99 x" "Pacs first" "Orth first" >>"$REPORT"
    cat "$WORK/metadata.out" "$WORK/frames.out" "$WORK/qido.out" >"$WORK/reads.out"
    awk -F'\t' '$2 == "pacs" {print $3}' "$WORK/reads.out" | while read -r label; do
        p=$(awk -F'\t' -v l="$label" '$2 == "pacs" && $3 == l' "$WORK/reads.out")
        o=$(awk -F'\t' -v l="$label" '$2 == "orthanc" && $3 == l' "$WORK/reads.out")
        IFS=$'\t' read -r _ _ _ n p50 p99 _ _ pfirst _ pitems <<<"$p"
        IFS=$'\t' read -r _ _ _ _ o50 o99 _ _ ofirst _ oitems <<<"$o"
        printf '%-46s %5s %9.1f %9.1f %9.1f %9.1f %7.2fx %7.2fx %10.1f %10.1f\n' "$label" "$n" "$p50" "$p99" "$o50" "$o99" \
            "$(calc %.3f "$p50 / $o50")" "$(calc %.3f "$p99 / $o99")" "$pfirst" "$ofirst" >>"$REPORT"
        if [[ $pitems != "$oitems" ]]; then
            echo "  NOTE: results of one pass differ for '$label': Pacs $pitems, Orthanc $oitems" >>"$WORK/notes.txt"
        fi
        case $label in
            "series metadata"*) verdict "series metadata of 500 instances under ${BAR_METADATA_MS} ms (Pacs p50 ${p50} ms, p99 ${p99} ms)" "$p99" "$BAR_METADATA_MS" lower ;;
            studies*|series*|instance*) echo "$p99" >>"$WORK/qido-p99s" ;;
        esac
    done
    report "  times in ms, from request to last byte; 'first' = median of the first request of each line after start-up (cold caches)"
    [[ -f $WORK/notes.txt ]] && cat "$WORK/notes.txt" >>"$REPORT"
    worst=$(sort -g "$WORK/qido-p99s" | tail -n 1)
    verdict "QIDO-RS p99 under ${BAR_QIDO_P99_MS} ms for every query kind (worst p99 ${worst} ms)" "$worst" "$BAR_QIDO_P99_MS" lower
    report "  resident memory after the reads: Pacs $((READ_RSS_PACS / 1024)) MiB, Orthanc $((READ_RSS_ORTHANC / 1024)) MiB"
fi

if ! skip memory; then
    report ""
    report "Resident memory during one STOW-RS request (1 connection, every instance in one multipart body; fresh server each)"
    printf '%-10s %-8s %10s %12s %12s %10s %10s\n' "upload" "server" "stored" "idle MiB" "peak MiB" "inst/s" "MB/s" >>"$REPORT"
    while read -r size name line; do
        i=$(field instances <<<"$line"); b=$(field bytes <<<"$line"); t=$(field seconds <<<"$line")
        start=$(field rss_start_kib <<<"$line"); peak=$(field rss_peak_kib <<<"$line"); hwm=$(field hwm_kib <<<"$line")
        ((hwm > peak)) && peak=$hwm
        printf '%-10s %-8s %10s %12.0f %12.0f %10.0f %10.1f\n' "$(calc %.2f "$b / 1e9") GB" "$name" "$i" "$(calc %.1f "$start / 1024")" \
            "$(calc %.1f "$peak / 1024")" "$(calc %.1f "$i / $t")" "$(calc %.1f "$b / $t / 1e6")" >>"$REPORT"
        echo "$size $name $peak" >>"$WORK/peaks"
    done <"$WORK/memory.out"
    for name in pacs orthanc; do
        small=$(awk -v n=$name '$1 == "0.5" && $2 == n {print $3}' "$WORK/peaks")
        big=$(awk -v n=$name '$1 == "2" && $2 == n {print $3}' "$WORK/peaks")
        growth=$(calc %.2f "$big / $small")
        report "  $name: peak at 2 GB / peak at 0.5 GB = ${growth}x"
        [[ $name == pacs ]] && verdict "memory flat with upload size: Pacs peak RSS 2 GB / 0.5 GB = ${growth}x (flat: under 1.25x)" "$growth" 1.25 lower
    done
fi

report ""
cat "$WORK/verdicts.txt" >>"$REPORT"
cat "$REPORT"
