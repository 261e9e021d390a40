#!/usr/bin/env bash
# orch inside spec-kit, no API key needed: `specify init` a project in a fresh directory (or $1),
# install orch's spec-kit integration from this repository, then run workflow.yml:
#   1. the gate passes (input review=approve), the `orch` step runs tasks.md;
#   2. phase 1 has `**Approve**: human`, so orch pauses (exit 4) and so does the workflow;
#   3. `orch approve 1`, then `specify workflow resume RUN`: the step resumes the same orch run
#      and the workflow completes; tasks.md has [X] on the four tasks orch ran and verified.
# Needs `specify` (pip install specify-cli; or SPECIFY_BIN) and `orch` on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
integration="$here/../../integrations/spec-kit"
specify="${SPECIFY_BIN:-specify}"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-speckit-workflow.XXXXXX")}"
mkdir -p "$work"
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
git init -q
step "$specify" init --here --integration claude --ignore-agent-tools --non-interactive --force \
  >/dev/null
SPECIFY_BIN="$specify" step "$integration/install.sh" >/dev/null
cp -r "$here/specs" "$here/workflow.yml" .
git add -A
git -c user.name=orch -c user.email=orch@localhost commit -q -m "spec-kit project, orch integration, feature 001"
set +e
step "$specify" workflow run workflow.yml --json
set -e
run="$(ls -t .specify/workflows/runs | head -1)"
step orch status
step orch approve 1 --note "layout looks right"
step "$specify" workflow resume "$run" --json
step orch runs
step grep -- '- \[' specs/001-greeting/tasks.md
printf '\nThe example project is in %s\n' "$work"
