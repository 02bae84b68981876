#!/usr/bin/env bash
# Start-up of the read store's Elasticsearch container (readStore=container).
#
# The container may restart with empty storage, so nothing the app needs lives in Elasticsearch's own
# security index: the app's least-privilege user and its role are written to the FILE realm here, on every
# start, from the Container Apps secrets (which Container Apps reads from Key Vault). Then Elasticsearch runs
# in the foreground.
#
# Settings are written explicitly (security on, HTTP and transport TLS off, enrollment off): with any
# xpack.security setting present, Elasticsearch's security auto-configuration leaves TLS alone, so the node
# speaks plain HTTP inside and the Container Apps ingress terminates HTTPS.
#
# Environment:
#   ES_APP_USERNAME, ES_APP_PASSWORD   the app's user (required)
#   ES_APP_ROLE                        name of the role the user gets (required)
#   ES_APP_ROLE_YML                    the role file (roles.yml) defining ES_APP_ROLE (required)
#   ES_HOME (/usr/share/elasticsearch), ES_PATH_CONF ($ES_HOME/config), ES_NETWORK_HOST (0.0.0.0),
#   ES_HTTP_PORT (9200), ES_CLUSTER_NAME (movie-catalog)
#   ELASTIC_PASSWORD                   the `elastic` superuser's bootstrap password (operators only; optional)
# Arguments are passed on to bin/elasticsearch (for example -E path.data=...).
set -euo pipefail

: "${ES_APP_USERNAME:?ES_APP_USERNAME is required}"
: "${ES_APP_PASSWORD:?ES_APP_PASSWORD is required}"
: "${ES_APP_ROLE:?ES_APP_ROLE is required}"
: "${ES_APP_ROLE_YML:?ES_APP_ROLE_YML is required}"
ES_HOME="${ES_HOME:-/usr/share/elasticsearch}"
export ES_PATH_CONF="${ES_PATH_CONF:-$ES_HOME/config}"

cat >"$ES_PATH_CONF/elasticsearch.yml" <<YAML
cluster.name: ${ES_CLUSTER_NAME:-movie-catalog}
network.host: ${ES_NETWORK_HOST:-0.0.0.0}
http.port: ${ES_HTTP_PORT:-9200}
discovery.type: single-node
node.store.allow_mmap: false
xpack.security.enabled: true
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
xpack.security.enrollment.enabled: false
YAML

printf '%s\n' "$ES_APP_ROLE_YML" >"$ES_PATH_CONF/roles.yml"
# The users files are rebuilt on every start, so a rotated password replaces the old one.
: >"$ES_PATH_CONF/users"
: >"$ES_PATH_CONF/users_roles"
"$ES_HOME/bin/elasticsearch-users" useradd "$ES_APP_USERNAME" -p "$ES_APP_PASSWORD" -r "$ES_APP_ROLE"

if [[ -n "${ELASTIC_PASSWORD:-}" ]]; then
  # The official image's entrypoint does this for the docker-entrypoint path; done here because this script
  # replaces it. The bootstrap password works until the security index holds one of its own.
  "$ES_HOME/bin/elasticsearch-keystore" list >/dev/null 2>&1 || "$ES_HOME/bin/elasticsearch-keystore" create >/dev/null
  printf '%s' "$ELASTIC_PASSWORD" | "$ES_HOME/bin/elasticsearch-keystore" add -x -f bootstrap.password >/dev/null
fi
unset ES_APP_PASSWORD ELASTIC_PASSWORD

exec "$ES_HOME/bin/elasticsearch" "$@"
