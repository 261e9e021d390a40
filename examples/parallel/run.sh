#!/usr/bin/env bash
# Three [P] shell tasks run at once with --jobs 3, each in its own git worktree, integrated
# one at a time by the merge queue; then a task that depends on all three. No API key needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-parallel.XXXXXX")}"
mkdir -p "$work" && cp "$here/plan.md" "$work/" && cd "$work"
git init -q && git add -A
git -c user.name=orch -c user.email=orch@localhost commit -q -m "parallel example plan"
echo '$ orch graph --format batches plan.md'; orch graph --format batches plan.md
echo; echo '$ orch run plan.md --jobs 3 --yes'; orch run plan.md --jobs 3 --yes
echo; echo '$ git worktree list'; git worktree list
echo; echo '$ cat index.txt'; cat index.txt
