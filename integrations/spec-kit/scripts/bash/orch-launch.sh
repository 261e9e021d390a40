#!/usr/bin/env bash
# orch-launch.sh: what the /speckit.orch.* commands run. The agent launches this script and
# relays its output; orch does the work and verifies every task itself.
#
#   orch-launch.sh run [PLAN] [orch run options]   implement the feature's tasks.md (or PLAN)
#   orch-launch.sh resume [orch resume options]    continue the latest run
#   orch-launch.sh status                          status, verified counts, HTML report path
#   orch-launch.sh verify                          re-run every done task's checks (orch verify)
#   orch-launch.sh validate [PLAN]                 check tasks.md (the after_tasks hook)
#
# orch is found as $ORCH_BIN, else `orch` on PATH. The exit code is orch's:
# 0 done · 1 a task/verification/gate failed · 2 invalid input · 3 refused (dirty tree, lock,
# budget) · 4 a phase awaits `orch approve`/`orch revise` · 130 interrupted (resumable).
set -uo pipefail

action="${1:-run}"
[ $# -gt 0 ] && shift

read -r -a orch <<<"${ORCH_BIN:-orch}"
if ! command -v "${orch[0]}" >/dev/null 2>&1; then
  echo "error: orch is not installed (looked for \`${orch[0]}\`)" >&2
  echo "hint: pip install orch-runner, or set ORCH_BIN to the orch command" >&2
  exit 3
fi

root="$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
cd "$root" || exit 3

# One source of truth for configuration: orch reads only .specify/orch/config.yaml. spec-kit
# scaffolds the extension's optional template (the same format, orch's commented defaults) to
# .specify/extensions/orch/orch-config.yml; it seeds config.yaml once, and is never read after.
adopt_config() {
  local seed=".specify/extensions/orch/orch-config.yml" target=".specify/orch/config.yaml"
  [ -f "$seed" ] || return 0
  if [ ! -f "$target" ]; then
    mkdir -p "$(dirname "$target")"
    grep -v '^# spec-kit template:' "$seed" >"$target"
    echo "orch: created $target from $seed; orch reads only $target (commit it)" >&2
  elif [ "$seed" -nt "$target" ] && ! grep -v '^# spec-kit template:' "$seed" | cmp -s - "$target"; then
    echo "warning: $seed changed after $target was created from it; orch reads only $target" >&2
  fi
}

summary() {
  # One line the agent can relay as is; `orch status` prints the full table.
  COLUMNS=200 "${orch[@]}" status "$@" 2>/dev/null | grep -E '^(Run |Tasks: )' || true
  local run
  run="$(cat .specify/orch/current 2>/dev/null)"
  if [ -n "$run" ] && "${orch[@]}" report "$run" --html ".specify/orch/runs/$run/report.html" \
      >/dev/null 2>&1; then
    echo "Report: .specify/orch/runs/$run/report.html"
  fi
}

meaning() {
  case "$1" in
    0) echo "done" ;;
    1) echo "a task, verification or gate failed (fix it, then /speckit.orch.run resume --retry-failed)" ;;
    2) echo "invalid input (see the error above)" ;;
    3) echo "refused for safety or state (see the error above)" ;;
    4) echo "a phase awaits a decision: orch approve PHASE (or orch revise PHASE --feedback TEXT), then /speckit.orch.run resume" ;;
    130) echo "interrupted; state saved: /speckit.orch.run resume continues" ;;
    *) echo "orch exited with $1" ;;
  esac
}

case "$action" in
  run|implement)
    adopt_config
    "${orch[@]}" run --yes "$@"
    code=$?
    summary
    ;;
  resume)
    adopt_config
    "${orch[@]}" resume --yes "$@"
    code=$?
    summary
    ;;
  status)
    "${orch[@]}" status "$@"
    code=$?
    [ "$code" -eq 0 ] && summary | grep '^Report: '
    ;;
  verify)
    "${orch[@]}" verify "$@"
    code=$?
    ;;
  validate)
    "${orch[@]}" validate "$@"
    code=$?
    ;;
  *)
    echo "error: unknown action '$action' (run, resume, status, verify, validate)" >&2
    exit 2
    ;;
esac
echo "orch exit $code: $(meaning "$code")"
exit "$code"
