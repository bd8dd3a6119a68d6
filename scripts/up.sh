#!/usr/bin/env bash
# make up: starts a netkube control plane in the background and says how to use
# kubectl with it. State lives in $NETKUBE_HOME (default ~/.netkube/server);
# `make down` stops it. Node networking (`netkube up`) arrives with the node agent.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR=${NETKUBE_HOME:-$HOME/.netkube/server}
LISTEN=${NETKUBE_LISTEN:-127.0.0.1:6443}
mkdir -p "$HOME_DIR"
if [[ -f "$HOME_DIR/server.pid" ]] && kill -0 "$(cat "$HOME_DIR/server.pid")" 2>/dev/null; then
  echo "netkube server already running (pid $(cat "$HOME_DIR/server.pid"))"
else
  rm -f "$HOME_DIR/admin.kubeconfig"
  nohup ./build/netkube server --data-dir "$HOME_DIR" --listen "$LISTEN" >"$HOME_DIR/server.log" 2>&1 &
  echo $! >"$HOME_DIR/server.pid"
  for _ in $(seq 100); do
    [[ -f "$HOME_DIR/admin.kubeconfig" ]] && break
    if ! kill -0 "$(cat "$HOME_DIR/server.pid")" 2>/dev/null; then
      echo "netkube server failed to start:" >&2
      tail -5 "$HOME_DIR/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "netkube server running (pid $(cat "$HOME_DIR/server.pid"), log $HOME_DIR/server.log)"
fi
cat <<MSG

Use it with kubectl:
  export KUBECONFIG=$HOME_DIR/admin.kubeconfig
  kubectl get namespaces
Stop it with: make down
MSG
