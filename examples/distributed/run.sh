#!/usr/bin/env bash
# Three [P] tasks whose attempts run through the command executor (`orch worker` in a fresh
# temporary directory standing in for another machine), integrated and re-verified here by the
# merge queue; then a task that depends on all three. No API key, no Ray needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-distributed.XXXXXX")}"
mkdir -p "$work/.specify/orch" && cp "$here/plan.md" "$work/" && cd "$work"
cp "$here/config.yaml" .specify/orch/config.yaml
git init -q && git add -A
git -c user.name=orch -c user.email=orch@localhost commit -q -m "remote lanes example plan"
echo '$ orch run plan.md --jobs 3 --yes'; orch run plan.md --jobs 3 --yes
echo; echo '$ grep dispatched .specify/orch/runs/*/events.jsonl | wc -l'
grep -h '"attempt_dispatched"' .specify/orch/runs/*/events.jsonl | wc -l
echo; echo '$ git worktree list'; git worktree list
echo; echo '$ cat index.txt'; cat index.txt
