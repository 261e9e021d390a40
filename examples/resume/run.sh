#!/usr/bin/env bash
# A run halts on a failing verification (exit 1), the cause is fixed, and
# `orch resume --retry-failed` finishes it without repeating T001.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-resume.XXXXXX")}"
mkdir -p "$work" && cp "$here/plan.md" "$work/plan.md" && cd "$work"
git init -q && git add plan.md
git -c user.name=orch -c user.email=orch@localhost commit -q -m "resume example plan"
step() { printf '\n$ %s\n' "$*"; "$@"; printf '(exit %s)\n' "$?"; }
step orch run plan.md                 # halts: T002's verify fails (exit 1)
step orch status
step orch log T002
echo "[settings]" > settings/local.ini  # the fix a person would make
step orch resume --retry-failed       # T002 and T003 run; T001 is not repeated
step orch status --json
