#!/usr/bin/env bash
# Four milestones: targets measured, a scripted reviewer decides, milestone 4 waits for a
# person (exit 4), `orch approve` then `orch resume` finishes; then the reports.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-milestones.XXXXXX")}"
mkdir -p "$work/.specify/orch" && cd "$work"
cp "$here/plan.md" "$here/reviewer.sh" . && cp "$here/config.yaml" .specify/orch/config.yaml
printf '__pycache__/\n' > .gitignore
git init -q && git add -A
git -c user.name=orch -c user.email=orch@localhost commit -q -m "milestones example"
step() { printf '\n$ %s\n' "$*"; "$@"; printf '(exit %s)\n' "$?"; }
step orch run plan.md --yes           # milestones 1-3 decided; 4 awaits a person (exit 4)
step orch approve 4 --note "release note checked"
step orch resume                      # milestone 4 approved: checkpoint, run completed
step orch report --html report.html
step git log --format='%s %(trailers:key=Orch-Decision,valueonly,separator=)'
