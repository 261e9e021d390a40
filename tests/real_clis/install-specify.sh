#!/usr/bin/env bash
# Install the real spec-kit CLI (specify-cli, from the package index) for the spec-kit
# integration tests (tests/test_speckit_integration.py) into its own virtual environment OUTSIDE
# the repository: ${ORCH_REAL_CLIS:-~/.cache/orch-real-clis}/specify-venv.
# The version is the one last tested (docs/spec-kit.md, "Versions tested");
# ORCH_REAL_CLIS_LATEST=1 installs the newest release instead.
# Never fails: when it cannot be installed (no network, index down) the tests skip with the
# reason. Bounded in time (ORCH_REAL_CLIS_TIMEOUT seconds, default 600).
set -uo pipefail
cache="${ORCH_REAL_CLIS:-$HOME/.cache/orch-real-clis}"
limit="${ORCH_REAL_CLIS_TIMEOUT:-600}"
if [ "${ORCH_REAL_CLIS_LATEST:-}" = 1 ]; then spec=specify-cli; else spec=specify-cli==1.2.3; fi
mkdir -p "$cache"
if [ ! -x "$cache/specify-venv/bin/python" ]; then
  timeout "$limit" python3 -m venv "$cache/specify-venv" \
    || echo "real CLIs: cannot create specify's venv; the spec-kit tests skip" >&2
fi
if [ -x "$cache/specify-venv/bin/python" ]; then
  timeout "$limit" "$cache/specify-venv/bin/python" -m pip install --quiet --upgrade "$spec" \
    || echo "real CLIs: pip install $spec failed; the spec-kit tests skip (or use what the cache holds)" >&2
fi
if [ -x "$cache/specify-venv/bin/specify" ]; then
  echo "real CLIs: specify $("$cache/specify-venv/bin/python" -c 'from importlib.metadata import version; print(version("specify-cli"))' 2>/dev/null)"
else
  echo "real CLIs: specify not installed"
fi
exit 0
