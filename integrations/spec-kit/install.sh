#!/usr/bin/env bash
# Install orch's spec-kit integration from this folder into the spec-kit project in the current
# directory: the extension, the `orch` workflow step type and the `orch-sdd` workflow.
#   integrations/spec-kit/install.sh [--overlay]   (--overlay: the stock `speckit` workflow's
#                                                   implement step becomes the orch step too)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
specify="${SPECIFY_BIN:-specify}"
"$specify" extension add --dev "$here"
"$specify" workflow step add orch --dev "$here/steps/orch"
"$specify" workflow add --dev "$here/workflows/orch-sdd/workflow.yml"
if [ "${1:-}" = "--overlay" ]; then
  "$specify" workflow overlay add "$here/overlays/speckit-orch.yml"
fi
