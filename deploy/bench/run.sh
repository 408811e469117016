#!/usr/bin/env bash
# The benchmark: prints figures, asserts nothing (this machine is shared and noisy; compare ratios within one run).
#
#   P1   /create through users with the etcd discovery (A) vs Stork's static list with the same address (B):
#        wrk, alternating A B A B, req/s, p50, p99, non-201 answers, B/A.
#   P1b  the client path alone, in one JVM: SendEmail calls/s through the Stork client vs a plain grpc-java channel.
#   P2   time from a new notificator's registration to its first call, and failed calls while one of 3 is
#        stopped with SIGTERM or SIGKILL under load (DynamicRoutingIT).
#
#   deploy/bench/run.sh                      # everything
#   ROUNDS=5 DURATION=15s CONNECTIONS=64 deploy/bench/run.sh p1
#
# Every run writes deploy/bench/results/benchmark.{csv,md,png}: throughput and p99 per scenario, as a Markdown
# table (with date, machine and commit) and a chart.
#
# Needs: Java 17+, etcd and wrk on PATH, gnuplot for the chart (Debian: apt-get install etcd-server wrk gnuplot-nox).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
what="${1:-all}"
rounds="${ROUNDS:-4}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
etcd_port="${ETCD_PORT:-22379}"
notificator_port="${NOTIFICATOR_PORT:-18082}"
users_a_port="${USERS_A_PORT:-18802}"
users_b_port="${USERS_B_PORT:-18803}"

for tool in etcd wrk java curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 1; }
done

results="deploy/bench/results"
mkdir -p "$results"
csv="$(mktemp -t microkit-bench-XXXXXX.csv)"
echo "scenario,throughput_per_s,p99_ms" > "$csv"
record() { echo "$1,$2,$3" >> "$csv"; } # scenario, throughput per second, p99 in ms (empty: not measured)

title="microkit benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), \
$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(java -version 2>&1 | head -1)"
echo "# $title"
echo "# machine: $machine"

p1() {
  echo "Building jars..."
  ./mvnw -B -q package -DskipTests
  work="$(mktemp -d -t microkit-bench-XXXXXX)"
  pids=()
  cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
  }
  trap cleanup EXIT

  etcd --name bench --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "bench=http://127.0.0.1:$((etcd_port + 1))" > "$work/etcd.log" 2>&1 &
  pids+=($!)
  export ETCD_ENDPOINTS="http://127.0.0.1:$etcd_port"
  await() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 not up" >&2; exit 1; }
  await "$ETCD_ENDPOINTS/health"

  QUARKUS_HTTP_PORT=$notificator_port REGISTRATION_ADVERTISED_HOST=127.0.0.1 QUARKUS_LOG_CONSOLE_ASYNC=true \
    java -jar notificator/target/quarkus-app/quarkus-run.jar > "$work/notificator.log" 2>&1 &
  pids+=($!)
  await "http://127.0.0.1:$notificator_port/q/health/ready"
  QUARKUS_HTTP_PORT=$users_a_port java -jar users/target/quarkus-app/quarkus-run.jar > "$work/users-a.log" 2>&1 &
  pids+=($!)
  QUARKUS_HTTP_PORT=$users_b_port java \
    -Dquarkus.stork.notificator.service-discovery.type=static \
    -Dquarkus.stork.notificator.service-discovery.address-list="127.0.0.1:$notificator_port" \
    -jar users/target/quarkus-app/quarkus-run.jar > "$work/users-b.log" 2>&1 &
  pids+=($!)
  await "http://127.0.0.1:$users_a_port/q/health/live"
  await "http://127.0.0.1:$users_b_port/q/health/live"

  bench() { # port duration -> "req/s p50 p99 errors"
    wrk -t2 -c"$connections" -d"$2" --latency -s deploy/bench/create.lua "http://127.0.0.1:$1" | awk '
      /Requests\/sec/ {rps=$2}
      $1=="50%" {p50=$2} $1=="99%" {p99=$2}
      /Non-2xx/ {errors+=$NF}
      /Socket errors/ {gsub(",", ""); errors+=$4+$6+$8+$10}
      END {printf "%s %s %s %d", rps, p50, p99, errors}'
  }
  echo "P1: wrk -c$connections -d$duration POST /create; A = etcd discovery, B = static list, same client path"
  echo "    (after a warm-up of 2 x $duration per side; the order alternates A B, B A, ... so drift cancels out)"
  for _ in 1 2; do bench "$users_a_port" "$duration" >/dev/null; bench "$users_b_port" "$duration" >/dev/null; done
  printf "%-6s %-4s %10s %10s %10s %8s\n" round side "req/s" p50 p99 errors
  sum_a=0; sum_b=0; p99_a=0; p99_b=0
  ms() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /[^m]s$/) v *= 1000; print v }'; }
  for round in $(seq 1 "$rounds"); do
    sides="A B"; [ $((round % 2)) -eq 0 ] && sides="B A"
    for side in $sides; do
      if [ "$side" = A ]; then port=$users_a_port; else port=$users_b_port; fi
      read -r rps p50 p99 err <<<"$(bench "$port" "$duration")"
      printf "%-6s %-4s %10s %10s %10s %8s\n" "$round" "$side" "$rps" "$p50" "$p99" "$err"
      if [ "$side" = A ]; then
        sum_a=$(awk "BEGIN {print $sum_a + $rps}"); p99_a=$(awk "BEGIN {print $p99_a + $(ms "$p99")}")
      else
        sum_b=$(awk "BEGIN {print $sum_b + $rps}"); p99_b=$(awk "BEGIN {print $p99_b + $(ms "$p99")}")
      fi
    done
  done
  awk "BEGIN {printf \"P1 total: A %.0f req/s, B %.0f req/s, A/B (etcd over static) %.3f\n\", $sum_a/$rounds, $sum_b/$rounds, $sum_a/$sum_b}"
  record "P1 /create (etcd discovery)" "$(awk "BEGIN {printf \"%.0f\", $sum_a/$rounds}")" "$(awk "BEGIN {printf \"%.1f\", $p99_a/$rounds}")"
  record "P1 /create (static list)" "$(awk "BEGIN {printf \"%.0f\", $sum_b/$rounds}")" "$(awk "BEGIN {printf \"%.1f\", $p99_b/$rounds}")"
  cleanup
  trap - EXIT
}

