"""``orch mcp``: the project's plan and runs as task-queue tools over stdio (docs/mcp.md).

Every tool is a thin wrapper over a function in :mod:`orch.services` (the one the CLI calls),
with typed parameters the SDK turns into the tool's input schema. An :class:`OrchError` becomes
a tool error carrying the CLI's ``error:``/``hint:`` lines; the server itself keeps serving.
Reads take no lock; writes take the project lock and are refused while a run holds it.

The services are imported on a tool's first call, not at start-up: a client lists the tools
before it calls any. ``orch mcp`` runs this server behind the handshake front of
:mod:`orch.mcp.front`, which answers the opening requests while this module (and the SDK) is
still importing, then hands the stream over through :func:`serve_streams`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar, cast

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.stdio import stdio_server
from pydantic import Field

from orch import __version__
from orch.domain.limits import MAX_LIMIT, MAX_PRIORITY
from orch.errors import LockHeldError, OrchError

T = TypeVar("T")


class LineSource(Protocol):
    """Incoming JSON-RPC lines, as the SDK's stdio transport reads them."""

    def __aiter__(self) -> AsyncIterator[str]: ...


class LineSink(Protocol):
    """Where outgoing JSON-RPC lines go, as the SDK's stdio transport writes them."""

    async def write(self, text: str) -> None: ...

    async def flush(self) -> None: ...


class _OnFirstUse(ModuleType):
    """A module imported on its first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self.__name__)
        return getattr(self._module, attribute)


if TYPE_CHECKING:
    from orch.services import queue as queue_service
else:
    queue_service = _OnFirstUse("orch.services.queue")

Status = Literal[
    "pending", "running", "verifying", "done", "failed", "blocked", "skipped", "budget_exceeded"
]
TaskId = Annotated[str, Field(min_length=1, description="A task id of the plan, e.g. T012.")]

MCP_WRITE = "mcp "
"""How a server's write names itself in the lock file (``orch mcp task_enqueue``)."""
MCP_WRITE_WAIT_S = 10.0
"""How long a write waits for another server's write (never for a run) before refusing."""

INSTRUCTIONS = (
    "orch's task queue for this project: the tasks of its plan and their state in the latest run. "
    "task_execution_plan says what can run together next; task_enqueue adds work to the plan, "
    "task_cancel skips a task and everything that depends on it."
)


def tool_error(exc: OrchError) -> ToolError:
    """The tool error for ``exc``: the lines the CLI would print."""
    text = f"error: {exc.message}"
    return ToolError(text + (f"\nhint: {exc.hint}" if exc.hint else ""))


def call(action: Callable[[], T], *, debug: bool = False) -> T:
    """Run one service call, turning an OrchError into a tool error. Anything else (a full
    disk, a bug) becomes the CLI's ``internal error`` lines too: the SDK would otherwise answer
    a bare "Error executing tool" and log a traceback. With ``debug`` it propagates."""
    try:
        return action()
    except OrchError as exc:
        raise tool_error(exc) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence, as in the CLI
        if debug:
            raise
        raise ToolError(
            f"error: internal error: {exc.__class__.__name__}: {exc}\n"
            "hint: this is a bug in orch; rerun with --debug for the traceback and report it"
        ) from None


