#!/usr/bin/env bash
# Promotion: the SAME built package (same sha256) goes to dev, then to prod.
#   scripts/promote.sh [path/to/functionapp.zip]
# Needs the Pulumi CLI and an Azure login; the elasticsearchApiKey secret must be set on the stacks with readStore=external (prod).
set -euo pipefail
package="${1:-dist/functionapp.zip}"
[ -f "$package" ] || { echo "no $package: run npm run package first" >&2; exit 1; }
sha="$(sha256sum "$package" | cut -d' ' -f1)"
echo "promoting $package sha256=$sha"

for stack in dev prod; do
  pulumi config set --stack "$stack" packagePath "$package"
  pulumi up --stack "$stack" --yes
  deployed="$(pulumi stack output --stack "$stack" packageSha256)"
  if [ "$deployed" != "$sha" ]; then
    echo "$stack runs $deployed, expected $sha: stopping before the next stage" >&2
    exit 1
  fi
  echo "$stack runs $sha"
done
