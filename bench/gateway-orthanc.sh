#!/usr/bin/env bash
# DIMSE side by side: Pacs's DIMSE listener and Orthanc 1.10, driven by the same DCMTK tools, in one run.
# See docs/benchmarks.md for what each number means and the figures measured.
#
#   bench/gateway-orthanc.sh
#
# Phases (each can be skipped with PACS_BENCH_SKIP="store,idle,find,move"):
#   store  storescu of 1,000 CT instances (512x512x16, 513 KB each) over one association, and 4 x 250 over four
#          associations in parallel, into each side; rounds alternate which side goes first (fresh data each round, so
#          neither side ever sees a duplicate).
#   idle   1,000 associations opened at once (each checked with a C-ECHO), held idle, checked again, released.
#   find   C-FIND (Study Root) latency over one association, once the server has settled after its start (under 10% of
#          a core for a second): studies by PatientID, by PatientName prefix, by StudyDate range, series of a study,
#          instances of a series. Over the 100,000-instance index filled by
#          bench/dicomweb-orthanc.sh when its cache is there, otherwise over what the store phase sent.
#   move   C-MOVE of a 500-instance series (CT, 257 MB) to a storescp started here.
#
# Pacs's side: PACS_BENCH_PACS_DIMSE=server (default) runs services/Pacs.Server, Release, with its embedded gateway
# (AE PACS; C-STORE spooled and fsynced, then ingested into the archive in the same process; C-FIND and C-MOVE answered
# from the archive). PACS_BENCH_PACS_DIMSE=host runs bench/Pacs.Gateway.Bench's storage SCP instead: the DIMSE library
# alone, acknowledging a C-STORE the way the gateway does (spool file written, fsynced, renamed, folder fsynced), no
# archive. A side that does not offer a service (the bench host has no C-FIND or C-MOVE) is reported as n/a.
#
# Environment (all optional):
#   PACS_BENCH_ROOT        cache of generated data (shared with dicomweb-orthanc.sh)   (default /tmp/pacs-bench)
#   PACS_BENCH_ROUNDS      store rounds (1 or 2; each uses 2,000 fresh instances)        (default 2)
#   PACS_BENCH_STORE_COUNT instances per storescu run (smaller only to try the script)  (default 1000)
#   PACS_BENCH_IDLE        associations of the idle phase                               (default 1000)
#   PACS_BENCH_IDLE_HOLD   seconds they are held (Orthanc drops idle ones after 30 s)   (default 20)
#   PACS_BENCH_FIND_ROUNDS timed passes over the C-FIND queries                         (default 3)
#   PACS_BENCH_FIND_OVER   filled (the 100k index when there) | store (the store phase's data; for when another run
#                          is using the filled folders, which two servers must never open at once)  (default filled)
#   PACS_BENCH_PACS_DIMSE  server | host                                                (default server)
#   PACS_BENCH_SKIP        comma list of phases to skip
#   PACS_BENCH_PACS_ARGS   further arguments for services/Pacs.Server (server mode), e.g.
#                          --Pacs:Gateway:Forwarding:YieldToIncoming=00:00:00 to forward while C-STOREs arrive
#   PACS_BENCH_PYTHON, PACS_BENCH_GEN, PACS_BENCH_KEEP as for dicomweb-orthanc.sh
#
# Exit status: 0 when everything ran (whatever the verdicts), 1 when a step failed, 2 when a prerequisite is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${PACS_BENCH_ROOT:-/tmp/pacs-bench}
ROUNDS=${PACS_BENCH_ROUNDS:-2}
IDLE=${PACS_BENCH_IDLE:-1000}
STORE_N=${PACS_BENCH_STORE_COUNT:-1000}
IDLE_HOLD=${PACS_BENCH_IDLE_HOLD:-20}
FIND_ROUNDS=${PACS_BENCH_FIND_ROUNDS:-3}
FIND_OVER=${PACS_BENCH_FIND_OVER:-filled}
PACS_DIMSE=${PACS_BENCH_PACS_DIMSE:-server}
SKIP=",${PACS_BENCH_SKIP:-},"
PY=${PACS_BENCH_PYTHON:-/usr/bin/python3}
export TCP_NODELAY=1 # Debian's DCMTK leaves Nagle on otherwise (~45 ms per round trip; ../shared/PEERS.md)

