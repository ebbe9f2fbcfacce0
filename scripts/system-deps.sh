#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing. Idempotent.
# Called by scripts/test.sh when it runs as root; prints what it does on stderr.
set -euo pipefail

# Debian package -> a file that proves it is installed. Issues add their packages here.
declare -A PACKAGES=(
  # transport-nfc: a real PC/SC stack with the vsmartcard virtual reader
  [pcscd]=/usr/sbin/pcscd
  [libpcsclite-dev]=/usr/include/PCSC/winscard.h
  [vsmartcard-vpcd]=/etc/reader.conf.d/vpcd
  # transport-nfc: the reference client nobody here wrote (python-fido2 over pyscard)
  [python3-fido2]=/usr/lib/python3/dist-packages/fido2
  [python3-pyscard]=/usr/lib/python3/dist-packages/smartcard
  # rp and the web portal: tests in a real browser
  [chromium]=/usr/bin/chromium
  # the web portal's storage suite against a real PostgreSQL server
  [postgresql]=/usr/lib/postgresql
)

missing=()
for pkg in "${!PACKAGES[@]}"; do
  [ -e "${PACKAGES[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; run as root: sudo bash scripts/system-deps.sh" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
