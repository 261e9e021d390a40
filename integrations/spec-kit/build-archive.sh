#!/usr/bin/env bash
# Build the release archives of orch's spec-kit integration into DIR (default: dist/spec-kit):
#   orch-speckit-extension-<v>.zip   specify extension add orch --from <url of this zip>
#   orch-speckit-step-<v>.zip        specify workflow step add orch --from <url of this zip>
#   orch-sdd-<v>.yml                 specify workflow add --from <url of this file>
# <v> is the extension's version (extension.yml). Needs python3 (zipfile), nothing else.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-dist/spec-kit}" && cd "${1:-dist/spec-kit}" && pwd)"
version="$(sed -n 's/^  version: "\(.*\)"$/\1/p' "$here/extension.yml" | head -1)"
python3 - "$here" "$out" "$version" <<'PY'
import sys, zipfile
from pathlib import Path

here, out, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
skip = {"steps", "workflows", "overlays", "bundle", "build-archive.sh", "install.sh",
        "__pycache__"}

def pack(target: Path, root: Path, files: list[Path]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), (2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    print(target)

extension = [p for p in here.rglob("*") if p.is_file()
             and not skip & set(p.relative_to(here).parts)]
pack(out / f"orch-speckit-extension-{version}.zip", here, extension)
step = here / "steps" / "orch"
pack(out / f"orch-speckit-step-{version}.zip", step,
     [p for p in step.rglob("*") if p.is_file() and "__pycache__" not in p.parts])
target = out / f"orch-sdd-{version}.yml"
target.write_bytes((here / "workflows" / "orch-sdd" / "workflow.yml").read_bytes())
print(target)
PY
