#!/usr/bin/env bash
# The benchmark: prints figures, asserts nothing (this machine is shared and noisy; compare ratios within one run).
#
#   P1   /create through users with the etcd discovery (A) vs Stork's static list with the same address (B):
#        wrk, alternating A B A B, req/s, p50, p99, non-201 answers, B/A.
#   P1b  the client path alone, in one JVM: SendEmail calls/s through the Stork client vs a plain grpc-java channel.
#   P1c  notificator's gRPC server: SendEmail calls/s of its own grpc-java server (as shipped) vs Quarkus' single-port
#        Vert.x server (the same jar with QUARKUS_GRPC_SERVER_USE_SEPARATE_SERVER=false), plain channels.
#   P2   time from a new notificator's registration to its first call, and failed calls while one of 3 is
#        stopped with SIGTERM or SIGKILL under load (DynamicRoutingIT).
#   P3   native executables vs JVM, side by side on one etcd (each pair under its own key prefix): exec to registered
#        (notificator) and to ready (users), RSS idle and after 10,000 /create, /create req/s and p99 at
#        $CONNECTIONS connections (alternating rounds), CPU ms per /create of users, notificator and etcd (from
#        /proc), etcd requests per /create (etcd's metrics), every HTTP status seen, and then etcd's own ceiling: its
#        create-if-absent transaction from a bare Go client at the same concurrency (deploy/bench/go), as many rounds,
#        with /create over that ratio; and the same ceiling first on a fresh etcd of its own, before any /create (the
#        higher, which /create is judged against). Exits non-zero when any answer was not a 2xx.
#        Builds the native executables when they are missing or older than the sources (-Dnative, ~5 min each).
#
#   deploy/bench/run.sh                      # everything
#   ROUNDS=5 DURATION=15s CONNECTIONS=64 deploy/bench/run.sh p1
#   deploy/bench/run.sh p3                   # native vs JVM only
#   deploy/bench/run.sh peer                 # our native notificator vs the seed's go-kit one (see peer below)
#   B_ENV="QUARKUS_LOG_LEVEL=WARN" deploy/bench/run.sh ab   # one change's worth, side by side (see ab below)
#   B_NOTIFICATOR=/tmp/new-runner deploy/bench/run.sh abn   # the same for notificator (see abn below)
#   deploy/bench/run.sh overload             # users at 3x its capacity, open loop (see overload below)
#   deploy/bench/run.sh policies             # what each way of choosing notificators costs (see policies below)
#
# Every run writes deploy/bench/results/benchmark.{csv,md,png}: throughput and p99 per scenario, as a Markdown
# table (with date, machine and commit) and a chart.
#
# Needs: Java 17+, etcd, etcdctl and wrk on PATH, gnuplot for the chart (Debian: apt-get install etcd-server etcd-client
# wrk gnuplot-nox); for P3 a GraalVM/Mandrel native-image (GRAALVM_HOME), see deploy/README.md, and for its etcd
# ceiling Go with etcd's client (golang-go golang-etcd-server-dev).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
what="${1:-all}"
rounds="${ROUNDS:-4}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
etcd_port="${ETCD_PORT:-22379}"
notificator_port="${NOTIFICATOR_PORT:-18082}" # gRPC; native P3 side: +1
notificator_http_port="${NOTIFICATOR_HTTP_PORT:-18092}" # health
users_a_port="${USERS_A_PORT:-18802}"
users_b_port="${USERS_B_PORT:-18803}"

for tool in etcd etcdctl wrk java curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 1; }
done

results="deploy/bench/results"
native_users=users/target/users-1.0.0-SNAPSHOT-runner
native_notificator=notificator/target/notificator-1.0.0-SNAPSHOT-runner
# need_native PART EXECUTABLE...: stops with what to build when one of them is missing
need_native() {
  local part=$1 executable; shift
  for executable in "$@"; do
    [ -x "$executable" ] || { echo "$part needs $executable: ./mvnw package -DskipTests -Dnative" >&2; exit 1; }
  done
}
# a single part writes its report elsewhere: the committed report stays that of a full run
[ "$what" = all ] || results="$(mktemp -d -t "microkit-bench-$what-XXXXXX")"
mkdir -p "$results"
csv="$(mktemp -t microkit-bench-XXXXXX.csv)"
p3_table="$(mktemp -t microkit-bench-p3-XXXXXX.md)"
peer_table="$(mktemp -t microkit-bench-peer-XXXXXX.md)"
p3_failures=0
echo "scenario,throughput_per_s,p99_ms" > "$csv"
record() { echo "$1,$2,$3" >> "$csv"; } # scenario, throughput per second, p99 in ms (empty: not measured)

title="microkit benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), \
$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(java -version 2>&1 | head -1)"
echo "# $title"
echo "# machine: $machine"

# Starts a fresh etcd in a temporary folder; every process started with start_process is stopped (SIGTERM) at exit.
start_etcd() {
  work="$(mktemp -d -t microkit-bench-XXXXXX)"
  pids=()
  trap cleanup EXIT
  etcd --name bench --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "bench=http://127.0.0.1:$((etcd_port + 1))" \
    --auto-compaction-mode=periodic --auto-compaction-retention=5m > "$work/etcd.log" 2>&1 &
  etcd_pid=$!
  pids+=("$etcd_pid")
  export QUARKUS_ETCD_ENDPOINTS="http://127.0.0.1:$etcd_port"
  await "$QUARKUS_ETCD_ENDPOINTS/health"
}
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
# wrk POST /create against users on port $1 for $2 (WRK_STOP_AFTER=N: N answers per thread) ->
# "req/s p50 p99 failures answers statuses"; failures are answers that are not 2xx plus socket errors, statuses every
# HTTP status seen with its count (e.g. 201=12000,503=2).
bench() {
  wrk -t2 -c"$connections" -d"$2" --latency -s deploy/bench/create.lua "http://127.0.0.1:$1" | awk '
    /Requests\/sec/ {rps=$2}
    $1=="50%" {p50=$2} $1=="99%" {p99=$2}
    /Socket errors/ {gsub(",", ""); failures+=$4+$6+$8+$10}
    /^status / {code=$2; sub(":", "", code); answers+=$3; if (code !~ /^2/) failures+=$3
                statuses=statuses (statuses=="" ? "" : ",") code "=" $3}
    END {printf "%s %s %s %d %d %s", rps, p50, p99, failures, answers, (statuses=="" ? "none" : statuses)}'
}
ms() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /[^m]s$/) v *= 1000; print v }'; }
await() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 not up" >&2; exit 1; }

