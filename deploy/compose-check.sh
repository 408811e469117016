#!/usr/bin/env bash
# Starts the real docker-compose.yml with the native executables just built and does what a user does with it:
# up and the first 201, the registrations, scale 5 and back to 3 under load, a rolling replacement of the
# notificators under load, an etcd restart under load, users restarted with a pending outbox, down -v. Fails on any
# /create that is not a 201 where none may fail, on a user answered 201 that is not stored, on an outbox that does not
# drain. All load goes to the published port on 127.0.0.1, bounded in time. Run by .ci/run after the native build:
#
#   deploy/compose-check.sh      # needs users/target/*-runner and notificator/target/*-runner, a Docker engine
#
# Images: each module's src/main/docker/Dockerfile.native-micro with the executable in its target/; their base
# images pulled, or stood in for by deploy/local/base-images.sh where no registry answers.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOCKER_BUILDKIT=1 # the Dockerfiles use COPY --chmod
DOCKER=${DOCKER:-docker}
COMPOSE=${COMPOSE:-docker-compose}
project=microkit-check
compose() { $COMPOSE -p "$project" "$@"; }
users=http://127.0.0.1:8802
work=$(mktemp -d -t microkit-compose-XXXXXX)
failures=0
fail() { echo "FAILED: $*" >&2; failures=$((failures + 1)); }
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  if [ "$failures" -gt 0 ] || [ "${1:-}" = dump ]; then compose logs --tail 40 2>&1 | tail -120 || true; fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap 'cleanup dump' ERR
trap cleanup EXIT

seconds_since() { echo "$(date +%s%N) $1" | awk '{printf "%.1f", ($1 - $2) / 1e9}'; }
within() { echo "$(date +%s%N) $1 $2" | awk '{exit !(($1 - $2) / 1e9 < $3)}'; } # within start seconds

