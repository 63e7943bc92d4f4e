# Sourced by scripts/demo and scripts/test: everything a fresh machine needs, idempotent.
# - a Python 3.11 virtualenv in .venv with the pinned dependencies (constraints.txt): what running
#   needs when the caller sets HOTLINE_INSTALL=runtime (scripts/demo), and the development tools too
#   otherwise (HOTLINE_INSTALL=dev, the default: scripts/test, CI)
# Re-installs only when pyproject.toml or constraints.txt changed since the last install of that
# kind; a development install also serves the demo (it holds everything running needs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
install="${HOTLINE_INSTALL:-dev}"
case "$install" in
  dev) target='.[dev]'; stamps=(.venv/.installed-dev) ;;
  runtime) target='.'; stamps=(.venv/.installed-runtime .venv/.installed-dev) ;;
  *) echo "HOTLINE_INSTALL must be dev or runtime (got $install)" >&2; exit 1 ;;
esac
fresh() { [ -f "$1" ] && [ ! pyproject.toml -nt "$1" ] && [ ! constraints.txt -nt "$1" ]; }
up_to_date=no
for stamp in "${stamps[@]}"; do
  if fresh "$stamp"; then up_to_date=yes; fi
done
if [ "$up_to_date" = no ]; then
  echo "==> installing dependencies for $install (pinned by constraints.txt)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e "$target"
  touch "${stamps[0]}"
fi
export PATH="$ROOT/.venv/bin:$PATH"
