#!/usr/bin/env bash
# tools/cluster.sh — a real local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok) run by kwokctl with the binaries tools/build.sh builds. Loopback only.
#
#   tools/cluster.sh up [NAME]          create (or reuse) cluster NAME, add kwok nodes, write its
#                                       kubeconfig, wait for /readyz, Ready nodes and the default
#                                       ServiceAccount; prints the kubeconfig path as its last line
#   tools/cluster.sh down [NAME]        delete the cluster; no process or port is left behind
#   tools/cluster.sh kubeconfig [NAME]  print the kubeconfig path (rewrites the file if the cluster runs)
#   tools/cluster.sh restart-apiserver [NAME]  kill kube-apiserver and let kwokctl start it again
#   tools/cluster.sh etcd-backup [NAME] DIR    stop kube-apiserver and etcd, copy etcd's data dir to
#                                       DIR, start both again
#   tools/cluster.sh etcd-restore [NAME] DIR   stop kube-apiserver and etcd, put DIR's copy in place
#                                       of etcd's data dir (objects go back to the backup's versions),
#                                       move the revision past every one the cluster had and mark
#                                       the history compacted (what `etcdutl snapshot restore
#                                       --bump-revision --mark-compacted` does, as etcd's recovery
#                                       guide advises for Kubernetes; etcd 3.6's etcdctl has no
#                                       restore, and etcdutl is not built here), start both again.
#                                       MSVC_ETCD_RESTORE_BUMP=0: no bump (revisions go backwards)
#   tools/cluster.sh status [NAME]      kwokctl's components of the cluster
#   tools/cluster.sh kwokctl ARGS...    run the built kwokctl with this script's environment
#
# NAME defaults to $MSVC_CLUSTER or msvc-dev. The kubeconfig goes to <repo>/.kube/NAME.kubeconfig.
# Env:
#   MSVC_NODES=3                 number of kwok nodes
#   MSVC_AUDIT_POLICY=FILE       turn on the API server's audit log with this policy
#                                (e.g. tools/audit-policy.yaml); the log is <workdir>/logs/audit.log
#   MSVC_FRESH=1                 on `up`, delete an existing cluster of that name first
#   MSVC_KWOKCTL_ARGS            more `kwokctl create cluster` flags, e.g. bench/ needs room for
#                                1,000 Services: --extra-args kube-apiserver=service-cluster-ip-range=10.0.0.0/16
#   MSVC_APISERVER_DOWN_SECONDS  restart-apiserver: stay down this long before starting it again
#   MSVC_KEEP_FAILED=1           keep a cluster whose start-up failed (default: its logs are printed,
#                                then it is deleted)
#   MSVC_CACHE_DIR               cache root (default ${XDG_CACHE_HOME:-~/.cache}/msvc); kwokctl's
#                                work dirs live in $MSVC_CACHE_DIR/kwok/clusters/NAME (KWOK_WORKDIR)
# Failure stages: pods annotated msvc.dev/simulate=ImagePullBackOff|CrashLoopBackOff|OOMKilled
# (see tools/kwok/stages/).
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$TOOLS_DIR")"
CACHE_DIR="${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/msvc}"
export KWOK_WORKDIR="$CACHE_DIR/kwok"
NODES="${MSVC_NODES:-3}"
WAIT_SECONDS="${MSVC_WAIT_SECONDS:-180}"

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
NAME="${MSVC_CLUSTER:-msvc-dev}"
if [[ "$cmd" != kwokctl && $# -gt 0 ]]; then NAME="$1"; shift; fi
[[ "$NAME" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { echo "cluster.sh: bad cluster name '$NAME'" >&2; exit 2; }
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$NAME"
KUBECONFIG_PATH="$REPO_DIR/.kube/$NAME.kubeconfig"

log() { echo "cluster.sh[$NAME]: $*" >&2; }

# Alive and not a zombie (killed components are reaped by whoever adopted them, maybe late).
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

ensure_bin() {
  if ! BIN="$("$TOOLS_DIR/build.sh" --bin-dir 2>/dev/null)"; then
    "$TOOLS_DIR/build.sh" >&2
    BIN="$("$TOOLS_DIR/build.sh" --bin-dir)"
  fi
  KWOKCTL="$BIN/kwokctl"
  KUBECTL="$BIN/kubectl"
}

kwokctl() { "$KWOKCTL" "$@"; }

# kwokctl's own (JSON) log lines go to a file, shown only when something fails.
KWOKCTL_LOG="$KWOK_WORKDIR/logs/$NAME.kwokctl.log"
kwokctl_logged() {
  mkdir -p "$(dirname "$KWOKCTL_LOG")"
  echo "+ kwokctl $*" >>"$KWOKCTL_LOG"
  "$KWOKCTL" "$@" >>"$KWOKCTL_LOG" 2>&1 || {
    local rc=$?
    log "kwokctl $* failed ($rc); its log ($KWOKCTL_LOG):"
    tail -n 30 "$KWOKCTL_LOG" >&2
    return "$rc"
  }
}

k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# PIDs of this cluster's components that are alive (from kwokctl's pid files).
live_pids() {
  local f pid
  [[ -d "$CLUSTER_DIR/pids" ]] || return 0
  for f in "$CLUSTER_DIR"/pids/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && echo "$pid"
  done
  return 0
}

dump_logs() {
  local f
  log "start-up failed; component logs (last 40 lines each) from $CLUSTER_DIR/logs:"
  for f in "$CLUSTER_DIR"/logs/*.log; do
    [[ -f "$f" ]] || continue
    echo "----- $(basename "$f") -----" >&2
    tail -n 40 "$f" >&2
  done
}

write_config() { # the KwokctlConfiguration plus our Stages, passed to `kwokctl create cluster -c`
  local cfg="$1" kv ev
  kv="$("$BIN/kube-apiserver" --version | awk '{print $2}')"
  ev="$("$BIN/etcd" --version | awk '/etcd Version/ {print $3}')"
  {
    cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: $kv
  etcdVersion: $ev
  kubeAuthorization: true
  kubeAdmission: true
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kubectlBinary: $BIN/kubectl
  kwokControllerBinary: $BIN/kwok
  etcdBinary: $BIN/etcd
  etcdctlBinary: $BIN/etcdctl
EOF
    if [[ -n "${MSVC_AUDIT_POLICY:-}" ]]; then
      echo "  kubeAuditPolicy: $(realpath "$MSVC_AUDIT_POLICY")"
    fi
    local s
    for s in "$TOOLS_DIR"/kwok/stages/*.yaml; do
      echo "---"
      cat "$s"
    done
  } >"$cfg"
}

wait_for() { # $1 description, rest: command; retries until it succeeds or WAIT_SECONDS pass
  local what="$1" deadline=$((SECONDS + WAIT_SECONDS))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "timed out after ${WAIT_SECONDS}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

# One list of the nodes, counted: `kubectl wait --all --timeout=5s` waits on each node in turn and,
# on a loaded machine, never gets through 100 of them (bench/scale.ts) within its 5 s.
nodes_ready() {
  local ready
  ready="$(k get nodes -o jsonpath='{range .items[*]}{range .status.conditions[?(@.type=="Ready")]}{.status}{"\n"}{end}{end}' | grep -c '^True$')"
  ((ready >= NODES))
}

write_kubeconfig() {
  mkdir -p "$(dirname "$KUBECONFIG_PATH")"
  kwokctl --name "$NAME" get kubeconfig >"$KUBECONFIG_PATH.tmp"
  chmod 600 "$KUBECONFIG_PATH.tmp"
  mv "$KUBECONFIG_PATH.tmp" "$KUBECONFIG_PATH"
}

# Stop one of our component processes: SIGTERM, then SIGKILL after $2 seconds; wait until it is gone.
stop_pid() {
  local pid="$1" grace="$2" deadline
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + grace))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  fi
  ! alive "$pid"
}

# Stops one component kwokctl runs: graceful first (watches end cleanly), killed after 5s. Then
# drops its pid file: kwokctl checks liveness with kill -0, which a not-yet-reaped zombie passes.
stop_component() {
  local pidfile="$CLUSTER_DIR/pids/$1.pid" pid
  [[ -f "$pidfile" ]] || { log "$1 is not running"; exit 1; }
  pid="$(cat "$pidfile")"
  stop_pid "$pid" "${MSVC_APISERVER_STOP_GRACE:-5}" || { log "$1 ($pid) does not stop"; exit 1; }
  rm -f "$pidfile"
}

# Starts what stop_component stopped (`start cluster` starts only the components that are not
# running) and waits for the API server.
start_stopped() {
  kwokctl_logged --name "$NAME" start cluster
  wait_for "the API server's /readyz" k get --raw /readyz
}

do_down() {
  local pids pid left=""
  pids="$(live_pids | tr '\n' ' ')"
  if [[ -d "$CLUSTER_DIR" ]]; then
    log "deleting cluster"
    # kwokctl delete insists on a kubeconfig to remove its context from: give it a scratch one,
    # never the user's ~/.kube/config.
    kwokctl_logged --name "$NAME" delete cluster --kubeconfig "$KWOK_WORKDIR/scratch.kubeconfig" ||
      log "kwokctl delete cluster failed; stopping the components directly"
  fi
  # kwokctl SIGKILLs what its pid files name; make sure every one of those processes is gone.
  for pid in $pids; do stop_pid "$pid" 0 || left+=" $pid"; done
  rm -rf "$CLUSTER_DIR" "$KWOK_WORKDIR/scratch.kubeconfig" "$KWOK_WORKDIR/$NAME.config.yaml"
  rm -f "$KUBECONFIG_PATH"
  if [[ -n "$left" ]]; then
    log "processes still running:$left"
    return 1
  fi
}

# Start-up failed: show why, then remove the half-started cluster (MSVC_KEEP_FAILED=1 keeps it).
fail_up() {
  dump_logs
  if [[ "${MSVC_KEEP_FAILED:-}" != 1 ]]; then do_down || true; fi
  exit 1
}

do_up() {
  ensure_bin
  mkdir -p "$KWOK_WORKDIR"
  if [[ "${MSVC_FRESH:-}" == 1 ]]; then do_down; fi
  local cfg="$KWOK_WORKDIR/$NAME.config.yaml" start=$SECONDS
  write_config "$cfg"
  log "starting (binaries: $BIN)"
  # --kubeconfig "": never touch the user's ~/.kube/config; we write our own file below.
  mkdir -p "$(dirname "$KWOKCTL_LOG")" && : >"$KWOKCTL_LOG"
  # No leader election for the single controller manager and scheduler: with it on, they exit
  # when the API server is away longer than their renew deadline (restart-apiserver does that on
  # purpose), and nothing would start them again.
  if ! kwokctl_logged --name "$NAME" -c "$cfg" create cluster --runtime binary --kubeconfig "" \
    --extra-args kube-controller-manager=leader-elect=false --extra-args kube-scheduler=leader-elect=false \
    --timeout "${WAIT_SECONDS}s" ${MSVC_KWOKCTL_ARGS:-}; then # word-split on purpose
    fail_up
  fi
  write_kubeconfig
  if ! wait_for "the API server's /readyz" k get --raw /readyz; then fail_up; fi
  kwokctl_logged --name "$NAME" scale node --replicas "$NODES" || fail_up
  if ! wait_for "$NODES Ready nodes" nodes_ready; then
    fail_up
  fi
  if ! wait_for "the default ServiceAccount" k get serviceaccount default -n default; then
    fail_up
  fi
  log "ready in $((SECONDS - start))s; kubectl --kubeconfig $KUBECONFIG_PATH get nodes"
  echo "$KUBECONFIG_PATH"
}

case "$cmd" in
up) do_up ;;
down)
  ensure_bin
  do_down
  log "down"
  ;;
kubeconfig)
  ensure_bin
  if [[ -d "$CLUSTER_DIR" ]]; then write_kubeconfig; fi
  [[ -f "$KUBECONFIG_PATH" ]] || { log "no cluster (run: tools/cluster.sh up $NAME)"; exit 1; }
  echo "$KUBECONFIG_PATH"
  ;;
restart-apiserver)
  ensure_bin
  stop_component kube-apiserver
  # An outage of a chosen length (the resilience tests: clients' back-off grows meanwhile).
  sleep "${MSVC_APISERVER_DOWN_SECONDS:-0}"
  start_stopped
  log "kube-apiserver restarted"
  ;;
etcd-backup | etcd-restore)
  ensure_bin
  dir="${1:?usage: tools/cluster.sh $cmd [NAME] DIR}"
  data="$CLUSTER_DIR/etcd"
  [[ -d "$data" ]] || { log "no etcd data dir $data"; exit 1; }
  [[ "$cmd" == etcd-backup || -d "$dir" ]] || { log "no backup in $dir (tools/cluster.sh etcd-backup $NAME $dir)"; exit 1; }
  # The API server first: nothing may write between the stop and the copy, and after a restore no
  # API server may serve from a watch cache of the history the restore undid.
  stop_component kube-apiserver
  etcd_url="http://127.0.0.1:$(awk '/etcdPort:/ {print $2; exit}' "$CLUSTER_DIR/kwok.yaml")"
  revision() { curl -sf -X POST "$etcd_url/v3/kv/range" -d '{"key":"AA==","limit":1}' | sed -E 's/.*"revision":"([0-9]+)".*/\1/'; }
  before="$(revision)"
  etcd_cmd=()
  while IFS= read -r -d '' arg; do etcd_cmd+=("$arg"); done <"/proc/$(cat "$CLUSTER_DIR/pids/etcd.pid")/cmdline"
  stop_component etcd
  if [[ "$cmd" == etcd-backup ]]; then
    rm -rf "$dir" && cp -a "$data" "$dir"
  else
    rm -rf "$data" && cp -a "$dir" "$data"
    if [[ "${MSVC_ETCD_RESTORE_BUMP:-1}" != 0 ]]; then
      # etcd alone, as kwokctl ran it: no API server may see the restored history before the bump.
      "${etcd_cmd[@]}" >>"$CLUSTER_DIR/logs/etcd-restore.log" 2>&1 &
      etcd_pid=$!
      wait_for "etcd after the restore" curl -sf "$etcd_url/health"
      restored="$(revision)"
      # One revision per put: past every revision handed out before the restore, then compacted, so
      # every watch from before it gets 410 Gone (and relists) instead of waiting for a revision
      # that was given to other writes.
      count=$((before - restored + 10))
      curl -sf -o /dev/null -X POST "$etcd_url/v3/kv/put?[1-$count]" -d '{"key":"bXN2Yy9yZXN0b3JlLWJ1bXA=","value":"MQ=="}'
      bumped="$(revision)"
      curl -sf -o /dev/null -X POST "$etcd_url/v3/kv/compaction" -d "{\"revision\":\"$bumped\",\"physical\":true}"
      log "etcd-restore: revision $before before, $restored restored, bumped to $bumped and compacted"
      stop_pid "$etcd_pid" 5 || { log "etcd ($etcd_pid) does not stop"; exit 1; }
    fi
  fi
  start_stopped
  log "$cmd: done ($dir)"
  ;;
status)
  ensure_bin
  kwokctl --name "$NAME" get components
  ;;
kwokctl)
  ensure_bin
  kwokctl "$@"
  ;;
*)
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
  exit 2
  ;;
esac
