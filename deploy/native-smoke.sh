#!/usr/bin/env bash
# Native smoke test, for a machine with Docker (Compose v2 and BuildKit): builds both native images from the sources,
# starts the compose stack, creates a user with the seed's curl line, scales notificator out and kills one, and prints
# each service's native start time and memory. It stops the stack (and drops its volume) at the end.
#
#   deploy/native-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."

compose() { docker compose -f docker-compose.yml "$@"; }
registered() { compose exec -T etcd etcdctl get --prefix --keys-only /services/notificator/ | grep -c . || true; }
await_registered() { # count
  for _ in $(seq 1 120); do [ "$(registered)" -eq "$1" ] && return 0; sleep 0.5; done
  echo "expected $1 registered notificators, found $(registered)" >&2; exit 1
}
create() { curl -s -o /dev/null -w '%{http_code}' -XPOST http://localhost:8802/create -d "{\"email\": \"$1\"}"; }

trap 'compose down -v --remove-orphans >/dev/null 2>&1 || true' EXIT

echo "== building native images (first time: several minutes)"
compose build
echo "== starting etcd, 3 notificators, users"
compose up -d
for _ in $(seq 1 120); do curl -fs -o /dev/null http://localhost:8802/q/health/live && break; sleep 0.5; done
await_registered 3

echo "== the seed's curl line"
curl -s -i -XPOST http://localhost:8802/create -d '{"email": "ann@example.com"}'
echo

echo "== native start times and memory"
compose logs notificator users | grep -E "started in" || true
docker stats --no-stream --format '{{.Name}}: {{.MemUsage}}' $(compose ps -q)

echo "== scale out to 5 notificators"
compose up -d --scale notificator=5 --no-recreate
await_registered 5

echo "== SIGKILL one notificator, then 100 creates"
victim="$(compose ps -q notificator | head -1)"
docker kill -s KILL "$victim" >/dev/null
failures=0
for i in $(seq 1 100); do [ "$(create "smoke-kill-$i-$RANDOM@example.com")" = 201 ] || failures=$((failures + 1)); done
echo "failed creates after SIGKILL: $failures of 100"

echo "== SIGTERM one notificator: its key must vanish at once"
victim="$(compose ps -q notificator | head -1)"
before="$(registered)"
docker stop -t 15 "$victim" >/dev/null &
sleep 0.5
echo "registered before: $before, 0.5 s after SIGTERM: $(registered)"
wait
failures=0
for i in $(seq 1 100); do [ "$(create "smoke-term-$i-$RANDOM@example.com")" = 201 ] || failures=$((failures + 1)); done
echo "failed creates after SIGTERM: $failures of 100"
