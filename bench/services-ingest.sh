#!/usr/bin/env bash
# Ingest through the separate services beside the embedded process, in one run (issue 5 section 6).
# See docs/benchmarks.md ("Separate services beside the embedded process") for what each figure means.
#
#   bench/services-ingest.sh
#
# Starts PostgreSQL, RabbitMQ and Azurite from local binaries on 127.0.0.1 (free ports, one temporary folder each,
# stopped by PID at the end), then, one side after the other:
#   separate  Pacs.Gateway -> STOW-RS -> Pacs.DicomWeb -> outbox -> RabbitMQ -> Pacs.Indexer, three processes;
#   embedded  Pacs.Server: gateway, archive and indexer in one process (in-memory bus);
# both on the same PostgreSQL and Azurite (a database and a container of their own), Release builds, run with dotnet.
# On each side: a 20-instance warm-up, then the latency of single instances (storescu of one file of a new study,
# then polls until QIDO-RS finds it, the indexer has rebuilt its series document and the series metadata lists it),
# then a bulk ingest (one storescu association) timed until every study is complete in QIDO-RS and every series
# document is current. Prints a table with the ratios separate / embedded.
#
# Environment (all optional):
#   PACS_BENCH_INSTANCES  instances of the bulk ingest                         (default 1000)
#   PACS_BENCH_STUDIES    studies they are spread over (one series each)       (default 10)
#   PACS_BENCH_LATENCY    single instances timed for the latency               (default 20)
#   PACS_BENCH_ROWS       rows = columns of the generated MR images, 16 bit    (default 256)
#   PACS_BENCH_ORDER      which side goes first: separate,embedded | embedded,separate (or one side alone)
#
# Exit status: 0 when everything ran, 1 when a step failed, 2 when a prerequisite is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TCP_NODELAY=1 # Debian's DCMTK leaves Nagle on otherwise (~45 ms per round trip; ../shared/PEERS.md)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
command -v dotnet >/dev/null 2>&1 || missing+=("dotnet (the .NET SDK of global.json)")
command -v storescu >/dev/null 2>&1 || missing+=("storescu (Debian: apt-get install dcmtk)")
/usr/bin/python3 -c 'import pydicom, numpy' >/dev/null 2>&1 || missing+=("pydicom and numpy (Debian: apt-get install python3-pydicom python3-numpy)")
[[ -x ${PACS_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}/initdb ]] || missing+=("PostgreSQL 15 (Debian: apt-get install postgresql)")
[[ -x ${PACS_RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server} ]] || missing+=("RabbitMQ (Debian: apt-get install rabbitmq-server)")
command -v npm >/dev/null 2>&1 || missing+=("npm, to install Azurite (Debian: apt-get install npm)")
if ((${#missing[@]} > 0)); then
    echo "services-ingest.sh: cannot run, missing:" >&2
    for m in "${missing[@]}"; do echo "  - $m" >&2; done
    exit 2
fi

echo "build: bench/Pacs.Services.Bench and the services (Release) ..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! dotnet build "$REPO/bench/Pacs.Services.Bench" -c Release -v q -nologo >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "services-ingest.sh: the build failed" >&2
    exit 1
fi
dotnet "$REPO/bench/Pacs.Services.Bench/bin/Release/net10.0/Pacs.Services.Bench.dll" || exit 1
