#!/usr/bin/env bash
# A scripted reviewer: orch runs it through the shell agent with the review request in
# $ORCH_REVIEW_FILE, and reads the one ```json block it prints (docs/decisions.md).
set -euo pipefail
phase=$(grep -o '"id": "[0-9]*"' "$ORCH_REVIEW_FILE" | head -1 | grep -o '[0-9][0-9]*')
if [ "$phase" = 2 ]; then
  decision='"decision": "CONDITIONAL", "conditions": ["keep sample.txt a single line"]'
else
  decision='"decision": "APPROVE"'
fi
cat <<JSON
Reviewed milestone $phase.
\`\`\`json
{$decision, "recommendations": ["keep count.py small"],
 "next_phase_context": "milestone $phase reviewed by reviewer.sh"}
\`\`\`
JSON
