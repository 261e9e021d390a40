#!/usr/bin/env bash
# Derived checks: a task that says it creates a file must create it, measured by orch from git.
# T002 claims success and writes nothing: the run halts (exit 1). After the fix it is verified,
# and `orch verify` notices when a verified file is deleted later (exit 1).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-verification.XXXXXX")}"
mkdir -p "$work" && cp "$here/plan.md" "$work/plan.md" && cd "$work"
git init -q && git add plan.md
git -c user.name=orch -c user.email=orch@localhost commit -q -m "verification example plan"
step() { printf '\n$ %s\n' "$*"; "$@"; printf '(exit %s)\n' "$?"; }
step orch run --dry-run plan.md       # shows each task's derived checks
step orch run plan.md                 # halts: src/bye.txt was not created (exit 1)
# The fix a person would make: T002 really writes its file.
sed -i.bak 's/echo "done, trust me"/echo bye > src\/bye.txt/' plan.md && rm -f plan.md.bak
git -c user.name=orch -c user.email=orch@localhost commit -qam "fix T002"
step orch resume --retry-failed       # T002 now passes its check; both tasks are verified
step orch verify                      # every recorded check still holds (exit 0)
rm src/hello.txt
step orch verify                      # T001's file is gone: listed, exit 1
