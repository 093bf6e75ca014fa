#!/usr/bin/env bash
# Runs every test project of Pacs. Installs what the tests need on Debian (DCMTK, pydicom, numpy, Pillow, Node.js with npm,
# PostgreSQL, RabbitMQ) when missing,
# then builds once and runs each test project, and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 TCP_NODELAY=1

need=()
command -v dcmdump >/dev/null 2>&1 || need+=(dcmtk)
/usr/bin/python3 -c 'import pydicom' >/dev/null 2>&1 || need+=(python3-pydicom)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1 || need+=(python3-pil)
# The Azure storage tests install Azurite with npm (tests/Pacs.Storage.Tests/Azure/AzuriteFixture.cs).
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# The archive tests start a real PostgreSQL 15 from its binaries (tests/Pacs.Testing/PostgresServer.cs).
[ -x "${PACS_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}/initdb" ] || need+=(postgresql)
# The messaging and indexer tests start a real RabbitMQ from its binaries (tests/Pacs.Testing/RabbitMqServer.cs).
[ -x "${PACS_RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}" ] || need+=(rabbitmq-server)
# The deployment tests build k8s/ with `kubectl kustomize` (tests/Pacs.Deploy.Tests/KustomizeTests.cs).
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing test prerequisites: ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
        || { echo "could not install ${need[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

if [ -z "${PACS_DICOM_CORPUS:-}" ] && [ -d ../shared/dicom-corpus ]; then
    export PACS_DICOM_CORPUS="$(cd ../shared/dicom-corpus && pwd)"
fi

if ! dotnet build Pacs.sln -c Release -nologo -v q; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0; failed=0; status=0
log=$(mktemp)
for project in $(find tests -name '*.Tests.csproj' | sort); do
    echo "== $project"
    dotnet test "$project" -c Release --no-build -nologo --blame-hang-timeout 10m 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "no test summary from $project (exit code $rc)"
        failed=$((failed + 1)); status=1; continue
    fi
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
    f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" -ne 0 ] && status=1
done
rm -f "$log"
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
