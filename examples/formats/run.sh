#!/usr/bin/env bash
# Run a Kiro tasks.md, a Taskmaster tasks.json and a Claudio .claudio/ tree with orch, each in
# its own git repository, and show that only the progress marks changed in the plan files.
#   bash examples/formats/run.sh [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
run() {  # name, plan path inside the copy
  local repo="$work/$1"
  rm -rf "$repo" && cp -r "$here/$1" "$repo"
  git -C "$repo" init -q -b main
  git -C "$repo" -c user.name=example -c user.email=example@localhost add -A
  git -C "$repo" -c user.name=example -c user.email=example@localhost commit -q -m plan
  git -C "$repo" tag plan
  echo "== $1: orch validate, then orch run"
  (cd "$repo" && orch validate "$2" | tail -n 2 && orch run "$2" --yes | tail -n 1)
  echo "== $1: what changed in the plan"
  git -C "$repo" diff --unified=0 plan -- "$2" | grep -v '^\(diff\|index\|---\|+++\|@@\)'
}
run kiro tasks.md
run taskmaster tasks.json
run claudio .claudio
