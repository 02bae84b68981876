#!/usr/bin/env bash
# Local Elasticsearch for development and tests: the integ-test-zip distribution (fetched with Maven),
# one single-node instance per port, security off, bound to 127.0.0.1.
#
#   scripts/es.sh fetch          download (once) and unpack the distribution into .cache/
#   scripts/es.sh start [port]   start a daemonized node (default $ES_PORT or 9200), wait for health, print URL
#   scripts/es.sh stop [port] [--purge]
#                                stop the node started for that port (--purge: delete its data too)
#   scripts/es.sh status [port]  print the cluster health, exit 1 when not running
#
# Elasticsearch refuses to run as root: as root the node runs as the system user $ES_USER (default esrunner),
# created when missing. Instance data lives in .cache/es-data-<port>/; when that user cannot reach the
# checkout (a clone under /root, say) the distribution and the data move to $ES_RUNTIME_DIR instead.
set -euo pipefail

ES_VERSION=8.19.21
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
ES_HOME="$CACHE/elasticsearch-$ES_VERSION"
ES_ZIP="$CACHE/elasticsearch-$ES_VERSION.zip"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
ES_USER="${ES_USER:-esrunner}"
START_TIMEOUT_S="${ES_START_TIMEOUT_S:-90}"

die() { echo "es.sh: $*" >&2; exit 1; }

port_arg() {
  local port="${1:-${ES_PORT:-9200}}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
  echo "$port"
}

RUNTIME_DIR="${ES_RUNTIME_DIR:-/var/tmp/es-local}"

# True when the node, running as $ES_USER, could read the checkout's .cache.
cache_reachable() {
  [[ "$(id -u)" != 0 ]] && return 0
  id -u "$ES_USER" >/dev/null 2>&1 || return 0
  as_runner test -x "$CACHE" 2>/dev/null
}

instance_base() { if cache_reachable; then echo "$CACHE"; else echo "$RUNTIME_DIR"; fi; }
instance_dir() { echo "$(instance_base)/es-data-$1"; }
url_for() { echo "http://127.0.0.1:$1"; }

health() { curl -fsS --max-time 2 "$(url_for "$1")/_cluster/health" 2>/dev/null; }