runner_users=$(ls users/target/*-runner)
runner_notificator=$(ls notificator/target/*-runner)
deploy/local/base-images.sh "$runner_users"
for module in notificator users; do
  $DOCKER build -q -f "$module/src/main/docker/Dockerfile.native-micro" -t "microkit/$module:native" "$module" >/dev/null
  echo "image microkit/$module:native: $($DOCKER image inspect -f '{{.Size}}' "microkit/$module:native" \
    | awk '{printf "%.0f MB", $1 / 1e6}'), user $($DOCKER image inspect -f '{{.Config.User}}' "microkit/$module:native")"
done
[ -n "$runner_notificator" ]

etcdctl() { compose exec -T etcd etcdctl "$@"; }
keys() { etcdctl get --prefix "$1" --keys-only 2>/dev/null | grep -c . || true; } # how many keys start with $1
registrations() { keys /services/notificator/; }
await_registrations() { # n seconds
  local deadline=$((SECONDS + $2))
  until [ "$(registrations)" = "$1" ]; do
    [ $SECONDS -lt $deadline ] || { fail "expected $1 registrations within $2 s, saw $(registrations)"; return; }
    sleep 0.5
  done
}

# load name seconds: 4 clients POST /create for that long; each answer's status and body in $work/name.*
load() {
  local name=$1 until=$((SECONDS + $2)) client
  for client in 1 2 3 4; do
    (
      i=0
      while [ $SECONDS -lt $until ]; do
        i=$((i + 1))
        curl -s -m 10 -o "$work/body" -w '%{http_code}\n' -XPOST "$users/create" \
          -d "{\"email\": \"$name-$client-$i@example.com\"}" >> "$work/$name.codes" || echo 000 >> "$work/$name.codes"
        grep -o '"id":"[^"]*"' "$work/body" 2>/dev/null | cut -d'"' -f4 >> "$work/$name.ids" || true
      done
    ) &
  done
}
# tally name allowed-statuses: prints the answers by status; fails on a status not allowed
tally() {
  wait
  local name=$1 allowed=$2 summary
  summary=$(sort "$work/$name.codes" | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
  echo "  $name: $(wc -l < "$work/$name.codes") creates: $summary"
  if grep -vqxE "$allowed" "$work/$name.codes"; then fail "$name: a /create answered other than $allowed"; fi
}

echo "== up"
started=$(date +%s%N)
compose up -d --no-build >/dev/null 2>&1
until [ "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$users/create" -d '{"email": "first@example.com"}')" = 201 ]; do
  within "$started" 90 || { fail "no 201 within 90 s of up"; exit 1; }
  sleep 0.2
done
echo "  first 201 $(seconds_since "$started") s after up"
compose logs users notificator 2>/dev/null | grep -o '[a-z]* 1.0.0-SNAPSHOT native (powered by Quarkus [^)]*) started in [0-9.]*s' \
  | sed 's/ (powered by Quarkus [^)]*)//; s/^/  /' | sort || true
await_registrations 3 30
# every container of the two services reports healthy (the images' HEALTHCHECK: readiness, through bash's /dev/tcp)
for service in notificator users; do
  for container in $(compose ps -q "$service"); do
    until [ "$($DOCKER inspect -f '{{.State.Health.Status}}' "$container")" = healthy ]; do
      within "$started" 90 || { fail "$service container $container not healthy within 90 s of up: \
$($DOCKER inspect -f '{{json .State.Health}}' "$container" | tail -c 400)"; break; }
      sleep 0.5
    done
  done
done
echo "  every notificator and users container healthy $(seconds_since "$started") s after up"
addresses=$(etcdctl get --prefix /services/notificator/ --print-value-only | grep -o '"Addr":"[^"]*"' | cut -d'"' -f4)
echo "  registered: $(echo "$addresses" | tr '\n' ' ')"
if echo "$addresses" | grep -q '^127\.'; then fail "a notificator registered a loopback address"; fi

echo "== scale to 5 and back to 3 under load"
load scale 40
t=$(date +%s%N); compose up -d --no-build --no-recreate --scale notificator=5 notificator >/dev/null 2>&1
await_registrations 5 30; echo "  5 registered $(seconds_since "$t") s after the scale"
t=$(date +%s%N); compose up -d --no-build --no-recreate --scale notificator=3 notificator >/dev/null 2>&1
await_registrations 3 30; echo "  3 registered $(seconds_since "$t") s after the scale down"
tally scale '201'

echo "== rolling replacement of the notificators under load"
load rolling 40
t=$(date +%s%N); compose up -d --no-build --no-deps --force-recreate notificator >/dev/null 2>&1
await_registrations 3 30; echo "  3 registered $(seconds_since "$t") s after the replacement began"
tally rolling '201'

echo "== etcd restart under load"
load etcd 40
sleep 3
t=$(date +%s%N); compose restart etcd >/dev/null 2>&1
echo "  etcd restarted in $(seconds_since "$t") s"
await_registrations 3 30; echo "  3 registered $(seconds_since "$t") s after the restart began"
tally etcd '201|503|504'
lost=0
while read -r id; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$users/users/$id")" = 200 ] || lost=$((lost + 1))
done < <(cat "$work"/*.ids)
echo "  users answered 201, all phases: $(cat "$work"/*.ids | wc -l), not found afterwards: $lost"
[ "$lost" = 0 ] || fail "$lost users answered 201 are not stored"

echo "== users restarted with a pending outbox"
compose stop notificator >/dev/null 2>&1
for i in 1 2 3 4 5; do
  curl -s -o /dev/null -XPOST "$users/create" -d "{\"email\": \"pending-$i@example.com\"}"
done
pending=$(keys /users/outbox-due/)
echo "  pending welcome emails: $pending"
[ "$pending" -ge 5 ] || fail "expected at least 5 pending welcome emails, saw $pending"
t=$(date +%s%N); compose restart users >/dev/null 2>&1; echo "  users restarted in $(seconds_since "$t") s"
compose up -d --no-build --no-recreate --scale notificator=3 notificator >/dev/null 2>&1
t=$(date +%s%N)
until [ "$(keys /users/outbox-due/)" = 0 ]; do
  within "$t" 60 || { fail "the outbox did not drain within 60 s"; break; }
  sleep 0.5
done
echo "  outbox drained $(seconds_since "$t") s after the notificators came back"

echo "== down -v"
t=$(date +%s%N); compose down -v >/dev/null 2>&1; echo "  down in $(seconds_since "$t") s"
[ -z "$(compose ps -q)" ] || fail "containers left after down"

if [ "$failures" -gt 0 ]; then echo "compose check: $failures failure(s)"; exit 1; fi
echo "compose check: passed"
