#!/usr/bin/env bash
# `orch mcp` driven by a real MCP client: queue status, enqueue with a priority, a cascading
# cancel, a refused enqueue, the execution plan; then `orch run` honours all of it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/orch-mcp.XXXXXX")}"
mkdir -p "$work" && cp "$here/plan.md" "$here/.mcp.json" "$work/" && cd "$work"
git init -q && git add -A
git -c user.name=orch -c user.email=orch@localhost commit -q -m "mcp example plan"
python3 "$here/client.py" "$work"
echo; echo '$ git diff --stat'; git diff --stat
git -c user.name=orch -c user.email=orch@localhost commit -qam "tasks changed over MCP"
echo; echo '$ orch graph --format batches plan.md'; orch graph --format batches plan.md
echo; echo '$ orch run plan.md --dry-run --agent shell'; orch run plan.md --dry-run --agent shell
echo; echo '$ orch run plan.md --agent shell'; orch run plan.md --agent shell
