#!/usr/bin/env bash
# The quickstart: copies plan.md into a fresh git repository (a new temp dir, or $1) and commits
# it, runs the plan (3 phases, 3 checkpoint commits), lists the checkpoints, rolls back to
# phase 1 (phases 2-3's files go; everything is saved in a backup ref first), shows that
# `orch status` has their tasks pending again and `git log` ends at phase 1, then
# `orch resume` runs phases 2-3 again and the checkpoints are listed once more.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-quickstart.XXXXXX")}"
mkdir -p "$work"
cp "$here/plan.md" "$work/plan.md"
cd "$work"
if [ ! -d .git ]; then
  git init -q
  git add plan.md
  # A fresh machine may have no git identity: orch itself falls back to orch <orch@localhost>.
  git -c user.name=orch -c user.email=orch@localhost commit -q -m "quickstart plan"
fi
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step orch run plan.md
step orch checkpoints
step orch rollback phase-1 --yes
step orch status
step git log --oneline
step orch resume
step orch checkpoints
printf '\nThe quickstart project is in %s\n' "$work"