if [[ -n ${PACS_BENCH_GEN:-} ]]; then
    GEN=$PACS_BENCH_GEN
else
    GEN=$REPO/../shared/tools/gen-studies.py
    if [[ ! -f $GEN ]] && common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
        [[ -f $(dirname "$common")/../shared/tools/gen-studies.py ]] && GEN=$(dirname "$common")/../shared/tools/gen-studies.py
    fi
fi

say() { printf '%s\n' "$*" >&2; }
die() { say "gateway-orthanc.sh: $*"; exit 1; }
skip() { [[ $SKIP == *",$1,"* ]]; }
now() { date +%s.%N; }

LOAD_AT_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
missing=()
command -v dotnet >/dev/null 2>&1 || missing+=("dotnet (the .NET SDK of global.json)")
for tool in storescu movescu storescp echoscu; do command -v $tool >/dev/null 2>&1 || missing+=("$tool (Debian: apt-get install dcmtk)"); done
command -v Orthanc >/dev/null 2>&1 || missing+=("Orthanc (Debian: apt-get install orthanc)")
"$PY" -c 'import pydicom, numpy' >/dev/null 2>&1 || missing+=("pydicom and numpy for $PY (Debian: apt-get install python3-pydicom python3-numpy)")
[[ -f $GEN ]] || missing+=("the generator $GEN (set PACS_BENCH_GEN)")
for tool in ss timeout awk; do command -v $tool >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
    say "gateway-orthanc.sh: cannot run, missing:"
    for m in "${missing[@]}"; do say "  - $m"; done
    exit 2
