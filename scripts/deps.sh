#!/usr/bin/env bash
# Installs what building and testing shmcheck needs, and nothing already there.
# Idempotent: a second run only checks. Debian/Ubuntu only (apt-get); elsewhere
# it prints the list to install by hand and fails.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config python3 binutils
  clang-19 clang-tidy-19 lld-19 llvm-19 llvm-19-dev llvm-19-tools
  libclang-19-dev libclang-cpp19-dev libclang-rt-19-dev
  libzydis-dev libfmt-dev libgtest-dev
  python3-jsonschema python3-yaml git
  libcap2-bin
  # Real servers for tests/servers (and bench/): PostgreSQL 15 with pgbench,
  # SQLite 3, Apache 2.4 with ab; util-linux's unshare for their namespaces.
  postgresql-15 postgresql-client-15 sqlite3 apache2 apache2-utils util-linux
  # Real trees for bench/checker: compilation databases and source packages.
  bear dpkg-dev
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
else
  echo "shmcheck: this is not a Debian/Ubuntu system (no dpkg)." >&2
  echo "Install these (or your distribution's equivalents), then re-run:" >&2
  echo "  ${packages[*]}" >&2
  exit 1
fi

# shm-tidy's SARIF tests validate its output against the SARIF 2.1.0 JSON
# schema; npm ships a copy in @microsoft/jest-sarif. It goes to the user's data
# directory, where tests/tool/CMakeLists.txt looks for it.
sarif_schema="${XDG_DATA_HOME:-$HOME/.local/share}/shmcheck/sarif-schema-2.1.0.json"
install_sarif_schema() {
  [[ -s "$sarif_schema" ]] && return 0
  command -v npm >/dev/null 2>&1 || return 1
  local tmp status=0
  tmp=$(mktemp -d)
  (cd "$tmp" &&
    npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null &&
    tar -xzf microsoft-jest-sarif-1.0.0-beta.0.tgz \
      package/lib/schemas/sarif-2.1.0-rtm.5.json &&
    mkdir -p "$(dirname "$sarif_schema")" &&
    cp package/lib/schemas/sarif-2.1.0-rtm.5.json "$sarif_schema") || status=1
  rm -rf "$tmp"
  return $status
}
if ! install_sarif_schema; then
  if command -v npm >/dev/null 2>&1; then
    echo "shmcheck: could not fetch the SARIF schema with npm; the SARIF tests will fail" >&2
  else
    missing+=(npm) # then fetched below, once npm is installed
  fi
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "shmcheck: apt-get not found; install by hand: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "shmcheck: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "shmcheck: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

install_sarif_schema ||
  echo "shmcheck: could not fetch the SARIF schema with npm; the SARIF tests will fail" >&2
