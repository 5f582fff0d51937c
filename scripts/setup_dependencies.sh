#!/usr/bin/env bash
# Installs varsphere's build dependencies from Debian 12 packages when any is missing.
# Idempotent: when everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git
  libeigen3-dev libceres-dev libboost-dev libopenblas0-pthread libopenblas-pthread-dev
  doctest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libhdf5-dev
  python3 python3-dev python3-numpy python3-matplotlib python3-pytest python3-h5py pybind11-dev python3-setuptools python3-pip
  clang libclang-rt-14-dev
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all dependencies present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
