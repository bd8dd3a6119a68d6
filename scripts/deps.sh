#!/usr/bin/env bash
# Installs every Debian package netkube needs to build, test and benchmark.
# Idempotent and non-interactive: packages already present are skipped.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libboost-dev libboost-system-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev
  libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev
  libnl-3-dev libnl-route-3-dev libnftables-dev libnftnl-dev libmnl-dev
  libre2-dev libnghttp2-dev
  # tests, fuzzing, benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev clang libclang-rt-dev
  # peers used by tests
  curl openssl iproute2 nftables util-linux procps jq containernetworking-plugins python3 tar
  conntrack bind9-dnsutils
  # programs the image catalog runs (src/images/catalog.yaml): busybox, nginx
  busybox nginx
  # anchors for the benchmarks
  etcd-server dnsperf knot nsd
  # anchors for the ingress benchmarks (bench/ingress)
  wrk haproxy nghttp2-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
