#!/usr/bin/env bash
# Schemathesis (an OpenAPI-driven fuzzer nobody here wrote) against the local host: all phases
# (examples, coverage, fuzzing, stateful), every check, a fixed seed and bounded examples
# (.ci/schemathesis.toml), with the function key. Exit status: Schemathesis's own (non-zero on any
# failed check). The tool is Schemathesis 4.9.5 packaged to run offline: SCHEMATHESIS, else
# shared/tools/schemathesis/st beside the repository or beside any folder above it (a clone may sit one or
# more levels below the workspace that holds the tools). A missing tool is a failure when
# REQUIRE_ALL_SERVICES=1, else a loud skip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
find_tool() {
  local dir
  dir="$(dirname "$ROOT")"
  while :; do
    if [[ -x "$dir/shared/tools/schemathesis/st" ]]; then echo "$dir/shared/tools/schemathesis/st"; return; fi
    [[ "$dir" == / ]] && break
    dir="$(dirname "$dir")"
  done
  echo "$ROOT/../shared/tools/schemathesis/st"
}
ST="${SCHEMATHESIS:-$(find_tool)}"
if [ ! -x "$ST" ]; then
  echo "schemathesis: tool not found at $ST" >&2
  if [ "${REQUIRE_ALL_SERVICES:-}" = "1" ]; then exit 1; fi
  echo "schemathesis: SKIPPED (set SCHEMATHESIS or install the tool; REQUIRE_ALL_SERVICES=1 makes this a failure)" >&2
  exit 0
fi
export PATH="$ROOT/node_modules/.bin:$PATH"

PORT="${SCHEMATHESIS_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}"
FUNCTION_KEY="st-function-key-$RANDOM$RANDOM"
MASTER_KEY="st-master-key-$RANDOM$RANDOM"
WORK="$(mktemp -d)"
LOG="$ROOT/.local/schemathesis-host.log"
mkdir -p "$ROOT/.local"

# Embedded stores unless the environment points elsewhere; a real Elasticsearch gets an index of its own.
PORT="$PORT" FUNCTION_KEY="$FUNCTION_KEY" MASTER_KEY="$MASTER_KEY" LOCAL_SEED=off \
  DEAD_LETTER_DIR="$WORK/deadletter" LOCAL_TOPIC_JOURNAL_DIR="$WORK/journal" \
  ELASTICSEARCH_INDEX="movies-schemathesis-$$" \
  tsx scripts/start.ts >"$LOG" 2>&1 &
HOST_PID=$!
cleanup() {
  kill "$HOST_PID" 2>/dev/null || true
  wait "$HOST_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  if curl -fsS --max-time 2 "$URL/api/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$HOST_PID" 2>/dev/null; then echo "schemathesis: the host did not start" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 1
done
curl -fsS --max-time 2 "$URL/api/health" >/dev/null

export SCHEMATHESIS_MASTER_KEY="$MASTER_KEY"
"$ST" --config-file .ci/schemathesis.toml run "$URL/api/openapi.json" \
  --url "$URL" \
  --header "x-functions-key: $FUNCTION_KEY" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --report junit --report-dir "$ROOT/.local/schemathesis" \
  "$@"
