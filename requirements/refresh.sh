#!/bin/sh
# Re-resolve the lock files from pyproject.toml with uv (installed into a throwaway venv from
# PyPI). Resolved for every platform and Python >= 3.11, with hashes. Pins already in the files
# are kept; pass --upgrade (or --upgrade-package NAME) to move to newer releases.
set -eu
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet uv
compile() {
    "$tools/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 \
        --generate-hashes --custom-compile-command requirements/refresh.sh --quiet "$@"
}
compile --extra test -o requirements/test.lock "$@"
# The run lock takes the test lock's versions, so both install the same releases.
compile --extra postgres -c requirements/test.lock -o requirements/run.lock "$@"
