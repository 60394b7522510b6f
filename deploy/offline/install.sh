#!/bin/sh
# Install hallq from this offline bundle, with no network (deploy/offline/build_bundle.py made it):
#   sh install.sh [VENV]        default /opt/hallq/venv; then run hallq as deploy/README.md says
# PYTHON picks the interpreter (default python3: Debian 12's is 3.11).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-/opt/hallq/venv}
python=${PYTHON:-python3}
arch=$(uname -m)

(cd "$here" && sha256sum --check --quiet --ignore-missing SHA256SUMS) || { echo "the bundle is damaged: copy it again" >&2; exit 2; }
[ -d "$here/wheels/$arch" ] || { echo "this bundle carries no wheels for $arch (it has: $(ls "$here/wheels"))" >&2; exit 2; }
if [ -s "$here/wheels/$arch/MISSING" ]; then
  echo "no wheel was published for $arch of: $(tr '\n' ' ' < "$here/wheels/$arch/MISSING")" >&2
  echo "build those on a connected $arch machine (pip wheel NAME==VERSION) into $here/wheels/$arch, remove MISSING, and rerun" >&2
  exit 2
fi
"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "hallq's bundle is built for Python 3.11; $python is $("$python" -V 2>&1)" >&2; exit 2; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# Only the bundle: no index, and no pip configuration of this machine's.
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_INDEX_URL= PIP_EXTRA_INDEX_URL= \
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
  --find-links "$here/wheels/any" --find-links "$here/wheels/$arch" --requirement "$here/requirements.txt"
echo "hallq installed in $venv: $venv/bin/hallq"