fi
ORTHANC_VERSION=$(Orthanc --version 2>/dev/null | awk 'NR == 1 {print $2}')
((ROUNDS >= 1 && ROUNDS <= 2)) || die "PACS_BENCH_ROUNDS must be 1 or 2"
[[ $PACS_DIMSE == host || $PACS_DIMSE == server ]] || die "PACS_BENCH_PACS_DIMSE must be host or server"
[[ $FIND_OVER == filled || $FIND_OVER == store ]] || die "PACS_BENCH_FIND_OVER must be filled or store"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pacs-gateway-bench.XXXXXX")
STARTED_PIDS=()
stop_pid() { # PID: TERM, then KILL after 30 s; only processes this script started
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
forget_pid() { local pid=$1 p kept=(); for p in "${STARTED_PIDS[@]}"; do [[ $p != "$pid" ]] && kept+=("$p"); done; STARTED_PIDS=("${kept[@]}"); }
cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
    if [[ ${PACS_BENCH_KEEP:-0} == 1 ]]; then say "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ data (the same cache as dicomweb-orthanc.sh)

generate() { # NAME ARGS...
    local name=$1 dir=$ROOT/$1
    shift
    if [[ -f $dir/.pacs-bench-args && $(cat "$dir/.pacs-bench-args") == "$*" ]]; then return; fi
    [[ -e $dir && ! -f $dir/.pacs-bench-args ]] && die "$dir exists but was not made by these scripts; remove it or set PACS_BENCH_ROOT"
    say "data: generating $name ($*) ..."
    rm -rf "$dir.partial"
    mkdir -p "$ROOT"
    "$PY" "$GEN" --out "$dir.partial" "$@" --quiet || die "the generator failed for $name"
    printf '%s' "$*" >"$dir.partial/.pacs-bench-args"
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
}
list_of() { # NAME [COUNT]: the files of a data set in index order (all, or the first COUNT)
    awk -F'\t' -v d="$ROOT/$1" -v n="${2:-0}" 'NR > 1 && (n == 0 || NR <= n + 1) {print d "/" $1}' "$ROOT/$1/index.tsv"
}
# Identical arguments to dicomweb-orthanc.sh, so that both scripts share one copy.
generate ct --patients 1 --studies-per-patient 1 --series-per-study 8 --instances-per-series 500 --rows 512 --cols 512 \
    --modalities CT --transfer-syntax explicit-le --seed 21
generate warm --patients 1 --studies-per-patient 1 --series-per-study 1 --instances-per-series 300 --rows 512 --cols 512 \
    --modalities CT --transfer-syntax explicit-le --seed 23
CT_BYTES=$(list_of ct "$STORE_N" | xargs stat -c %s | awk '{s += $1} END {print s}')

# ------------------------------------------------------------------ build (Release)

say "build: bench/Pacs.Gateway.Bench (Release) ..."
dotnet build "$REPO/bench/Pacs.Gateway.Bench" -c Release -v q -nologo >"$WORK/build.log" 2>&1 ||
    { tail -n 30 "$WORK/build.log" >&2; die "building bench/Pacs.Gateway.Bench failed"; }
HOST=$REPO/bench/Pacs.Gateway.Bench/bin/Release/net10.0/Pacs.Gateway.Bench
if [[ $PACS_DIMSE == server ]]; then
    dotnet build "$REPO/services/Pacs.Server" -c Release -v q -nologo >"$WORK/build-server.log" 2>&1 ||
        { tail -n 30 "$WORK/build-server.log" >&2; die "building services/Pacs.Server failed"; }
    SERVER=$REPO/services/Pacs.Server/bin/Release/net10.0/Pacs.Server
fi
PACS_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$REPO" status --porcelain -- libs services bench 2>/dev/null) ]] && PACS_COMMIT="$PACS_COMMIT+changes"

# ------------------------------------------------------------------ servers

free_port() {
    local p
    while true; do
        # Below the kernel's ephemeral range (32768-60999 by default): a port there may be the local end of an
        # outgoing connection, which ss -l does not show but which makes a server's bind fail.
        p=$((20000 + RANDOM % 12000))
        ss -tanH "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
}
wait_echo() { # PORT AE PID NAME: C-ECHO until it answers
    local i
    for ((i = 0; i < 600; i++)); do
        kill -0 "$3" 2>/dev/null || die "$4 exited during start-up (log: $WORK/$4.log)"
        echoscu -to 2 -aec "$2" 127.0.0.1 "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$4 did not answer C-ECHO within 60 s"
}

# start_pacs FOLDER -> PACS_PID, PACS_PORT, PACS_AE
start_pacs() {
    PACS_PORT=$(free_port)
    PACS_AE=PACS
    if [[ $PACS_DIMSE == host ]]; then
        "$HOST" scp --port "$PACS_PORT" --ae "$PACS_AE" --spool "$1/spool" --max-associations $((IDLE + 100)) </dev/null >>"$WORK/pacs.log" 2>&1 &
    else
        PACS_HTTP=http://127.0.0.1:$(free_port)
        "$SERVER" --Pacs:DataFolder="$1" --Pacs:Url="$PACS_HTTP" --Pacs:Gateway:Port="$PACS_PORT" \
            --Pacs:Gateway:AeTitle="$PACS_AE" \
            --Pacs:Gateway:Destinations:0:AeTitle=BENCHDEST --Pacs:Gateway:Destinations:0:Host=127.0.0.1 \
            --Pacs:Gateway:Destinations:0:Port="${DEST_PORT:-104}" --Logging:LogLevel:Default=Warning ${PACS_BENCH_PACS_ARGS:-} </dev/null >>"$WORK/pacs.log" 2>&1 &
    fi
    PACS_PID=$!
    PACS_SPOOL=$1/gateway-spool/archive
    STARTED_PIDS+=("$PACS_PID")
    wait_echo "$PACS_PORT" "$PACS_AE" "$PACS_PID" pacs
}

# start_orthanc FOLDER -> ORTHANC_PID, ORTHANC_PORT. Default settings but for folders, ports, the C-MOVE destination and
# letting any AE query and retrieve; it binds every interface, so it runs on random high ports, remote access refused.
start_orthanc() {
    ORTHANC_PORT=$(free_port)
    mkdir -p "$1"
    cat >"$1.json" <<EOF
{
  "Name": "pacs-bench",
  "StorageDirectory": "$1",
  "IndexDirectory": "$1",
  "HttpPort": $(free_port),
  "DicomPort": $ORTHANC_PORT,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomAlwaysAllowFind": true,
  "DicomAlwaysAllowMove": true,
  "DicomModalities": { "dest": ["BENCHDEST", "127.0.0.1", ${DEST_PORT:-104}] }
}
EOF
    Orthanc "$1.json" </dev/null >>"$WORK/orthanc.log" 2>&1 &
    ORTHANC_PID=$!
    STARTED_PIDS+=("$ORTHANC_PID")
    wait_echo "$ORTHANC_PORT" ORTHANC "$ORTHANC_PID" orthanc
}
stop_pacs() { stop_pid "$PACS_PID"; forget_pid "$PACS_PID"; }
stop_orthanc() { stop_pid "$ORTHANC_PID"; forget_pid "$ORTHANC_PID"; }
target() { # NAME -> "PORT AE PID"
    if [[ $1 == pacs ]]; then echo "$PACS_PORT $PACS_AE $PACS_PID"; else echo "$ORTHANC_PORT ORTHANC $ORTHANC_PID"; fi
}

store() { # NAME LIST ASSOCIATIONS: prints "seconds failures"
    local port ae pid lists=() i start end failed=0
    read -r port ae pid <<<"$(target "$1")"
    local n
    n=$(wc -l <"$2")
    split -n "l/$3" -d "$2" "$WORK/part."
    start=$(now)
    for f in "$WORK"/part.*; do
        storescu -R -aet BENCHSCU -aec "$ae" 127.0.0.1 "$port" $(cat "$f") >"$f.log" 2>&1 &
        lists+=($!)
    done
    for i in "${lists[@]}"; do wait "$i" || failed=$((failed + 1)); done
    end=$(now)
    for f in "$WORK"/part.*.log; do grep -E '^[EF]:' "$f" | head -n 3 >&2 || true; done
    rm -f "$WORK"/part.*
    awk -v s="$start" -v e="$end" -v f="$failed" 'BEGIN {printf "%.3f %d\n", e - s, f}'
}
# drain_pacs: in server mode, waits until the gateway's forwarder has put everything acknowledged into the archive (its
# archive queue is empty), so that this ingest does not run into the next measurement (of either side); prints the
# seconds waited. The gateway acknowledges a C-STORE once spooled and ingests afterwards; this is the rest of that work.
drain_pacs() {
    local start i n
    [[ $PACS_DIMSE == server ]] || { echo 0; return; }
    start=$(now)
    for ((i = 0; i < 6000; i++)); do
        n=$(find "$PACS_SPOOL" -maxdepth 1 -name '*.dcm' 2>/dev/null | wc -l)
        ((n == 0)) && break
        sleep 0.1
    done
    ((n == 0)) || die "the gateway's forwarder still had $n objects to ingest after 600 s"
    awk -v s="$start" -v e="$(now)" 'BEGIN {printf "%.3f\n", e - s}'
}
# wait_settled PID: until the process used less than 10% of a core over a second (start-up work done: JIT, caches,
# catching up), 90 s at most, so that latency is measured in the steady state on both sides alike.
wait_settled() {
    local pid=$1 i before after
    for ((i = 0; i < 90; i++)); do
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        sleep 1
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        (((after - before) * 100 / $(getconf CLK_TCK) < 10)) && return 0
    done
    say "  (process $pid still busy after 90 s; measuring anyway)"
}
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
calc() { awk "BEGIN {printf \"$1\n\", $2}"; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

REPORT=$WORK/report.txt
: >"$REPORT"
: >"$WORK/verdicts.txt"
report() { printf '%s\n' "$*" >>"$REPORT"; }
verdict() { # text value bar higher|lower
    if awk -v v="$2" -v bar="$3" -v dir="$4" 'BEGIN {exit !((dir == "higher") ? v >= bar : v < bar)}'; then
        echo "BAR MET    $1"
    else
        echo "BAR MISSED $1"
    fi >>"$WORK/verdicts.txt"
}

# A storescp as the C-MOVE destination, for the whole run.
DEST_PORT=$(free_port)
mkdir -p "$WORK/dest"
storescp -aet BENCHDEST -od "$WORK/dest" "$DEST_PORT" </dev/null >"$WORK/storescp.log" 2>&1 &
DEST_PID=$!
STARTED_PIDS+=("$DEST_PID")
wait_echo "$DEST_PORT" BENCHDEST "$DEST_PID" storescp

say "starting both sides (empty) and warming them up with 300 CT instances each ..."
start_pacs "$WORK/pacs"
start_orthanc "$WORK/orthanc"
list_of warm >"$WORK/warm.list"
for name in pacs orthanc; do
    read -r _ failed <<<"$(store $name "$WORK/warm.list" 1)"
    ((failed == 0)) || die "the warm-up storescu into $name failed (logs in $WORK)"
    [[ $name == pacs ]] && drain_pacs >/dev/null
done
# Both sides idle before anything is measured: Pacs's runtime compiles its hot code again, optimized, in the background
# for some seconds after the first requests (tiered compilation), which is start-up cost, not C-STORE cost.
wait_settled "$PACS_PID"
wait_settled "$ORTHANC_PID"
RSS_IDLE_PACS=$(rss_kib "$PACS_PID")
RSS_IDLE_ORTHANC=$(rss_kib "$ORTHANC_PID")

# ------------------------------------------------------------------ phase: store

if ! skip store; then
    list_of ct >"$WORK/ct.list"
    : >"$WORK/store.out"
    for ((round = 1; round <= ROUNDS; round++)); do
        for assoc in 1 4; do
            slice=$(((round - 1) * 2 + (assoc == 1 ? 0 : 1)))
            sed -n "$((slice * 1000 + 1)),$((slice * 1000 + STORE_N))p" "$WORK/ct.list" >"$WORK/round.list"
            if (((round + assoc) % 2)); then order=(pacs orthanc); else order=(orthanc pacs); fi
            for name in "${order[@]}"; do
                read -r seconds failed <<<"$(store "$name" "$WORK/round.list" "$assoc")"
                ((failed == 0)) || die "storescu into $name failed (round $round, $assoc associations)"
                drained=0
                [[ $name == pacs ]] && drained=$(drain_pacs)
                read -r _ _ pid <<<"$(target "$name")"
                wait_settled "$pid" # what either side still does after a run never lands on the next measurement
                say "  store round $round, $assoc association(s), $name: $STORE_N instances in $seconds s$([[ $name == pacs && $PACS_DIMSE == server ]] && echo ", all in the archive $drained s later")"
                echo "$assoc $name $seconds $drained" >>"$WORK/store.out"
            done
        done
    done
    RSS_STORE_PACS=$(rss_kib "$PACS_PID")
    RSS_STORE_ORTHANC=$(rss_kib "$ORTHANC_PID")
fi

# ------------------------------------------------------------------ phase: C-MOVE (Orthanc holds the stored CT series)

move_series() { # NAME: C-MOVE of the first 500-instance CT series to BENCHDEST; prints "seconds received status"
    local port ae pid start end rc=0 study series
    read -r port ae pid <<<"$(target "$1")"
    study=$(awk -F'\t' 'NR == 2 {print $4}' "$ROOT/ct/index.tsv")
    series=$(awk -F'\t' 'NR == 2 {print $8}' "$ROOT/ct/index.tsv")
    rm -rf "$WORK/dest" && mkdir -p "$WORK/dest"
    start=$(now)
    movescu -S -aet BENCHSCU -aec "$ae" -aem BENCHDEST -k QueryRetrieveLevel=SERIES -k StudyInstanceUID="$study" \
        -k SeriesInstanceUID="$series" 127.0.0.1 "$port" >"$WORK/movescu-$1.log" 2>&1 || rc=$?
    end=$(now)
    awk -v s="$start" -v e="$end" -v n="$(find "$WORK/dest" -type f | wc -l)" -v rc="$rc" 'BEGIN {printf "%.3f %d %d\n", e - s, n, rc}'
}
if ! skip move; then
    if skip store; then
        say "move: storing the 500-instance series into both sides first ..."
        list_of ct 500 >"$WORK/series.list"
        for name in pacs orthanc; do store "$name" "$WORK/series.list" 1 >/dev/null; done
    fi
    if [[ $PACS_DIMSE == server ]]; then
        # The gateway acknowledges once spooled and forwards to the archive afterwards: wait until the archive has the series.
        study=$(awk -F'\t' 'NR == 2 {print $4}' "$ROOT/ct/index.tsv")
        series=$(awk -F'\t' 'NR == 2 {print $8}' "$ROOT/ct/index.tsv")
        for ((i = 0; i < 1200; i++)); do
            n=$(curl -fs "$PACS_HTTP/dicom-web/studies/$study/series/$series/instances?includefield=00080018&limit=1000" 2>/dev/null | grep -o '"00080018"' | wc -l || true)
            ((n >= 500)) && break
            sleep 0.5
        done
        say "move: the archive holds ${n:-0} of the series' 500 instances"
    fi
    : >"$WORK/move.out"
    for name in orthanc pacs orthanc pacs; do
        read -r seconds received rc <<<"$(move_series $name)"
        say "  move $name: $received instances in $seconds s (movescu exit $rc)"
        echo "$name $seconds $received $rc" >>"$WORK/move.out"
    done
fi

# ------------------------------------------------------------------ phase: idle associations

if ! skip idle; then
    : >"$WORK/idle.out"
    for name in pacs orthanc; do
        read -r port ae pid <<<"$(target "$name")"
        say "idle: $IDLE associations into $name, held $IDLE_HOLD s ..."
        line=$("$HOST" idle --port "$port" --ae "$ae" --count "$IDLE" --hold "$IDLE_HOLD" --batch 250 --pid "$pid" 2>>"$WORK/idle-$name.err" || true)
        [[ -n $line ]] || line="idle (the client failed: $(tail -n 1 "$WORK/idle-$name.err"))"
        kill -0 "$pid" 2>/dev/null || line="$line server_exited=1"
        say "  $name: $line"
        echo "$name $line" >>"$WORK/idle.out"
    done
fi
stop_pacs
stop_orthanc

# ------------------------------------------------------------------ phase: C-FIND

if ! skip find; then
    # Over the 100k index of dicomweb-orthanc.sh when it has filled Orthanc (and Pacs, in server mode), else over the
    # store phase's data (which that phase leaves in $WORK).
    # Only finished fills: a fill in progress or its settings file carries a suffix.
    FILLED_ORTHANC=
    [[ $FIND_OVER == store ]] || FILLED_ORTHANC=$(ls -d "$ROOT"/filled-orthanc-* 2>/dev/null | grep -E '/filled-orthanc-[0-9a-f]{12}-[0-9.]+$' | head -n 1 || true)
    if [[ -n $FILLED_ORTHANC && -f $ROOT/index/index.tsv ]]; then
        FIND_INDEX=$ROOT/index/index.tsv
        FIND_WHAT="the 100,000-instance index of dicomweb-orthanc.sh (+500 CT)"
        ORTHANC_FIND_FOLDER=$FILLED_ORTHANC
        PACS_FIND_FOLDER=$(ls -d "$ROOT"/filled-pacs-* 2>/dev/null | grep -E '/filled-pacs-[0-9a-f]{12}-[0-9a-f]{12}$' | head -n 1 || true)
    else
        FIND_INDEX=$ROOT/ct/index.tsv
        FIND_WHAT="the CT study of the store phase"
        ORTHANC_FIND_FOLDER=$WORK/orthanc
        PACS_FIND_FOLDER=$WORK/pacs
    fi
    awk -F'\t' '
        NR == 1 {next}
        { n++; pid[n] = $2; name[n] = $3; study[n] = $4; date[n] = $6; series[n] = $8 }
        END {
            for (k = 0; k < 20; k++) {
                i = 1 + int(k * n / 20) + 3
                if (i > n) i = n
                split(name[i], pn, "^")
                printf "studies by PatientID\tSTUDY\tPatientID=%s\tStudyInstanceUID=\tStudyDate=\tPatientName=\n", pid[i]
                printf "studies by PatientName prefix*\tSTUDY\tPatientName=%s*\tStudyInstanceUID=\tPatientID=\n", substr(pn[1], 1, 3)
                printf "studies by StudyDate month\tSTUDY\tStudyDate=%s01-%s28\tStudyInstanceUID=\tPatientID=\n", substr(date[i], 1, 6), substr(date[i], 1, 6)
                printf "series of a study\tSERIES\tStudyInstanceUID=%s\tSeriesInstanceUID=\tModality=\tSeriesNumber=\n", study[i]
                printf "instances of a series\tIMAGE\tStudyInstanceUID=%s\tSeriesInstanceUID=%s\tSOPInstanceUID=\tInstanceNumber=\n", study[i], series[i]
            }
        }' "$FIND_INDEX" >"$WORK/find.tsv"
    : >"$WORK/find.out"
    say "find: C-FIND latency over $FIND_WHAT ..."
    start_orthanc "$ORTHANC_FIND_FOLDER"
    wait_settled "$ORTHANC_PID"
    "$HOST" find --port "$ORTHANC_PORT" --ae ORTHANC --queries "$WORK/find.tsv" --rounds "$FIND_ROUNDS" | sed 's/^find/orthanc/' >>"$WORK/find.out" ||
        say "  C-FIND into Orthanc failed for some queries"
    stop_orthanc
    rm -f "$ORTHANC_FIND_FOLDER.json"
    if [[ -n $PACS_FIND_FOLDER ]]; then
        start_pacs "$PACS_FIND_FOLDER"
        wait_settled "$PACS_PID"
        "$HOST" find --port "$PACS_PORT" --ae "$PACS_AE" --queries "$WORK/find.tsv" --rounds "$FIND_ROUNDS" 2>"$WORK/find-pacs.err" | sed 's/^find/pacs/' >>"$WORK/find.out" || true
        stop_pacs
    fi
fi

# ------------------------------------------------------------------ report

{
    echo
    echo "DIMSE benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load average $LOAD_AT_START at the start, $(cut -d ' ' -f 1-3 /proc/loadavg) at the end"
    if [[ $PACS_DIMSE == host ]]; then
        echo "Pacs $PACS_COMMIT: bench/Pacs.Gateway.Bench storage SCP on libs/Pacs.Dimse (the gateway's acknowledging path: spool, fsync, rename, fsync folder; no index, no forwarding)"
    else
        echo "Pacs $PACS_COMMIT: services/Pacs.Server (Release) with its gateway listener"
    fi
    echo "vs Orthanc $ORTHANC_VERSION (default settings: SQLite index, file storage with SyncStorageArea), DCMTK $(storescu --version 2>/dev/null | awk 'NR == 1 {match($0, /v[0-9.]+/); print substr($0, RSTART, RLENGTH)}') tools with TCP_NODELAY=1"
} >>"$REPORT"

if ! skip store; then
    report ""
    report "C-STORE: storescu of $STORE_N CT instances (512x512x16, $(calc %.0f "$CT_BYTES / 1e6") MB); $ROUNDS round(s), alternating; median seconds; ratio = Pacs rate / Orthanc rate"
    printf '%-26s %10s %10s %10s %10s %10s %10s %8s\n' "associations" "Pacs s" "Orth s" "Pacs i/s" "Orth i/s" "Pacs MB/s" "Orth MB/s" "ratio" >>"$REPORT"
    for assoc in 1 4; do
        ps=$(awk -v a=$assoc '$1 == a && $2 == "pacs" {print $3}' "$WORK/store.out" | median)
        os=$(awk -v a=$assoc '$1 == a && $2 == "orthanc" {print $3}' "$WORK/store.out" | median)
        ratio=$(calc %.2f "$os / $ps")
        label=$([[ $assoc == 1 ]] && echo "one association" || echo "four in parallel")
        printf '%-26s %10.2f %10.2f %10.0f %10.0f %10.1f %10.1f %7sx\n' "$label" "$ps" "$os" "$(calc %.1f "$STORE_N / $ps")" "$(calc %.1f "$STORE_N / $os")" \
            "$(calc %.2f "$CT_BYTES / $ps / 1e6")" "$(calc %.2f "$CT_BYTES / $os / 1e6")" "$ratio" >>"$REPORT"
        verdict "C-STORE ingest at least as fast as Orthanc, $label: ${ratio}x" "$ratio" 1.0 higher
    done
    report "  per round (s): $(awk '{printf "%s/%s=%s ", $2, $1, $3}' "$WORK/store.out")"
    if [[ $PACS_DIMSE == server ]]; then
        report "  Pacs acknowledges once spooled (fsynced) and ingests into the archive meanwhile and afterwards; seconds from the end of each run until the archive held all of it: $(awk '$2 == "pacs" {printf "%s/%s=%s ", $2, $1, $4}' "$WORK/store.out")"
    fi
    report "  resident memory: Pacs $((RSS_IDLE_PACS / 1024)) MiB after warm-up, $((RSS_STORE_PACS / 1024)) MiB after the rounds; Orthanc $((RSS_IDLE_ORTHANC / 1024)) / $((RSS_STORE_ORTHANC / 1024)) MiB"
fi

if ! skip move; then
    report ""
    report "C-MOVE of a 500-instance CT series to a storescp (movescu, Study Root, SERIES level); 2 runs each"
    for name in pacs orthanc; do
        awk -v n=$name '$1 == n' "$WORK/move.out" | while read -r _ seconds received rc; do
            if [[ $received == 500 && $rc == 0 ]]; then
                echo "ok $seconds"
            else
                echo "fail $seconds $received $rc"
            fi
        done >"$WORK/move-$name.res"
        if grep -q '^fail' "$WORK/move-$name.res"; then
            report "  $name: n/a ($(head -n 1 "$WORK/move-$name.res" | awk '{printf "%s of 500 received, movescu exit %s", $3, $4}'); $( [[ $name == pacs && $PACS_DIMSE == host ]] && echo "the bench host has no C-MOVE SCP" || tail -n 2 "$WORK/movescu-$name.log" | tr '\n' ' '))"
        else
            s=$(awk '{print $2}' "$WORK/move-$name.res" | median)
            report "  $name: $(calc %.2f "$s") s median ($(calc %.0f "500 / $s") instances/s)"
        fi
    done
fi

if ! skip idle; then
    report ""
    report "Idle associations: $IDLE opened (each with a C-ECHO), held $IDLE_HOLD s, C-ECHO again on each, released"
    while read -r name line; do
        report "  $name: $line"
    done <"$WORK/idle.out"
    pacs_line=$(awk '$1 == "pacs"' "$WORK/idle.out")
    alive=$(tr ' ' '\n' <<<"$pacs_line" | awk -F= '$1 == "alive_after_hold" {print $2}')
    errors=$(tr ' ' '\n' <<<"$pacs_line" | awk -F= '$1 == "errors" {print $2}')
    if [[ ${alive:-0} == "$IDLE" && ${errors:-1} == 0 ]]; then
        echo "BAR MET    $IDLE simultaneous idle associations held by Pacs without error" >>"$WORK/verdicts.txt"
    else
        echo "BAR MISSED $IDLE simultaneous idle associations held by Pacs without error (alive ${alive:-?}, errors ${errors:-?})" >>"$WORK/verdicts.txt"
    fi
fi

if ! skip find; then
    report ""
    report "C-FIND latency (ms, one association, $FIND_ROUNDS timed passes of 20 queries per kind after one warm-up pass) over $FIND_WHAT"
    printf '%-34s %9s %9s %9s %9s %9s %9s\n' "query" "Pacs p50" "Pacs p99" "Orth p50" "Orth p99" "Pacs n" "Orth n" >>"$REPORT"
    awk -F'\t' '$1 == "orthanc" {print $2}' "$WORK/find.out" | while read -r label; do
        IFS=$'\t' read -r _ _ _ o50 o99 on <<<"$(awk -F'\t' -v l="$label" '$1 == "orthanc" && $2 == l' "$WORK/find.out")"
        p=$(awk -F'\t' -v l="$label" '$1 == "pacs" && $2 == l && $3 > 0' "$WORK/find.out")
        if [[ -n $p ]]; then
            IFS=$'\t' read -r _ _ _ p50 p99 pn <<<"$p"
        else
            p50=n/a p99=n/a pn=n/a
        fi
        printf '%-34s %9s %9s %9.1f %9.1f %9s %9s\n' "$label" "$p50" "$p99" "$o50" "$o99" "$pn" "$on" >>"$REPORT"
    done
    if ! awk -F'\t' '$1 == "pacs" && $3 > 0' "$WORK/find.out" | grep -q .; then
        report "  Pacs: n/a ($([[ $PACS_DIMSE == host ]] && echo "the bench host has no C-FIND SCP" || head -n 1 "$WORK/find-pacs.err"))"
    fi
fi

report ""
cat "$WORK/verdicts.txt" >>"$REPORT"
cat "$REPORT"
