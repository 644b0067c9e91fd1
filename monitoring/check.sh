#!/usr/bin/env bash
# Validates the monitoring assets with promtool (Debian package `prometheus`):
# the Prometheus config (and the rule files it references), the alert rules, and the alert
# unit tests. Exits non-zero on the first failure. Usage: monitoring/check.sh (from anywhere).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
promtool="${PROMTOOL:-promtool}"

if ! command -v "$promtool" >/dev/null 2>&1; then
  echo "monitoring/check.sh: promtool not found; install it with: apt-get install -y prometheus" >&2
  exit 127
fi

cd "$here/.."
"$promtool" check config monitoring/prometheus.yml
"$promtool" check rules monitoring/alerts/chopsticks-alerts.yml
shopt -s nullglob
tests=(monitoring/alerts/*.test.yml)
if [ "${#tests[@]}" -eq 0 ]; then
  echo "monitoring/check.sh: no alert rule tests found" >&2
  exit 1
fi
"$promtool" test rules "${tests[@]}"
echo "monitoring/check.sh: OK"