class OrchTools:
    """The tools of one project; the plan is resolved on every call, so edits are seen."""

    def __init__(self, project_dir: Path, plan: Path | None = None, *, debug: bool = False) -> None:
        self.project_dir = project_dir
        self.plan = plan
        self.debug = debug

    def call(self, action: Callable[[], T]) -> T:
        """:func:`call` with this server's ``--debug``."""
        return call(action, debug=self.debug)

    def plan_path(self) -> Path:
        """The served plan; relative to the working directory when inside it, so messages
        name it as the CLI would (``plan.md:12: …``)."""
        from orch.services.plans import project_plan

        path = project_plan(self.project_dir, self.plan)
        return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path

    def queue(self) -> queue_service.Queue:
        return queue_service.open_queue(self.project_dir, self.plan_path())

    @contextmanager
    def write_lock(self, tool: str) -> Iterator[None]:
        """The project lock for a write; LockHeldError (a tool error) while a run holds it.
        Another server's write holds it for milliseconds: that one is waited for."""
        from orch.store.layout import Layout
        from orch.store.lock import ProjectLock, read_holder

        layout = Layout(self.project_dir)
        layout.ensure_ignored()
        lock = ProjectLock(layout.lock, f"{MCP_WRITE}{tool}")
        deadline = time.monotonic() + MCP_WRITE_WAIT_S
        while True:
            try:
                lock.acquire()
                break
            except LockHeldError:
                # An empty record is a holder that has not written it yet: look again.
                holder = read_holder(layout.lock)
                run = holder is not None and not str(holder.get("command", "")).startswith(
                    MCP_WRITE
                )
                if run or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def task_list(
        self,
        status: Annotated[Status | None, Field(description="Only tasks in this status.")] = None,
        phase: Annotated[str | None, Field(description="Only tasks of this phase id.")] = None,
        agent: Annotated[str | None, Field(description="Only tasks naming this agent.")] = None,
        limit: Annotated[int, Field(json_schema_extra={
            "minimum": 1, "maximum": MAX_LIMIT})] = 100,
    ) -> dict[str, Any]:
        """List the plan's tasks in execution order with their status, priority and agent."""
        from orch.errors import UsageError

        def run() -> dict[str, Any]:
            if not 1 <= limit <= MAX_LIMIT:
                raise UsageError(f"limit {limit} is out of range",
                                 hint=f"use 1 to {MAX_LIMIT}")
            return queue_service.list_tasks(
                self.queue(), status=status, phase=phase, agent=agent, limit=limit)

        return self.call(run)

    def task_get(self, task_id: TaskId) -> dict[str, Any]:
        """One task in full: plan fields, dependencies, dependents and its record in the run."""
        return self.call(lambda: queue_service.task_detail(self.queue(), task_id))

    def task_queue_status(self) -> dict[str, Any]:
        """Task counts by status, cost so far, the oldest pending task and the current task."""
        return self.call(lambda: queue_service.queue_status(self.queue()))

    def task_execution_plan(
        self,
        task_ids: Annotated[
            list[str] | None, Field(description="Plan only these tasks (default: all pending).")
        ] = None,
    ) -> dict[str, Any]:
        """Pending tasks as batches that can run together (dependencies, phase barriers, [P])."""
        return self.call(
            lambda: queue_service.execution_plan(self.queue(), task_ids).model_dump(mode="json")
        )

    def task_enqueue(
        self,
        description: Annotated[str, Field(min_length=1, description="One line: the task.")],
        agent: Annotated[str | None, Field(description="Role or adapter to run it.")] = None,
        priority: Annotated[int, Field(
            strict=True, description="Higher runs first.",
            json_schema_extra={"minimum": 0, "maximum": MAX_PRIORITY})] = 0,
        prerequisites: Annotated[
            list[str] | None, Field(description="Ids of tasks it depends on.")
        ] = None,
        phase: Annotated[
            str | None, Field(description="Phase id (default: the last phase with pending work).")
        ] = None,
    ) -> dict[str, Any]:
        """Add a task to the plan file (checked first; every other byte kept); returns it."""
        from orch.services.enqueue import NewTask, check_request, enqueue

        request = NewTask(description, agent, priority, tuple(prerequisites or ()), phase)

        def run() -> dict[str, Any]:
            check_request(request)
            with self.write_lock("task_enqueue"):
                path = self.plan_path()
                added = enqueue(path, request, self.project_dir)
                queue = queue_service.open_queue(self.project_dir, path)
                return queue_service.task_detail(queue, added.id)

        return self.call(run)

    def task_cancel(self, task_id: TaskId) -> dict[str, Any]:
        """Skip a task and every task that depends on it; returns the ids now skipped."""
        from dataclasses import asdict

        from orch.services.cancel import cancel

        def run() -> dict[str, Any]:
            with self.write_lock("task_cancel"):
                return asdict(cancel(self.project_dir, self.plan_path(), task_id))

        return self.call(run)

    def plan_validate(
        self, path: Annotated[str, Field(min_length=1, description="Plan file, project-relative.")]
    ) -> dict[str, Any]:
        """Parse and check a plan file, as `orch validate --json` does."""
        from orch.services.plans import (
            check,
            planner_for,
            read_project_plan,
            validation_document,
        )

        def run() -> dict[str, Any]:
            plan, text = read_project_plan(self.project_dir, path)
            result = check(plan, strict=False, review=True, project_dir=self.project_dir,
                           text=text)
            return validation_document(result, path, planner_for(self.project_dir))

        return self.call(run)

    def run_status(
        self,
        run: Annotated[str | None, Field(description="Run id or prefix (default: latest).")] = None,
    ) -> dict[str, Any]:
        """A run's state, as `orch status --json` prints it."""
        from orch.services.status import run_status

        return self.call(lambda: run_status(self.project_dir, run))


TOOL_NAMES = (
    "task_list",
    "task_get",
    "task_queue_status",
    "task_execution_plan",
    "task_enqueue",
    "task_cancel",
    "plan_validate",
    "run_status",
)


def build_server(project_dir: Path, plan: Path | None = None, *, debug: bool = False) -> MCPServer:
    """An MCP server exposing :data:`TOOL_NAMES` for the project at ``project_dir``."""
    server: MCPServer = MCPServer(
        name="orch", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    tools = OrchTools(project_dir, plan, debug=debug)
    for name in TOOL_NAMES:
        server.add_tool(getattr(tools, name), name=name)
    return server


def serve(project_dir: Path, plan: Path | None = None, *, debug: bool = False) -> None:
    """Serve the tools over stdin/stdout until the client disconnects: the SDK alone, without
    the handshake front (``orch mcp`` serves through :func:`orch.mcp.front.serve`)."""
    build_server(project_dir, plan, debug=debug).run("stdio")


async def serve_streams(server: MCPServer, lines: LineSource, out: LineSink) -> None:
    """Serve ``server`` over JSON-RPC lines read from ``lines`` and written to ``out``: the
    SDK's stdio transport and connection loop, over streams the caller owns (the handshake
    front of :mod:`orch.mcp.front` hands its stdin and stdout over through this)."""
    lowlevel = server._lowlevel_server
    async with stdio_server(stdin=cast(Any, lines), stdout=cast(Any, out)) as (read, write):
        await lowlevel.run(read, write, lowlevel.create_initialization_options())