p1() {
  echo "Building jars..."
  ./mvnw -B -q package -DskipTests
  start_etcd

  QUARKUS_GRPC_SERVER_PORT=$notificator_port QUARKUS_HTTP_PORT=$notificator_http_port \
    REGISTRATION_ADVERTISED_HOST=127.0.0.1 \
    java -jar notificator/target/quarkus-app/quarkus-run.jar > "$work/notificator.log" 2>&1 &
  pids+=($!)
  await "http://127.0.0.1:$notificator_http_port/q/health/ready"
  QUARKUS_HTTP_PORT=$users_a_port java -jar users/target/quarkus-app/quarkus-run.jar > "$work/users-a.log" 2>&1 &
  pids+=($!)
  QUARKUS_HTTP_PORT=$users_b_port java \
    -Dquarkus.stork.notificator.service-discovery.type=static \
    -Dquarkus.stork.notificator.service-discovery.address-list="127.0.0.1:$notificator_port" \
    -jar users/target/quarkus-app/quarkus-run.jar > "$work/users-b.log" 2>&1 &
  pids+=($!)
  await "http://127.0.0.1:$users_a_port/q/health/live"
  await "http://127.0.0.1:$users_b_port/q/health/live"

  echo "P1: wrk -c$connections -d$duration POST /create; A = etcd discovery, B = static list, same client path"
  echo "    (after a warm-up of 2 x $duration per side; the order alternates A B, B A, ... so drift cancels out)"
  for _ in 1 2; do bench "$users_a_port" "$duration" >/dev/null; bench "$users_b_port" "$duration" >/dev/null; done
  printf "%-6s %-4s %10s %10s %10s %8s  %s\n" round side "req/s" p50 p99 failures statuses
  sum_a=0; sum_b=0; p99_a=0; p99_b=0
  for round in $(seq 1 "$rounds"); do
    sides="A B"; [ $((round % 2)) -eq 0 ] && sides="B A"
    for side in $sides; do
      if [ "$side" = A ]; then port=$users_a_port; else port=$users_b_port; fi
      read -r rps p50 p99 err _ statuses <<<"$(bench "$port" "$duration")"
      printf "%-6s %-4s %10s %10s %10s %8s  %s\n" "$round" "$side" "$rps" "$p50" "$p99" "$err" "$statuses"
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
  echo "P1c: SendEmail calls/s, A = notificator's own gRPC server, B = the single-port server"
  echo "     (production settings: metrics on, tracing on with the default sampler ratio 0)"
  out="$(./mvnw -B -pl users -am test -Dtest=ClientPathBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsurefire.excludedGroups=none -Dgroups=benchmark -Dquarkus.otel.traces.sampler.arg=0 2>&1 \
    | grep -E '^\[P1[bc]\]|^\[bench\]|BUILD FAILURE|ERROR\]' || true)"
  echo "$out"
  # [P1b] total: A 56835 calls/s, B 52815 calls/s, B/A 0.929
  read -r a b <<<"$(echo "$out" | sed -nE 's/^\[P1b\] total: A ([0-9.]+) calls\/s, B ([0-9.]+) calls\/s.*/\1 \2/p')"
  if [ -n "${a:-}" ]; then
    record "P1b SendEmail (plain channel)" "$a" ""
    record "P1b SendEmail (Stork client)" "$b" ""
  fi
  read -r a b <<<"$(echo "$out" | sed -nE 's/^\[P1c\] total: A ([0-9.]+) calls\/s, B ([0-9.]+) calls\/s.*/\1 \2/p')"
  if [ -n "${a:-}" ]; then
    record "P1c SendEmail (separate gRPC server)" "$a" ""
    record "P1c SendEmail (single-port server)" "$b" ""
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

# P3 helpers. CPU time (user + system) of a process in ms, from /proc/<pid>/stat.
# CPU time of several processes summed: cpu_ms "pid1 pid2".
cpu_ms() {
  local stats=() pid
  for pid in $*; do stats+=("/proc/$pid/stat"); done
  awk -v hz="$(getconf CLK_TCK)" '{ s += $14 + $15 } END { print s * 1000 / hz }' "${stats[@]}"
}
# unary gRPC requests etcd has answered (Range, Put, Txn, DeleteRange, LeaseGrant, ...), from its own metrics
etcd_requests() { curl -fs "$QUARKUS_ETCD_ENDPOINTS/metrics" | awk '/^grpc_server_handled_total\{/ && /grpc_type="unary"/ { s += $NF } END { printf "%d", s }'; }
# One measured round of /create, wrk for $duration: $1 round, $2 side, $3 users' port, $4 users' pid, $5 notificator's
# pid (or pids, space-separated). Prints the round's line (CPU of users, notificator and etcd per /create, from /proc, etcd requests per /create)
# and adds to the side's sums: m_n (answers), m_rps, m_p99 (ms), m_failures, m_statuses, m_users, m_notificator,
# m_etcd (CPU ms), m_requests (etcd requests). Each round runs alone, so the shared processes' CPU is that side's.
declare -A m_n m_rps m_p99 m_failures m_statuses m_users m_notificator m_etcd m_requests
round_header() {
  printf "%-6s %-7s %10s %10s %10s %8s  %-28s %s\n" round side "req/s" p50 p99 failures statuses \
    "CPU ms/create users notificator etcd, etcd req/create"
}
measured_round() {
  local side=$2 u0 c0 e0 r0 u1 c1 e1 r1 rps p50 p99 err n st
  r0=$(etcd_requests); u0=$(cpu_ms "$4"); c0=$(cpu_ms "$5"); e0=$(cpu_ms "$etcd_pid")
  read -r rps p50 p99 err n st <<<"$(bench "$3" "$duration")"
  u1=$(cpu_ms "$4"); c1=$(cpu_ms "$5"); e1=$(cpu_ms "$etcd_pid"); r1=$(etcd_requests)
  printf "%-6s %-7s %10s %10s %10s %8s  %-28s %s\n" "$1" "$side" "$rps" "$p50" "$p99" "$err" "$st" \
    "$(awk -v n="$n" -v u=$((u1 - u0)) -v c=$((c1 - c0)) -v e=$((e1 - e0)) -v r=$((r1 - r0)) \
      'BEGIN { if (n > 0) printf "%.3f %.3f %.3f, %.2f", u/n, c/n, e/n, r/n }')"
  m_n[$side]=$((${m_n[$side]:-0} + n)); m_failures[$side]=$((${m_failures[$side]:-0} + err))
  m_users[$side]=$((${m_users[$side]:-0} + u1 - u0)); m_notificator[$side]=$((${m_notificator[$side]:-0} + c1 - c0))
  m_etcd[$side]=$((${m_etcd[$side]:-0} + e1 - e0)); m_requests[$side]=$((${m_requests[$side]:-0} + r1 - r0))
  m_rps[$side]=$(awk "BEGIN {print ${m_rps[$side]:-0} + $rps}")
  m_p99[$side]=$(awk "BEGIN {print ${m_p99[$side]:-0} + $(ms "$p99")}")
  m_statuses[$side]="$(merge_statuses "${m_statuses[$side]:-none}" "$st")"
}
# Status counts "201=5,503=1" and "201=2" -> "201=7,503=1" ("none": no answer).
merge_statuses() {
  echo "$1,$2" | tr ',' '\n' | grep -v '^none$' \
    | awk -F= '{ c[$1] += $2 } END { for (k in c) printf "%s%s=%d", (s++ ? "," : ""), k, c[k] }'
}
# a Go tool of deploy/bench/go (GOPATH mode, Debian's grpc-go and etcd client; pbwire from users' Go tests) -> its
# path, or nothing when Go or Debian's etcd client package is missing
build_go() {
  command -v go >/dev/null && [ -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3 ] || return 0
  (cd deploy/bench/go && GO111MODULE=off GOPATH="/usr/share/gocode:$PWD:$root/users/src/test/go" \
    GOCACHE="$work/gocache" GOFLAGS= go build -o "$work/$1" "$1") && echo "$work/$1"
}
# etcd's own limit for /create: its create-if-absent transaction from a bare Go client (deploy/bench/go), same
# concurrency; prints "txn/s etcd-CPU-ms-per-txn"
ceiling() { # round
  local e0 e1 out
  e0=$(cpu_ms "$etcd_pid")
  out="$("$ceiling_bin" -etcd "$QUARKUS_ETCD_ENDPOINTS" -c "$connections" -d "$duration" -prefix "/bench-ceiling/$1/")"
  e1=$(cpu_ms "$etcd_pid")
  echo "$out" | sed -nE 's/.*"perSecond":([0-9.]+).*"txns":([0-9]+).*/\1 \2/p;s/.*"txns":([0-9]+).*"perSecond":([0-9.]+).*/\2 \1/p' | head -1 \
    | awk -v e=$((e1 - e0)) '{ printf "%.0f %.2f", $1, ($2 > 0 ? e / $2 : 0) }'
}
# etcd's ceiling on a fresh etcd of its own, before any /create ran anywhere (issue 25 judges /create against it: the
# ceiling after the /create rounds, on the fuller etcd, is lower): $rounds rounds on a second etcd started for them
# and removed after -> the mean txn/s
fresh_ceiling() {
  local dir port=$((etcd_port + 10)) pid sum=0 round out
  dir="$(mktemp -d -t microkit-bench-fresh-XXXXXX)"
  etcd --name fresh --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-cluster "fresh=http://127.0.0.1:$((port + 1))" > "$dir/etcd.log" 2>&1 &
  pid=$!
  await "http://127.0.0.1:$port/health"
  for round in $(seq 1 "$rounds"); do
    out="$("$ceiling_bin" -etcd "http://127.0.0.1:$port" -c "$connections" -d "$duration" -prefix "/bench-fresh/$round/")"
    sum=$(awk -v s="$sum" -v r="$(echo "$out" | sed -nE 's/.*"perSecond":([0-9.]+).*/\1/p')" 'BEGIN { print s + r }')
  done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  awk -v s="$sum" -v k="$rounds" 'BEGIN { printf "%.0f", s / k }'
}
# SendEmail straight to a gRPC server on port $1 whose process is $2, from a Go client (deploy/bench/go/grpcload) at the
# same concurrency -> "calls/s server-CPU-ms-per-call failures p99-ms"
grpc_direct() {
  local c0 c1 out
  c0=$(cpu_ms "$2")
  out="$("$grpcload_bin" -target "127.0.0.1:$1" -c "$connections" -d "$duration")"
  c1=$(cpu_ms "$2")
  echo "$out" | sed -nE 's/.*"calls":([0-9]+),"perSecond":([0-9.]+),"failures":([0-9]+).*"p99Ms":([0-9.]+).*/\1 \2 \3 \4/p' \
    | awk -v c=$((c1 - c0)) '{ printf "%.0f %.3f %d %.2f", $2, ($1 > 0 ? c / $1 : 0), $3, $4 }'
}
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

p3() {
  # a native executable is rebuilt when missing or older than its own sources (the module, the extension, the contract)
  local stale=() module
  for module in notificator users; do
    local runner="$module/target/$module-1.0.0-SNAPSHOT-runner"
    if [ ! -x "$runner" ] || [ -n "$(find "$module/src/main" stork-etcd/runtime/src/main stork-etcd/deployment/src/main \
        src-proto pom.xml "$module/pom.xml" stork-etcd/runtime/pom.xml stork-etcd/deployment/pom.xml \
        -newer "$runner" 2>/dev/null | head -1)" ]; then
      stale+=("$module")
    fi
  done
  if [ ${#stale[@]} -gt 0 ]; then
    if [ -z "${GRAALVM_HOME:-}" ] && ! command -v native-image >/dev/null; then
      echo "P3 needs GraalVM or Mandrel to build the native executables: set GRAALVM_HOME (see README.md," \
        "Native executables; on the project's machines: bash ../shared/native-toolchain/install.sh)" >&2
      exit 1
    fi
    echo "Building the native executables of ${stale[*]} (-Dnative, ~5 min each)..."
    ./mvnw -B -q package -DskipTests -Dnative -pl "$(IFS=,; echo "${stale[*]}")" -am
  fi
  echo "Building jars..."
  ./mvnw -B -q package -DskipTests
  start_etcd
  local ceiling_bin sum_ceiling=0 ceiling_cpu=0 fresh=""
  ceiling_bin="$(build_go etcdceiling)"
  if [ -n "$ceiling_bin" ]; then
    fresh="$(fresh_ceiling)"
    echo "P3: etcd's ceiling on a fresh etcd, before any /create: $fresh txn per s (mean of $rounds x $duration)"
  fi
  declare -A notificator_pid users_pid port registered_ms ready_ms rss_idle rss_loaded
  declare -A answers failures statuses rps_avg p99_avg per
  port[jvm]=$users_a_port; port[native]=$users_b_port
  for side in jvm native; do
    local n_port=$notificator_port
    [ "$side" = native ] && n_port=$((notificator_port + 1))
    local prefix="/bench-$side/"
    local -a notificator_cmd users_cmd
    if [ "$side" = jvm ]; then
      notificator_cmd=(java -jar notificator/target/quarkus-app/quarkus-run.jar)
      users_cmd=(java "-Dquarkus.stork.notificator.service-discovery.prefix=$prefix" -jar users/target/quarkus-app/quarkus-run.jar)
    else
      notificator_cmd=("$native_notificator")
      users_cmd=("$native_users" "-Dquarkus.stork.notificator.service-discovery.prefix=$prefix")
    fi
    # exec to registered: until the key is in etcd
    local t0
    t0=$(now_ms)
    QUARKUS_GRPC_SERVER_PORT=$n_port QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 QUARKUS_ETCD_PREFIX=$prefix \
      "${notificator_cmd[@]}" > "$work/notificator-$side.log" 2>&1 &
    notificator_pid[$side]=$!; pids+=($!)
    for _ in $(seq 1 3000); do
      [ -n "$(etcdctl --endpoints "$QUARKUS_ETCD_ENDPOINTS" get --prefix --keys-only "${prefix}notificator/")" ] && break
      sleep 0.005
    done
    registered_ms[$side]=$(( $(now_ms) - t0 ))
    # exec to ready: until /q/health/ready answers 200
    t0=$(now_ms)
    QUARKUS_HTTP_PORT=${port[$side]} "${users_cmd[@]}" > "$work/users-$side.log" 2>&1 &
    users_pid[$side]=$!; pids+=($!)
    for _ in $(seq 1 3000); do
      curl -fs -o /dev/null "http://127.0.0.1:${port[$side]}/q/health/ready" && break
      sleep 0.005
    done
    ready_ms[$side]=$(( $(now_ms) - t0 ))
  done
  sleep 2
  for side in jvm native; do
    rss_idle[$side]="$(rss_mb "${users_pid[$side]}") $(rss_mb "${notificator_pid[$side]}")"
  done
  echo "P3: native executables vs JVM, one etcd; wrk -c$connections POST /create"
  echo "    warm-up: 10,000 /create per side (2 threads x 5,000 answers, within 30 s: wrk waits that long), then RSS"
  for side in jvm native; do
    read -r _ _ _ err n st <<<"$(WRK_STOP_AFTER=5000 bench "${port[$side]}" 30s)"
    answers[$side]=$n; failures[$side]=$err; statuses[$side]=$st
    rss_loaded[$side]="$(rss_mb "${users_pid[$side]}") $(rss_mb "${notificator_pid[$side]}")"
    printf "    %-6s %6d answers, %d failures, statuses %s\n" "$side" "$n" "$err" "$st"
  done
  [ -n "$ceiling_bin" ] || echo "    (no etcd ceiling: needs go and Debian's golang-etcd-server-dev)"
  echo "    rounds of $duration, alternating (jvm native, native jvm, ...), then as many rounds of etcd's ceiling;"
  echo "    CPU ms per /create from /proc, etcd requests per /create from etcd's metrics"
  round_header
  for round in $(seq 1 "$rounds"); do
    local sides="jvm native"; [ $((round % 2)) -eq 0 ] && sides="native jvm"
    for side in $sides; do
      measured_round "$round" "$side" "${port[$side]}" "${users_pid[$side]}" "${notificator_pid[$side]}"
    done
  done
  # notificator's per-call CPU against the floor, a bare grpc-java server answering the same message (BareNotificator)
  local grpcload_bin bare_pid bare_port=$((notificator_port + 2))
  local -A grpc_rate grpc_cpu grpc_failures grpc_pid grpc_port
  grpcload_bin="$(build_go grpcload)"
  if [ -n "$grpcload_bin" ]; then
    java -cp 'notificator/target/quarkus-app/lib/main/*:notificator/target/quarkus-app/app/*' \
      deploy/bench/BareNotificator.java "$bare_port" > "$work/bare.log" 2>&1 &
    bare_pid=$!; pids+=($!)
    for _ in $(seq 1 300); do grep -q "^Listening on" "$work/bare.log" && break; sleep 0.1; done
    grpc_pid[jvm]=${notificator_pid[jvm]}; grpc_pid[native]=${notificator_pid[native]}; grpc_pid[bare]=$bare_pid
    grpc_port[jvm]=$notificator_port; grpc_port[native]=$((notificator_port + 1)); grpc_port[bare]=$bare_port
    echo "    SendEmail straight to each gRPC server (Go client, $connections in flight): warm-up, then rounds of $duration"
    for target in jvm native bare; do
      grpc_direct "${grpc_port[$target]}" "${grpc_pid[$target]}" >/dev/null
      grpc_rate[$target]=0; grpc_cpu[$target]=0; grpc_failures[$target]=0
    done
    for round in $(seq 1 "$rounds"); do
      local targets="jvm native bare"; [ $((round % 2)) -eq 0 ] && targets="bare native jvm"
      for target in $targets; do
        local g_rate g_cpu g_failed
        read -r g_rate g_cpu g_failed _ <<<"$(grpc_direct "${grpc_port[$target]}" "${grpc_pid[$target]}")"
        printf "%-6s %-7s %10s %10s %10s %8s  %-28s %s\n" "$round" "grpc-$target" "${g_rate:-0}" - - "${g_failed:-?}" \
          "SendEmail straight" "server $g_cpu"
        grpc_rate[$target]=$(awk "BEGIN {print ${grpc_rate[$target]} + ${g_rate:-0}}")
        grpc_cpu[$target]=$(awk "BEGIN {print ${grpc_cpu[$target]} + ${g_cpu:-0}}")
        grpc_failures[$target]=$((grpc_failures[$target] + ${g_failed:-1}))
      done
    done
  else
    echo "    (no direct gRPC rounds: needs go and Debian's golang-etcd-server-dev)"
  fi
  # after the /create rounds: the ceiling's keys stay in etcd (see deploy/bench/go), so it must not run before them
  for round in $(seq 1 "$rounds"); do
    [ -n "$ceiling_bin" ] || break
    local c_rate c_cpu
    read -r c_rate c_cpu <<<"$(ceiling "$round")"
    printf "%-6s %-7s %10s %10s %10s %8s  %-28s %s\n" "$round" ceiling "$c_rate" - - - "txn (etcd alone)" "etcd $c_cpu"
    sum_ceiling=$(awk "BEGIN {print $sum_ceiling + ${c_rate:-0}}")
    ceiling_cpu=$(awk "BEGIN {print $ceiling_cpu + ${c_cpu:-0}}")
  done
  for side in jvm native; do
    answers[$side]=$((answers[$side] + m_n[$side])); failures[$side]=$((failures[$side] + m_failures[$side]))
    statuses[$side]="$(merge_statuses "${statuses[$side]}" "${m_statuses[$side]}")"
  done
  {
    echo "| P3 native vs JVM | JVM | native | native / JVM |"
    echo "|---|---:|---:|---:|"
    row() { # label jvm native [ratio format]
      printf "| %s | %s | %s | %s |\n" "$1" "$2" "$3" \
        "$(awk -v a="$2" -v b="$3" 'BEGIN { if (a + 0 > 0 && b ~ /^[0-9.]+$/) printf "%.2f", b / a; else print "-" }')"
    }
    row "notificator: exec to registered in etcd (ms)" "${registered_ms[jvm]}" "${registered_ms[native]}"
    row "users: exec to ready (ms)" "${ready_ms[jvm]}" "${ready_ms[native]}"
    read -r jiu jin <<<"${rss_idle[jvm]}"; read -r niu nin <<<"${rss_idle[native]}"
    read -r jlu jln <<<"${rss_loaded[jvm]}"; read -r nlu nln <<<"${rss_loaded[native]}"
    row "RSS idle: users (MB)" "$jiu" "$niu"
    row "RSS idle: notificator (MB)" "$jin" "$nin"
    row "RSS after 10,000 /create: users (MB)" "$jlu" "$nlu"
    row "RSS after 10,000 /create: notificator (MB)" "$jln" "$nln"
    for side in jvm native; do
      rps_avg[$side]=$(awk "BEGIN {printf \"%.0f\", ${m_rps[$side]} / $rounds}")
      p99_avg[$side]=$(awk "BEGIN {printf \"%.1f\", ${m_p99[$side]} / $rounds}")
      per[$side]=$(awk -v n="${m_n[$side]}" -v u="${m_users[$side]}" -v c="${m_notificator[$side]}" \
        -v e="${m_etcd[$side]}" 'BEGIN { printf "%.2f %.2f %.2f %.2f", u/n, c/n, e/n, (u+c+e)/n }')
    done
    row "/create per s, $connections connections (mean of $rounds x $duration)" "${rps_avg[jvm]}" "${rps_avg[native]}"
    row "/create p99 (ms)" "${p99_avg[jvm]}" "${p99_avg[native]}"
    if [ -n "$ceiling_bin" ]; then
      local c_avg
      c_avg=$(awk "BEGIN {printf \"%.0f\", $sum_ceiling / $rounds}")
      printf "| etcd ceiling: create-if-absent txn per s, %s in flight (mean of %s) | %s | %s | |\n" "$connections" "$rounds" "$c_avg" "$c_avg"
      row "/create / etcd ceiling" "$(awk "BEGIN {printf \"%.2f\", ${rps_avg[jvm]} / $c_avg}")" "$(awk "BEGIN {printf \"%.2f\", ${rps_avg[native]} / $c_avg}")"
      printf "| etcd ceiling on a fresh etcd, before any /create (mean of %s) | %s | %s | |\n" "$rounds" "$fresh" "$fresh"
      row "/create / fresh etcd ceiling" "$(awk "BEGIN {printf \"%.2f\", ${rps_avg[jvm]} / $fresh}")" "$(awk "BEGIN {printf \"%.2f\", ${rps_avg[native]} / $fresh}")"
      printf "| etcd CPU ms per ceiling txn | %s | %s | |\n" "$(awk "BEGIN {printf \"%.2f\", $ceiling_cpu / $rounds}")" "$(awk "BEGIN {printf \"%.2f\", $ceiling_cpu / $rounds}")"
    fi
    row "etcd requests per /create (unary gRPC)" "$(awk -v r="${m_requests[jvm]}" -v n="${m_n[jvm]}" 'BEGIN { printf "%.2f", r / n }')" \
      "$(awk -v r="${m_requests[native]}" -v n="${m_n[native]}" 'BEGIN { printf "%.2f", r / n }')"
    if [ -n "$grpcload_bin" ]; then
      local gj gn gb cj cn cb
      gj=$(awk "BEGIN {printf \"%.0f\", ${grpc_rate[jvm]} / $rounds}"); gn=$(awk "BEGIN {printf \"%.0f\", ${grpc_rate[native]} / $rounds}")
      gb=$(awk "BEGIN {printf \"%.0f\", ${grpc_rate[bare]} / $rounds}")
      cj=$(awk "BEGIN {printf \"%.3f\", ${grpc_cpu[jvm]} / $rounds}"); cn=$(awk "BEGIN {printf \"%.3f\", ${grpc_cpu[native]} / $rounds}")
      cb=$(awk "BEGIN {printf \"%.3f\", ${grpc_cpu[bare]} / $rounds}")
      row "notificator: SendEmail per s, straight from a Go client" "$gj" "$gn"
      row "notificator: CPU ms per SendEmail" "$cj" "$cn"
      printf "| bare grpc-java server (JVM, same message): SendEmail per s, CPU ms per call | %s, %s | | |\n" "$gb" "$cb"
      row "notificator / bare grpc-java server: CPU per SendEmail" "$(awk "BEGIN {printf \"%.2f\", $cj / $cb}")" \
        "$(awk "BEGIN {printf \"%.2f\", $cn / $cb}")"
      printf "| SendEmail failures (straight calls, with warm-up excluded) | %s | %s | bare %s |\n" "${grpc_failures[jvm]}" \
        "${grpc_failures[native]}" "${grpc_failures[bare]}"
    fi
    read -r ju jn je js <<<"${per[jvm]}"; read -r nu nn ne ns <<<"${per[native]}"
    row "CPU ms per /create: users" "$ju" "$nu"
    row "CPU ms per /create: notificator" "$jn" "$nn"
    row "CPU ms per /create: etcd" "$je" "$ne"
    row "CPU ms per /create: sum" "$js" "$ns"
    row "answers (warm-up + rounds)" "${answers[jvm]}" "${answers[native]}"
    printf "| HTTP statuses seen | %s | %s | |\n" "${statuses[jvm]}" "${statuses[native]}"
    printf "| failures (non-2xx + socket errors) | %s | %s | |\n" "${failures[jvm]}" "${failures[native]}"
  } > "$work/p3.md"
  cat "$work/p3.md"
  cp "$work/p3.md" "$p3_table"
  record "P3 /create (JVM)" "${rps_avg[jvm]}" "${p99_avg[jvm]}"
  record "P3 /create (native)" "${rps_avg[native]}" "${p99_avg[native]}"
  cleanup
  trap - EXIT
  p3_failures=$((failures[jvm] + failures[native] + ${grpc_failures[jvm]:-0} + ${grpc_failures[native]:-0} + ${grpc_failures[bare]:-0}))
  echo "P3 summary: ${failures[jvm]} failures (JVM), ${failures[native]} failures (native), statuses JVM ${statuses[jvm]}, native ${statuses[native]}"
}

# AB: two builds or settings of users side by side, one etcd and one notificator (native): what one change is worth.
#   A_USERS / B_USERS: the users command, words (default: the native executable; e.g. a copy of it built before the
#   change, or it with -D options)
#   A_ENV / B_ENV: extra environment, space-separated NAME=value (e.g. B_ENV="QUARKUS_LOG_LEVEL=WARN")
# Warm-up of 2 x $duration per side, then $rounds alternating rounds; req/s, p99, CPU ms per /create of users,
# notificator and etcd (each round alone, so the shared processes' CPU is that side's), etcd requests per /create.
ab() {
  need_native AB "$native_users" "$native_notificator"
  local a_cmd="${A_USERS:-$native_users}" b_cmd="${B_USERS:-$native_users}"
  start_etcd
  QUARKUS_GRPC_SERVER_PORT=$notificator_port QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 \
    "$native_notificator" > "$work/notificator.log" 2>&1 &
  local n_pid=$!; pids+=($!)
  local -A u_pid port
  port[A]=$users_a_port; port[B]=$users_b_port
  # shellcheck disable=SC2086 # the commands and the extra environment are lists of words
  env QUARKUS_HTTP_PORT=${port[A]} ${A_ENV:-} $a_cmd > "$work/users-a.log" 2>&1 &
  u_pid[A]=$!; pids+=($!)
  # shellcheck disable=SC2086
  env QUARKUS_HTTP_PORT=${port[B]} ${B_ENV:-} $b_cmd > "$work/users-b.log" 2>&1 &
  u_pid[B]=$!; pids+=($!)
  await "http://127.0.0.1:${port[A]}/q/health/ready"; await "http://127.0.0.1:${port[B]}/q/health/ready"
  echo "AB: A = $a_cmd ${A_ENV:-}"
  echo "    B = $b_cmd ${B_ENV:-}"
  echo "    warm-up: 2 x $duration per side; then rounds of $duration, alternating; CPU ms per /create from /proc"
  for _ in 1 2; do for side in A B; do bench "${port[$side]}" "$duration" >/dev/null; done; done
  round_header
  for round in $(seq 1 "$rounds"); do
    local sides="A B"; [ $((round % 2)) -eq 0 ] && sides="B A"
    for side in $sides; do
      measured_round "$round" "$side" "${port[$side]}" "${u_pid[$side]}" "$n_pid"
    done
  done
  for side in A B; do
    awk -v s="$side" -v n="${m_n[$side]}" -v u="${m_users[$side]}" -v c="${m_notificator[$side]}" -v e="${m_etcd[$side]}" \
      -v r="${m_requests[$side]}" -v q="${m_rps[$side]}" -v k="$rounds" -v f="${m_failures[$side]}" 'BEGIN {
        printf "AB total %s: %.0f /create per s, CPU ms per /create users %.3f notificator %.3f etcd %.3f sum %.3f, etcd requests per /create %.2f, %d failures\n",
          s, q / k, u / n, c / n, e / n, (u + c + e) / n, r / n, f }'
  done
  awk -v a="${m_users[A]}" -v an="${m_n[A]}" -v b="${m_users[B]}" -v bn="${m_n[B]}" -v qa="${m_rps[A]}" -v qb="${m_rps[B]}" \
    'BEGIN { printf "AB: B/A /create per s %.3f, users CPU per /create %.3f\n", qb / qa, (b / bn) / (a / an) }'
  cleanup
  trap - EXIT
  p3_failures=$((m_failures[A] + m_failures[B]))
}

# the seed's notificator (deploy/bench/go/src/seednotificator), its gRPC code generated from src-proto -> its path,
# or nothing when protoc, protoc-gen-go or Debian's go-kit is missing
build_seed() {
  command -v protoc >/dev/null && command -v protoc-gen-go >/dev/null \
    && [ -d /usr/share/gocode/src/github.com/go-kit/kit/transport/grpc ] || return 0
  mkdir -p "$work/seedgo/src/pb"
  protoc --proto_path=src-proto --go_out=plugins=grpc:"$work/seedgo/src/pb" src-proto/notificator.proto \
    && (cd deploy/bench/go && GO111MODULE=off GOPATH="/usr/share/gocode:$work/seedgo:$PWD" GOCACHE="$work/gocache" \
      GOFLAGS= go build -o "$work/seednotificator" seednotificator) && echo "$work/seednotificator"
}

# Two notificators side by side on one etcd, measured the same way: exec to its key in etcd
# (deploy/bench/go/src/keyprobe, $STARTS starts each, alternating, median), RSS idle, SendEmail from the same Go client
# (grpcload, $connections in flight over one connection; a warm-up round each, then $rounds rounds of $duration,
# alternating): calls per s, server CPU ms per call (/proc), p99, failures; RSS after the load.
# side_by_side LEFT RIGHT TITLE: the caller defines launch_side SIDE PORT (starts it in the background) and has
# started etcd; prints the table (RIGHT / LEFT ratios) into $work/side.md, sets side_rate[*] and side_p99[*], and
# adds the failed calls to p3_failures.
declare -A side_rate side_p99
side_by_side() {
  local left=$1 right=$2 title=$3 grpcload_bin keyprobe_bin starts="${STARTS:-5}"
  grpcload_bin="$(build_go grpcload)"; keyprobe_bin="$(build_go keyprobe)"
  [ -n "$grpcload_bin" ] && [ -n "$keyprobe_bin" ] \
    || { echo "$title needs go and Debian's etcd client (golang-go golang-etcd-server-dev)" >&2; exit 1; }
  local -A port pid exec_ms rss_idle rss_loaded rate cpu p99 failed
  port[$left]=$notificator_port; port[$right]=$((notificator_port + 2))
  for start in $(seq 1 "$starts"); do
    local sides="$left $right"; [ $((start % 2)) -eq 0 ] && sides="$right $left"
    for side in $sides; do
      local probe t0 t1
      "$keyprobe_bin" -etcd "$QUARKUS_ETCD_ENDPOINTS" -key "/services/notificator/127.0.0.1:${port[$side]}" \
        > "$work/probe" 2>&1 &
      probe=$!
      for _ in $(seq 1 500); do grep -q watching "$work/probe" && break; sleep 0.01; done
      t0=$(now_ms); launch_side "$side" "${port[$side]}" >> "$work/$side.log" 2>&1 &
      pid[$side]=$!; pids+=($!)
      wait "$probe" || { echo "$side: no key in etcd: $(cat "$work/probe")" >&2; exit 1; }
      t1=$(tail -1 "$work/probe")
      exec_ms[$side]="${exec_ms[$side]:-} $((t1 - t0))"
      if [ "$start" -lt "$starts" ]; then kill -TERM "${pid[$side]}"; wait "${pid[$side]}" || true; fi
    done
  done
  sleep 2
  for side in $left $right; do rss_idle[$side]=$(rss_mb "${pid[$side]}"); done
  echo "  exec to key (ms): $left${exec_ms[$left]}; $right${exec_ms[$right]}"
  echo "  SendEmail from one Go client, $connections in flight: a warm-up round each, then rounds of $duration"
  for side in $left $right; do
    grpc_direct "${port[$side]}" "${pid[$side]}" > /dev/null; rate[$side]=0; cpu[$side]=0; p99[$side]=0; failed[$side]=0
  done
  printf "%-6s %-6s %10s %12s %8s %8s\n" round side "calls/s" "CPU ms/call" "p99 ms" failures
  for round in $(seq 1 "$rounds"); do
    local sides="$right $left"; [ $((round % 2)) -eq 0 ] && sides="$left $right"
    for side in $sides; do
      local g_rate g_cpu g_failed g_p99
      read -r g_rate g_cpu g_failed g_p99 <<<"$(grpc_direct "${port[$side]}" "${pid[$side]}")"
      printf "%-6s %-6s %10s %12s %8s %8s\n" "$round" "$side" "${g_rate:-0}" "${g_cpu:-?}" "${g_p99:-?}" "${g_failed:-?}"
      rate[$side]=$(awk "BEGIN {print ${rate[$side]} + ${g_rate:-0}}"); cpu[$side]=$(awk "BEGIN {print ${cpu[$side]} + ${g_cpu:-0}}")
      p99[$side]=$(awk "BEGIN {print ${p99[$side]} + ${g_p99:-0}}"); failed[$side]=$((failed[$side] + ${g_failed:-1}))
    done
  done
  for side in $left $right; do
    rss_loaded[$side]=$(rss_mb "${pid[$side]}")
    side_rate[$side]=$(awk "BEGIN {printf \"%.0f\", ${rate[$side]} / $rounds}")
    side_p99[$side]=$(awk "BEGIN {printf \"%.2f\", ${p99[$side]} / $rounds}")
  done
  median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  {
    echo "| $title | $left | $right | $right / $left |"
    echo "|---|---:|---:|---:|"
    row() { printf "| %s | %s | %s | %s |\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { if (a + 0 > 0) printf "%.2f", b / a; else print "-" }')"; }
    row "SendEmail per s, $connections in flight (mean of $rounds x $duration)" "${side_rate[$left]}" "${side_rate[$right]}"
    row "CPU ms per SendEmail (server)" "$(awk "BEGIN {printf \"%.4f\", ${cpu[$left]} / $rounds}")" \
      "$(awk "BEGIN {printf \"%.4f\", ${cpu[$right]} / $rounds}")"
    row "SendEmail p99 (ms, mean of rounds)" "${side_p99[$left]}" "${side_p99[$right]}"
    row "exec to its key in etcd (ms, median of $starts)" "$(median "${exec_ms[$left]}")" "$(median "${exec_ms[$right]}")"
    row "RSS idle (MB)" "${rss_idle[$left]}" "${rss_idle[$right]}"
    row "RSS after the load (MB)" "${rss_loaded[$left]}" "${rss_loaded[$right]}"
    printf "| failed calls (warm-up excluded) | %s | %s | |\n" "${failed[$left]}" "${failed[$right]}"
  } | tee "$work/side.md"
  p3_failures=$((p3_failures + failed[$left] + failed[$right]))
}

# Peer: our native notificator against the seed's (deploy/bench/go/src/seednotificator: go-kit service, endpoint and
# gRPC transport, registered on a lease; written from the article), side by side (above).
peer() {
  need_native peer "$native_notificator"
  start_etcd
  local seed_bin
  seed_bin="$(build_seed)"
  [ -n "$seed_bin" ] || { echo "peer needs protoc (protobuf-compiler golang-goprotobuf-dev) and Debian's go-kit" >&2; exit 1; }
  launch_side() { # side port
    if [ "$1" = ours ]; then
      QUARKUS_GRPC_SERVER_PORT=$2 QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 exec "$native_notificator"
    else
      exec "$seed_bin" -etcd "$QUARKUS_ETCD_ENDPOINTS" -listen "127.0.0.1:$2"
    fi
  }
  echo "Peer: $native_notificator vs the seed's go-kit notificator ($seed_bin), one etcd"
  side_by_side seed ours "peer: the seed's go-kit notificator vs ours (native)"
  cp "$work/side.md" "$peer_table"
  record "Peer SendEmail (seed go-kit)" "${side_rate[seed]}" "${side_p99[seed]}"
  record "Peer SendEmail (ours native)" "${side_rate[ours]}" "${side_p99[ours]}"
  cleanup
  trap - EXIT
}

# ABN: two builds or settings of notificator side by side (above): what one change to it is worth.
#   A_NOTIFICATOR / B_NOTIFICATOR: the notificator command, words (default: the native executable; e.g. a copy of it
#   built before the change, or it with -Xmn16m); A_ENV / B_ENV: extra environment, space-separated NAME=value.
abn() {
  need_native ABN "$native_notificator"
  start_etcd
  launch_side() { # side port
    local cmd env
    if [ "$1" = A ]; then cmd="${A_NOTIFICATOR:-$native_notificator}" env="${A_ENV:-}"
    else cmd="${B_NOTIFICATOR:-$native_notificator}" env="${B_ENV:-}"; fi
    # shellcheck disable=SC2086 # the command and the extra environment are lists of words
    QUARKUS_GRPC_SERVER_PORT=$2 QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 exec env $env $cmd
  }
  echo "ABN: A = ${A_NOTIFICATOR:-$native_notificator} ${A_ENV:-}"
  echo "     B = ${B_NOTIFICATOR:-$native_notificator} ${B_ENV:-}"
  side_by_side A B "ABN: notificator A vs B"
  cleanup
  trap - EXIT
}

# Policies: what choosing notificators costs /create. Four native notificators (zone a at weights 3 and 1, zone b
# twice) and one native users replica per policy, on one etcd: rr (notificator.affinity=none: Stork's round robin,
# the baseline), key (the default: each idempotency key's owner by weighted rendezvous hashing), zone (key, in zone a
# only while one there answers), selector (key, over the instances the label selector zone=a keeps) and
# rr-zone (round robin in zone a). Rounds of $duration alternate over the policies, rotating the order; CPU from
# /proc of users, the four notificators and etcd. Prints each policy's /create per s, CPU ms per /create and
# statuses, and its ratios to rr (goal: within 3%). The choice is made in users: its CPU per /create is the policy's
# cost; throughput also follows etcd, which slows as the run fills it (the rotation spreads that over the policies).
policies() {
  need_native policies "$native_users" "$native_notificator"
  start_etcd
  local labels=("zone=a weight=3" "zone=a weight=1" "zone=b" "zone=b") n_pids="" i
  for i in 0 1 2 3; do
    local zone weight=""
    zone=$(echo "${labels[$i]}" | sed -n 's/.*zone=\([^ ]*\).*/\1/p')
    [[ "${labels[$i]}" == *weight=* ]] && weight=$(echo "${labels[$i]}" | sed -n 's/.*weight=\([^ ]*\).*/\1/p')
    env QUARKUS_GRPC_SERVER_PORT=$((notificator_port + i)) QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 \
      REGISTRATION_ZONE="$zone" ${weight:+REGISTRATION_WEIGHT=$weight} \
      "$native_notificator" > "$work/notificator-$i.log" 2>&1 &
    pids+=($!); n_pids="$n_pids $!"
  done
  local names=(rr key zone selector rr-zone)
  local -A env_of u_pid port
  env_of[rr]="NOTIFICATOR_AFFINITY=none"
  env_of[key]=""
  env_of[zone]="NOTIFICATOR_ZONE=a"
  env_of[selector]="QUARKUS_STORK_NOTIFICATOR_SERVICE_DISCOVERY_SELECTOR=zone=a"
  env_of[rr-zone]="NOTIFICATOR_AFFINITY=none NOTIFICATOR_ZONE=a"
  for i in "${!names[@]}"; do
    local name=${names[$i]}
    port[$name]=$((users_a_port + i))
    # shellcheck disable=SC2086 # the extra environment is a list of words
    env QUARKUS_HTTP_PORT=${port[$name]} ${env_of[$name]} "$native_users" > "$work/users-$name.log" 2>&1 &
    u_pid[$name]=$!; pids+=($!)
  done
  for name in "${names[@]}"; do await "http://127.0.0.1:${port[$name]}/q/health/ready"; done
  echo "Policies: 4 notificators (${labels[*]}), one users replica per policy:"
  for name in "${names[@]}"; do echo "  $name: ${env_of[$name]:-(defaults)}"; done
  echo "  warm-up: 2 x $duration per policy; then rounds of $duration, the order rotating; CPU ms per /create from /proc"
  for _ in 1 2; do for name in "${names[@]}"; do bench "${port[$name]}" "$duration" >/dev/null; done; done
  round_header
  for round in $(seq 1 "$rounds"); do
    local k=${#names[@]} j
    for j in $(seq 0 $((k - 1))); do
      local name=${names[$(((j + round) % k))]}
      measured_round "$round" "$name" "${port[$name]}" "${u_pid[$name]}" "$n_pids"
    done
  done
  echo "| policy | /create per s | p99 ms | CPU ms per /create: users | notificators | etcd | sum | / rr: /create per s | / rr: users CPU | / rr: CPU sum | statuses |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for name in "${names[@]}"; do
    awk -v s="$name" -v n="${m_n[$name]}" -v u="${m_users[$name]}" -v c="${m_notificator[$name]}" \
      -v e="${m_etcd[$name]}" -v q="${m_rps[$name]}" -v p="${m_p99[$name]}" -v k="$rounds" -v st="${m_statuses[$name]}" \
      -v rn="${m_n[rr]}" -v ru="${m_users[rr]}" -v rc="${m_notificator[rr]}" -v re="${m_etcd[rr]}" -v rq="${m_rps[rr]}" \
      'BEGIN { printf "| %s | %.0f | %.1f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %s |\n", s, q / k, p / k,
        u / n, c / n, e / n, (u + c + e) / n, q / rq, (u / n) / (ru / rn), ((u + c + e) / n) / ((ru + rc + re) / rn), st }'
  done
  for i in 0 1 2 3; do
    echo "  notificator ${labels[$i]}: $(grep -c 'Sent email' "$work/notificator-$i.log") emails sent"
  done
  cleanup
  trap - EXIT
  for name in "${names[@]}"; do p3_failures=$((p3_failures + m_failures[$name])); done
}

# Overload: users at FACTOR (3) times what it serves, open loop (deploy/bench/go/openload), for $duration: answers by
# status, 503s without Retry-After, 503s whose user was stored all the same (must be 0), users' peak RSS (sampled every
# 100 ms), and /create per second in each 250 ms after the load ends against the capacity measured before it.
# USERS_CMD picks the executable (default the native one when built, else the jar).
overload() {
  local users_cmd notificator_cmd
  if [ -x "$native_users" ] && [ -x "$native_notificator" ]; then
    users_cmd="${USERS_CMD:-$native_users}"; notificator_cmd="$native_notificator"
  else
    ./mvnw -B -q package -DskipTests
    users_cmd="${USERS_CMD:-java -jar users/target/quarkus-app/quarkus-run.jar}"
    notificator_cmd="java -jar notificator/target/quarkus-app/quarkus-run.jar"
  fi
  start_etcd
  local openload_bin
  openload_bin="$(build_go openload)"
  [ -n "$openload_bin" ] || { echo "overload needs Go and Debian's etcd client (golang-go golang-etcd-server-dev)" >&2; exit 1; }
  # shellcheck disable=SC2086 # the commands are lists of words
  QUARKUS_GRPC_SERVER_PORT=$notificator_port QUARKUS_HTTP_PORT=0 REGISTRATION_ADVERTISED_HOST=127.0.0.1 \
    $notificator_cmd > "$work/notificator.log" 2>&1 &
  pids+=($!)
  # shellcheck disable=SC2086
  QUARKUS_HTTP_PORT=$users_a_port $users_cmd > "$work/users.log" 2>&1 &
  local u_pid=$!; pids+=($!)
  await "http://127.0.0.1:$users_a_port/q/health/ready"
  bench "$users_a_port" "$duration" > /dev/null # warm-up
  local rss_idle peak=0 out
  rss_idle=$(rss_mb "$u_pid")
  # The load must measure users, not the client: sharing every core, the client took more CPU than users once
  # connections piled up and fell behind its schedule. With more than one core, the stack (etcd, notificator, users)
  # runs on the first core, the client on the others; the capacity that sets the rate is measured the same way.
  local client_cpus=""
  if [ "$(nproc)" -gt 1 ] && command -v taskset > /dev/null; then
    for pid in "${pids[@]}"; do taskset -a -p -c 0 "$pid" > /dev/null; done
    client_cpus="1-$(($(nproc) - 1))"
    echo "  stack on CPU 0, load client on CPU $client_cpus"
  fi
  ${client_cpus:+taskset -c "$client_cpus"} "$openload_bin" -users "http://127.0.0.1:$users_a_port" \
    -etcd "$QUARKUS_ETCD_ENDPOINTS" -c "$connections" -factor "${FACTOR:-3}" -d "$duration" > "$work/openload.json" &
  local load_pid=$!
  while kill -0 "$load_pid" 2>/dev/null; do
    local rss; rss=$(rss_mb "$u_pid"); [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  wait "$load_pid"
  out="$(cat "$work/openload.json")"
  echo "Overload: $users_cmd at ${FACTOR:-3}x its capacity, open loop, for $duration"
  echo "  $out"
  echo "  users RSS: idle $rss_idle MB, peak $peak MB (sampled every 100 ms)"
  grep -c "Answered 50[34]" "$work/users.log" | sed 's/^/  users log lines "Answered 503|504": /'
  cleanup
  trap - EXIT
  echo "$out" | grep -q '"503_stored":0' || { echo "a 503 was stored" >&2; p3_failures=1; }
  echo "$out" | grep -q '"503_without_retry_after":0' || { echo "a 503 without Retry-After" >&2; p3_failures=1; }
  echo "$out" | grep -q '"errors":0,' || { echo "requests went unanswered" >&2; p3_failures=1; }
}

report() {
  cp "$csv" "$results/benchmark.csv"
  {
    echo "# $title"
    echo
    echo "Machine: $machine."
    echo
    if [ -s "$p3_table" ]; then cat "$p3_table"; echo; fi
    if [ -s "$peer_table" ]; then cat "$peer_table"; echo; fi
    echo "| scenario | throughput (per second) | p99 (ms) |"
    echo "|---|---:|---:|"
    tail -n +2 "$csv" | awk -F, '{printf "| %s | %s | %s |\n", $1, $2, ($3 == "" ? "-" : $3)}'
    echo
    tail -n +2 "$csv" | awk -F, '
      /^P1 .*etcd/ {p1a=$2} /^P1 .*static/ {p1b=$2} /^P1b .*plain/ {cpa=$2} /^P1b .*Stork/ {cpb=$2}
      /^P1c .*separate/ {spa=$2} /^P1c .*single/ {spb=$2}
      END {
        if (p1a && p1b) printf "P1: etcd discovery / static list = %.3f. ", p1a / p1b
        if (cpa && cpb) printf "P1b: Stork client / plain channel = %.3f. ", cpb / cpa
        if (spa && spb) printf "P1c: separate gRPC server / single-port server = %.3f.", spa / spb
        print ""
      }'
  } > "$results/benchmark.md"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$results/benchmark.csv'; out='$results/benchmark.png'; heading='$title'" deploy/bench/chart.gp
    echo "Report: $results/benchmark.md, $results/benchmark.png"
  else
    echo "Report: $results/benchmark.md (no chart: gnuplot is not on PATH)"
  fi
  rm -f "$csv" "$p3_table" "$peer_table"
}

case "$what" in
  all) p1; p1b; p2; p3; peer ;;
  p1) p1 ;;
  p1b) p1b ;;
  p2) p2 ;;
  p3) p3 ;;
  ab) ab ;;
  overload) overload ;;
  policies) policies ;;
  peer) peer ;;
  abn) abn ;;
  *) echo "usage: $0 [all|p1|p1b|p2|p3|peer|ab|abn|overload|policies]" >&2; exit 2 ;;
esac
case "$what" in ab | abn | policies) ;; *) report ;; esac # their figures are their output
if [ "$p3_failures" -ne 0 ]; then
  echo "FAILED: $what saw $p3_failures answers that were not 2xx (or socket errors); see the statuses above" >&2
  exit 1
fi
