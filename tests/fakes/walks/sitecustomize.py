"""Snapshot-walk trace for an ``orch`` subprocess under test (put this directory on PYTHONPATH).

With ``ORCH_TEST_WALKS`` set, every walk of the working tree that a snapshot makes (libgit2's
``Index.add_all``, through pygit2) and every process started are appended, in order, as one JSON
line to that file: ``{"op": "walk"}`` or ``{"op": "exec", "argv": [...]}``. A count, not a time.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

_TRACE = os.environ.pop("ORCH_TEST_WALKS", None)  # popped: only orch itself is traced


def _install(trace: str) -> None:
    import pygit2.index

    out = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    real_add_all = pygit2.index.Index.add_all
    real_popen_init = subprocess.Popen.__init__

    def note(**record: Any) -> None:
        os.write(out, (json.dumps(record) + "\n").encode())

    def add_all(self: Any, *args: Any, **kwargs: Any) -> Any:
        note(op="walk")
        return real_add_all(self, *args, **kwargs)

    def popen_init(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [args] if isinstance(args, (str, bytes)) else list(args)
        note(op="exec", argv=[str(a) for a in argv])
        real_popen_init(self, args, *rest, **kwargs)

    pygit2.index.Index.add_all = add_all  # type: ignore[method-assign]
    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]


if _TRACE:
    _install(_TRACE)
