#!/usr/bin/env bash
# Runs the whole system on this machine: an etcd, N notificators and users on :8802.
# Ctrl-C stops everything gracefully (notificators deregister first).
#
#   deploy/local/run.sh            # 3 notificators
#   deploy/local/run.sh -n 1       # one
#   QUARKUS_ETCD_ENDPOINTS=http://10.0.0.1:2379 deploy/local/run.sh   # use that etcd instead of starting one
#
# Needs: Java 17+, and etcd on PATH unless QUARKUS_ETCD_ENDPOINTS is set (Debian: apt-get install etcd-server).
set -euo pipefail

count=3
build=auto
while [ $# -gt 0 ]; do
  case "$1" in
    -n) count="$2"; shift 2 ;;
    --build) build=yes; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
notificator_jar="$root/notificator/target/quarkus-app/quarkus-run.jar"
users_jar="$root/users/target/quarkus-app/quarkus-run.jar"
users_port="${USERS_PORT:-8802}"
first_notificator_port="${NOTIFICATOR_PORT:-8082}"

if [ "$build" = yes ] || [ ! -f "$notificator_jar" ] || [ ! -f "$users_jar" ]; then
  echo "Building (./mvnw package -DskipTests)..."
  (cd "$root" && ./mvnw -B -q package -DskipTests)
fi

work="$(mktemp -d -t microkit-local-XXXXXX)"
pids=()
etcd_pid=""

stop_all() { # exit code
  local code="$1"
  trap - INT TERM EXIT
  echo
  echo "Stopping (SIGTERM)..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$etcd_pid" ]; then kill -TERM "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi
  echo "Stopped. Logs are in $work"
  exit "$code"
}
trap 'stop_all 0' INT TERM
trap 'stop_all $?' EXIT

wait_for() { # url, what
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not come up; see $work" >&2
  exit 1
}

if [ -z "${QUARKUS_ETCD_ENDPOINTS:-}" ]; then
  if ! command -v etcd >/dev/null; then
    if command -v apt-get >/dev/null; then
      echo "etcd is not on PATH: installing Debian's etcd-server (apt-get)..."
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq etcd-server
      # Debian starts an etcd service on :2379 right after installing; this script runs its own
      if [ -d /run/systemd/system ]; then $sudo systemctl disable --now etcd >/dev/null 2>&1 || true; fi
    else
      echo "etcd is not on PATH: install it (https://etcd.io/docs/latest/install/), or set QUARKUS_ETCD_ENDPOINTS" >&2
      exit 1
    fi
  fi
  etcd_port="${ETCD_PORT:-2379}"
  etcd --name local --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "local=http://127.0.0.1:$((etcd_port + 1))" \
    --auto-compaction-mode=periodic --auto-compaction-retention=5m > "$work/etcd.log" 2>&1 &
  etcd_pid=$!
  export QUARKUS_ETCD_ENDPOINTS="http://127.0.0.1:$etcd_port"
  wait_for "$QUARKUS_ETCD_ENDPOINTS/health" "etcd"
  echo "etcd            $QUARKUS_ETCD_ENDPOINTS (data in $work/etcd)"
else
  echo "etcd            $QUARKUS_ETCD_ENDPOINTS (yours)"
fi

for i in $(seq 0 $((count - 1))); do
  port=$((first_notificator_port + i))
  QUARKUS_GRPC_SERVER_PORT=$port QUARKUS_HTTP_PORT=$((port + 1000)) REGISTRATION_ADVERTISED_HOST=127.0.0.1 \
    java -jar "$notificator_jar" > "$work/notificator-$port.log" 2>&1 &
  pids+=($!)
done
QUARKUS_HTTP_PORT=$users_port java -jar "$users_jar" > "$work/users.log" 2>&1 &
pids+=($!)

for i in $(seq 0 $((count - 1))); do
  port=$((first_notificator_port + i))
  wait_for "http://127.0.0.1:$((port + 1000))/q/health/ready" "notificator on :$port"
  echo "notificator     127.0.0.1:$port (gRPC; /q/health on :$((port + 1000))), log $work/notificator-$port.log"
done
wait_for "http://127.0.0.1:$users_port/q/health/live" "users"
echo "users           http://localhost:$users_port (/q/swagger-ui, /q/health), log $work/users.log"
echo
echo "Try:  curl -XPOST http://localhost:$users_port/create -d '{\"email\": \"ann@example.com\"}'"
echo "Ctrl-C stops everything."
wait -n "${pids[@]}" || true
echo "A process exited on its own; see $work" >&2
exit 1
