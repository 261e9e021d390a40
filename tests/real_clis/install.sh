#!/usr/bin/env bash
# Install the real agent CLIs the contract tests (tests/test_real_*.py) run, into a cache
# OUTSIDE the repository: ${ORCH_REAL_CLIS:-~/.cache/orch-real-clis}.
#   npm/        @anthropic-ai/claude-code @openai/codex @google/gemini-cli
#   aider-venv/ aider-chat in its own virtual environment
# The versions are the ones last tested (docs/agents.md, "Versions tested"), so that a CLI
# release cannot turn CI red for a change that did not touch orch's adapters;
# ORCH_REAL_CLIS_LATEST=1 installs the newest releases instead, to test a new version.
# Never fails: a CLI that cannot be installed (no network, registry down, no node) is reported
# and its tests skip with the reason. Each install is bounded in time (ORCH_REAL_CLIS_TIMEOUT
# seconds, default 600).
set -uo pipefail
cache="${ORCH_REAL_CLIS:-$HOME/.cache/orch-real-clis}"
limit="${ORCH_REAL_CLIS_TIMEOUT:-600}"
mkdir -p "$cache/npm"
if [ "${ORCH_REAL_CLIS_LATEST:-}" = 1 ]; then
  claude=latest codex=latest gemini=latest aider=aider-chat
else
  claude=2.1.332 codex=0.171.0 gemini=0.61.0 aider=aider-chat==0.86.2
fi

if command -v npm >/dev/null 2>&1; then
  timeout "$limit" npm install --prefix "$cache/npm" --no-audit --no-fund --loglevel=error \
    "@anthropic-ai/claude-code@$claude" "@openai/codex@$codex" "@google/gemini-cli@$gemini" \
    || echo "real CLIs: npm install failed; the claude/codex/gemini contract tests skip (or use what the cache holds)" >&2
else
  echo "real CLIs: npm is not installed; the claude/codex/gemini contract tests will skip" >&2
fi

if [ ! -x "$cache/aider-venv/bin/python" ]; then
  python3 -m venv "$cache/aider-venv" || echo "real CLIs: cannot create aider's venv" >&2
fi
if [ -x "$cache/aider-venv/bin/python" ]; then
  timeout "$limit" "$cache/aider-venv/bin/python" -m pip install --quiet --upgrade "$aider" \
    || echo "real CLIs: pip install aider-chat failed; the aider contract tests skip (or use what the cache holds)" >&2
fi

for tool in npm/node_modules/.bin/claude npm/node_modules/.bin/codex \
            npm/node_modules/.bin/gemini aider-venv/bin/aider; do
  if [ -x "$cache/$tool" ]; then
    echo "real CLIs: $(basename "$tool") $(timeout 120 "$cache/$tool" --version 2>/dev/null | tail -1)"
  else
    echo "real CLIs: $(basename "$tool") not installed"
  fi
done
exit 0
