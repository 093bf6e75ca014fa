#!/usr/bin/env bash
# The floor under the file store's ingest cost on this machine: bench/storage-floor/storage-floor.c writes objects of
# the sizes of bench/dicomweb-orthanc.sh's two data sets exactly as the file store makes a blob durable (SHA-256,
# temporary file, write, fdatasync, no-replace rename, folder fsync) and does nothing else. Its CPU per object is what
# any server that keeps docs/storage.md's durability contract pays before it parses, indexes or answers anything; its
# rate is the most such objects this disk takes at the given concurrency. See docs/benchmarks.md.
#
#   bench/storage-floor.sh
#
# Environment (all optional):
#   PACS_BENCH_SIZES        object sizes in bytes          (default "526186 10071": the CT and small data sets)
#   PACS_BENCH_OBJECTS      objects per run                (default 2000)
#   PACS_BENCH_CONCURRENCY  writing threads                (default 4, as the ingest benchmark's concurrent requests)
#   PACS_BENCH_RUNS         runs per size; the median counts (default 3)
#   PACS_BENCH_WORK         where the objects are written  (default a new folder under /tmp; the same file system as
#                           the benchmark's data folders)
#
# Needs gcc and the OpenSSL headers (Debian: gcc libssl-dev). Exit status: 0 when every run finished, 1 when one
# failed, 2 when a prerequisite is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${PACS_BENCH_SIZES:-526186 10071}
OBJECTS=${PACS_BENCH_OBJECTS:-2000}
CONCURRENCY=${PACS_BENCH_CONCURRENCY:-4}
RUNS=${PACS_BENCH_RUNS:-3}

say() { printf '%s\n' "$*" >&2; }
command -v gcc >/dev/null 2>&1 || { say "storage-floor.sh: gcc is missing (apt install gcc libssl-dev)"; exit 2; }
[[ -f /usr/include/openssl/sha.h ]] || { say "storage-floor.sh: the OpenSSL headers are missing (apt install libssl-dev)"; exit 2; }

WORK=${PACS_BENCH_WORK:-$(mktemp -d /tmp/pacs-storage-floor.XXXXXX)}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
gcc -O2 -Wall -o "$WORK/storage-floor" "$REPO/bench/storage-floor/storage-floor.c" -lcrypto -lpthread

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
field() { tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }

echo "storage floor, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "each object: SHA-256, temporary file, write, fdatasync, drop cached pages, no-replace rename, folder fsync; $CONCURRENCY threads, median of $RUNS runs of $OBJECTS objects"
printf '%12s %12s %14s\n' "size bytes" "objects/s" "CPU ms/object"
for size in $SIZES; do
    : >"$WORK/runs"
    for ((run = 1; run <= RUNS; run++)); do
        # A fresh folder per run, all removed only at the end: ext4 without a journal skips inodes freed in the last
        # minute when it allocates new ones, so deleting the previous run's files would slow the next run's creates.
        "$WORK/storage-floor" "$WORK/objects-$size-$run" "$size" "$OBJECTS" "$CONCURRENCY" >>"$WORK/runs"
    done
    rate=$(while read -r line; do field objects_per_second <<<"$line"; done <"$WORK/runs" | median)
    cpu=$(while read -r line; do field cpu_ms_per_object <<<"$line"; done <"$WORK/runs" | median)
    printf '%12s %12s %14s\n' "$size" "$rate" "$cpu"
done