p1b() {
  echo "P1b: SendEmail calls/s in one JVM, A = plain grpc-java channel, B = Stork client (etcd discovery)"
  echo "     (production settings: metrics on, tracing on with the default sampler ratio 0)"
  out="$(./mvnw -B -pl users -am test -Dtest=ClientPathBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsurefire.excludedGroups=none -Dgroups=benchmark -Dquarkus.otel.traces.sampler.arg=0 2>&1 \
    | grep -E '^\[P1b\]|BUILD FAILURE|ERROR\]' || true)"
  echo "$out"
  # [P1b] total: A 56835 calls/s, B 52815 calls/s, B/A 0.929
  read -r a b <<<"$(echo "$out" | sed -nE 's/^\[P1b\] total: A ([0-9.]+) calls\/s, B ([0-9.]+) calls\/s.*/\1 \2/p')"
  if [ -n "${a:-}" ]; then
    record "P1b SendEmail (plain channel)" "$a" ""
    record "P1b SendEmail (Stork client)" "$b" ""
  fi
}

p2() {
  echo "P2: real processes (users + notificator jars), 8 clients of POST /create"
  out="$(./mvnw -B -pl users -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test=DynamicRoutingIT 2>&1 \
    | grep -E '^\[(scale-out|sigterm|sigkill)\]|Tests run:.*DynamicRoutingIT|BUILD FAILURE' || true)"
  echo "$out"
  # [sigkill] 1184 requests, 0 not answered 201 with a notificationId {}, p99 119 ms, 296 req/s
  for scenario in scale-out sigkill sigterm; do
    read -r rps p99 <<<"$(echo "$out" | sed -nE "s/^\[$scenario\] .*p99 ([0-9]+) ms, ([0-9]+) req\/s.*/\2 \1/p" | head -1)"
    if [ -n "${rps:-}" ]; then record "P2 $scenario under load" "$rps" "$p99"; fi
  done
}

report() {
  cp "$csv" "$results/benchmark.csv"
  {
    echo "# $title"
    echo
    echo "Machine: $machine."
    echo
    echo "| scenario | throughput (per second) | p99 (ms) |"
    echo "|---|---:|---:|"
    tail -n +2 "$csv" | awk -F, '{printf "| %s | %s | %s |\n", $1, $2, ($3 == "" ? "-" : $3)}'
    echo
    tail -n +2 "$csv" | awk -F, '
      /^P1 .*etcd/ {p1a=$2} /^P1 .*static/ {p1b=$2} /^P1b .*plain/ {cpa=$2} /^P1b .*Stork/ {cpb=$2}
      END {
        if (p1a && p1b) printf "P1: etcd discovery / static list = %.3f. ", p1a / p1b
        if (cpa && cpb) printf "P1b: Stork client / plain channel = %.3f.", cpb / cpa
        print ""
      }'
  } > "$results/benchmark.md"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$results/benchmark.csv'; out='$results/benchmark.png'; heading='$title'" deploy/bench/chart.gp
    echo "Report: $results/benchmark.md, $results/benchmark.png"
  else
    echo "Report: $results/benchmark.md (no chart: gnuplot is not on PATH)"
  fi
  rm -f "$csv"
}

case "$what" in
  all) p1; p1b; p2 ;;
  p1) p1 ;;
  p1b) p1b ;;
  p2) p2 ;;
  *) echo "usage: $0 [all|p1|p1b|p2]" >&2; exit 2 ;;
esac
report
