#!/usr/bin/env bash
# tools/demo.sh — the README's "run it" command (`make demo`): a local control plane, the CRD,
# the operator (a background process), every example MicroService applied, their status shown.
#
#   tools/demo.sh up      start (or reuse) everything; safe to run again
#   tools/demo.sh down    stop the operator and delete the cluster
#
# Env: MSVC_DEMO_CLUSTER (default msvc-dev), MSVC_DEMO_NAMESPACE (default shop).
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$TOOLS_DIR")"
CLUSTER="${MSVC_DEMO_CLUSTER:-msvc-dev}"
NAMESPACE="${MSVC_DEMO_NAMESPACE:-shop}"
STATE_DIR="$REPO_DIR/.kube"
PID_FILE="$STATE_DIR/$CLUSTER-operator.pid"
LOG_FILE="$STATE_DIR/$CLUSTER-operator.log"
NODE="$REPO_DIR/node_modules/.bin/node"

stop_operator() {
  if [[ -f "$PID_FILE" ]]; then
    local pid
    pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
  fi
}

case "${1:-up}" in
  down)
    stop_operator
    "$TOOLS_DIR/cluster.sh" down "$CLUSTER"
    exit 0
    ;;
  up) ;;
  *) echo "usage: tools/demo.sh up|down" >&2; exit 2 ;;
esac

KUBECONFIG_PATH="$("$TOOLS_DIR/cluster.sh" up "$CLUSTER" | tail -n 1)"
KUBECTL=("$("$NODE" -e "import('$REPO_DIR/tools/bin.ts').then((m) => console.log(m.binPath('kubectl')))")" --kubeconfig "$KUBECONFIG_PATH")

echo "demo: installing the MicroService CRD"
"${KUBECTL[@]}" apply --server-side --force-conflicts -f "$REPO_DIR/crds/microservices.msvc.dev.yaml" >/dev/null
# Polled, not `kubectl wait --for=condition=Established`: right after the create the CRD's
# status.conditions can be null, which kubectl (1.35 and later) reports as an error instead of waiting.
for _ in $(seq 1 120); do
  established="$("${KUBECTL[@]}" get crd/microservices.msvc.dev \
    -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)"
  [[ "$established" == True ]] && break
  sleep 0.5
done
if [[ "$established" != True ]]; then
  echo "demo: the MicroService CRD is not Established after 60s: kubectl get crd microservices.msvc.dev -o yaml" >&2
  exit 1
fi

echo "demo: starting the operator (logs: $LOG_FILE)"
stop_operator
nohup "$NODE" "$REPO_DIR/operator/microservice/main.ts" --kubeconfig "$KUBECONFIG_PATH" --health-address 127.0.0.1:18080 \
  >"$LOG_FILE" 2>&1 &
echo $! >"$PID_FILE"
for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { echo "demo: the operator exited:" >&2; tail -n 30 "$LOG_FILE" >&2; exit 1; }
  sleep 0.2
done

# examples/payments.yaml runs on a dedicated node pool (nodeSelector + toleration): the kwok nodes join it.
"${KUBECTL[@]}" label node --all pool.example.com/name=payments --overwrite >/dev/null
echo "demo: applying examples/*.yaml to namespace $NAMESPACE"
"${KUBECTL[@]}" create namespace "$NAMESPACE" --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null
for _ in $(seq 1 60); do "${KUBECTL[@]}" -n "$NAMESPACE" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.5; done
"${KUBECTL[@]}" -n "$NAMESPACE" apply --server-side -f "$REPO_DIR/examples/" >/dev/null

echo "demo: waiting for every MicroService to be Ready"
if ! "${KUBECTL[@]}" -n "$NAMESPACE" wait --for=condition=Ready microservices --all --timeout=180s; then
  echo "demo: not all Ready; operator log tail:" >&2
  tail -n 30 "$LOG_FILE" >&2
  "${KUBECTL[@]}" -n "$NAMESPACE" get microservices -o wide >&2
  exit 1
fi
echo
"${KUBECTL[@]}" -n "$NAMESPACE" get microservices,deployments,services,hpa,pdb
cat <<EOT

The operator keeps running (pid $(cat "$PID_FILE"); metrics on http://127.0.0.1:18080/metrics).
Try:  kubectl --kubeconfig $KUBECONFIG_PATH -n $NAMESPACE get msvc -o wide
      kubectl --kubeconfig $KUBECONFIG_PATH -n $NAMESPACE describe msvc gateway
Stop: make demo-down
EOT
