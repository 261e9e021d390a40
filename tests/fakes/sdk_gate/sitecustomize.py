"""Holds the import of ``orch.mcp.server`` (the MCP SDK server) in an ``orch mcp`` under test
until the file named by ``ORCH_TEST_SDK_GATE`` exists (put this directory on PYTHONPATH).

A test thereby knows the SDK is still importing while it talks to ``orch mcp``: whatever
answers it gets meanwhile came from the handshake front, and a request it sends meanwhile is
one sent before the SDK could serve it. Nothing else is changed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

_GATE = os.environ.pop("ORCH_TEST_SDK_GATE", None)


class _HoldSdkServer:
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "orch.mcp.server" and _GATE is not None:
            while not os.path.exists(_GATE):
                time.sleep(0.01)
        return None


if _GATE is not None:
    sys.meta_path.insert(0, _HoldSdkServer())
