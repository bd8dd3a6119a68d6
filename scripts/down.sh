#!/usr/bin/env bash
# make down: stops the control plane `make up` started (its state stays in
# $NETKUBE_HOME; remove that folder to start afresh).
set -euo pipefail
HOME_DIR=${NETKUBE_HOME:-$HOME/.netkube/server}
if [[ -f "$HOME_DIR/server.pid" ]]; then
  pid=$(cat "$HOME_DIR/server.pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "netkube server stopped"
  fi
  rm -f "$HOME_DIR/server.pid"
else
  echo "no netkube server running"
fi
