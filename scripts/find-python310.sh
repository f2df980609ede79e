#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 needs 3.8–3.10; we pin 3.10).
# Order: $PYTHON310, python3.10 on PATH, pyenv's versions, the usual system places.
set -u
works() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
candidates=("${PYTHON310:-}" "$(command -v python3.10 2>/dev/null || true)")
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for dir in "$root"/versions/3.10*; do candidates+=("$dir/bin/python3.10"); done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)
for c in "${candidates[@]}"; do
  if works "$c"; then echo "$c"; exit 0; fi
done
cat >&2 <<'MSG'
ERROR: Python 3.10 was not found, and Rasa 3.6 does not run on newer Pythons.
Install it (e.g. `pyenv install 3.10.13`, or `apt-get install python3.10 python3.10-venv`)
or point PYTHON310 at an interpreter: `make run PYTHON310=/path/to/python3.10`.
MSG
exit 1