find_java17() {
  local d
  for d in /usr/lib/jvm/*17*; do
    if [[ -x "$d/bin/java" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

cmd_fetch() {
  if [[ -x "$ES_HOME/bin/elasticsearch" ]]; then
    echo "$ES_HOME"
    return 0
  fi
  mkdir -p "$CACHE"
  if [[ ! -f "$ES_ZIP" ]]; then
    command -v mvn >/dev/null || die "mvn is needed to download $ARTIFACT"
    mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="$ARTIFACT" -DoutputDirectory="$CACHE" -Dmdep.stripVersion=false
    [[ -f "$ES_ZIP" ]] || die "download did not produce $ES_ZIP"
  fi
  local tmp
  tmp="$(mktemp -d "$CACHE/unzip.XXXXXX")"
  unzip -q "$ES_ZIP" -d "$tmp"
  [[ -d "$tmp/elasticsearch-$ES_VERSION" ]] || { rm -rf "$tmp"; die "unexpected layout in $ES_ZIP"; }
  # A rename, so a concurrent or interrupted fetch never leaves a half-unpacked distribution behind.
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME" 2>/dev/null || true
  rm -rf "$tmp"
  [[ -x "$ES_HOME/bin/elasticsearch" ]] || die "unpacking failed"
  echo "$ES_HOME"
}

ensure_user() {
  if ! id -u "$ES_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER" 2>/dev/null \
      || id -u "$ES_USER" >/dev/null 2>&1 \
      || die "could not create user $ES_USER"
  fi
}

# Runs "$@" as the user that owns the node (ourselves unless root).
as_runner() {
  if [[ "$(id -u)" == 0 ]]; then
    if command -v runuser >/dev/null; then
      runuser -u "$ES_USER" -- "$@"
    else
      su -s /bin/bash "$ES_USER" -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

read_pid() {
  local pidfile="$(instance_dir "$1")/es.pid"
  [[ -s "$pidfile" ]] && cat "$pidfile"
}

is_running() {
  local pid
  pid="$(read_pid "$1" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

cmd_start() {
  local port; port="$(port_arg "${1:-}")"
  local dir; dir="$(instance_dir "$port")"
  if is_running "$port" && health "$port" >/dev/null; then
    url_for "$port"
    return 0
  fi
  if health "$port" >/dev/null; then
    die "something else already answers on port $port"
  fi
  cmd_fetch >/dev/null
  local java_home; java_home="$(find_java17)" || die "no Java 17 JDK under /usr/lib/jvm"

  local es_home="$ES_HOME"
  if [[ "$(id -u)" == 0 ]]; then
    ensure_user
    dir="$(instance_dir "$port")"
    if ! cache_reachable; then
      # The checkout is private to root: run a copy of the distribution from a shared place.
      es_home="$RUNTIME_DIR/elasticsearch-$ES_VERSION"
      mkdir -p "$RUNTIME_DIR"
      chmod 755 "$RUNTIME_DIR"
      [[ -x "$es_home/bin/elasticsearch" ]] || cp -r "$ES_HOME" "$es_home"
    fi
  fi

  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  # A private config directory per instance: the node writes its keystore there.
  rm -rf "$dir/config"
  cp -r "$es_home/config" "$dir/config"
  cat >"$dir/config/elasticsearch.yml" <<YAML
cluster.name: es-local-$port
node.name: node-$port
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $dir/data
path.logs: $dir/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
YAML
  rm -f "$dir/es.pid"
  if [[ "$(id -u)" == 0 ]]; then
    chown -R "$ES_USER" "$dir"
    # The node must read its distribution.
    chmod -R a+rX "$es_home"
  fi

  as_runner env \
    ES_JAVA_HOME="$java_home" \
    ES_PATH_CONF="$dir/config" \
    ES_TMPDIR="$dir/tmp" \
    ES_JAVA_OPTS="-Xms512m -Xmx512m ${ES_EXTRA_JAVA_OPTS:-}" \
    "$es_home/bin/elasticsearch" -d -p "$dir/es.pid" >"$dir/start.out" 2>&1 \
    || { cat "$dir/start.out" >&2; die "elasticsearch failed to start (logs in $dir/logs)"; }

  local waited=0
  until health "$port" >/dev/null; do
    if (( waited >= START_TIMEOUT_S )); then
      die "no answer from $(url_for "$port")/_cluster/health after ${START_TIMEOUT_S}s (logs in $dir/logs)"
    fi
    if [[ -s "$dir/es.pid" ]] && ! is_running "$port"; then
      tail -n 30 "$dir/logs/es-local-$port.log" >&2 2>/dev/null || true
      die "elasticsearch exited during start-up (logs in $dir/logs)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  url_for "$port"
}

cmd_stop() {
  local port; port="$(port_arg "${1:-}")"
  local purge="${2:-}"
  local dir; dir="$(instance_dir "$port")"
  local pid=""
  pid="$(read_pid "$port" 2>/dev/null)" || true
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    local i
    for i in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "stopped elasticsearch on port $port"
  else
    echo "no elasticsearch started on port $port"
  fi
  rm -f "$dir/es.pid"
  if [[ "$purge" == "--purge" ]]; then rm -rf "$dir"; fi
}

cmd_status() {
  local port; port="$(port_arg "${1:-}")"
  if health "$port"; then
    echo
    return 0
  fi
  echo "elasticsearch is not answering on $(url_for "$port")" >&2
  return 1
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" "${3:-}" ;;
  status) cmd_status "${2:-}" ;;
  *) echo "usage: $0 {fetch|start [port]|stop [port] [--purge]|status [port]}" >&2; exit 2 ;;
esac
