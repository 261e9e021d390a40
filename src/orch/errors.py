"""The error tree. Every error orch raises on purpose is an :class:`OrchError`.

Each class carries the exit code the CLI turns it into (the exit-code table in README.md):
``1`` work failed, ``2`` invalid input, ``3`` refused for safety or state, ``130`` interrupted.
Only ``orch.cli`` converts an error into an exit code.
"""

from __future__ import annotations


class OrchError(Exception):
    """Base of every deliberate orch failure: a one-line message plus an optional hint."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(OrchError):
    """The command line itself is wrong (bad flag value, unknown task id in ``--only``)."""

    exit_code = 2


class PlanError(OrchError):
    """The plan file is missing, unreadable or invalid."""

    exit_code = 2


class ConfigError(OrchError):
    """``.specify/orch/config.yaml`` is invalid, or a configured role cannot be resolved."""

    exit_code = 2


class AgentUnavailableError(OrchError):
    """A task needs an agent and none is installed or configured."""

    exit_code = 2


class SafetyError(OrchError):
    """orch refuses to act because acting could lose work (dirty tree, unsafe rollback)."""

    exit_code = 3


class DeclinedError(SafetyError):
    """The user answered no to a confirmation prompt; nothing was changed."""


class LockHeldError(SafetyError):
    """Another orch process holds the project lock."""

    def __init__(self, message: str, *, pid: int | None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.pid = pid


class StateError(OrchError):
    """Run state is missing or inconsistent (nothing to resume, unknown run)."""

    exit_code = 3


class BudgetExceededError(OrchError):
    """A cost, token, turn or time cap would be passed."""

    exit_code = 3


class VcsError(OrchError):
    """A git operation failed or the repository is in a state orch cannot work with."""

    exit_code = 3


class TaskFailedError(OrchError):
    """A task, its verification or a phase gate failed; the run halted and can be resumed."""

    exit_code = 1


class InterruptedRunError(OrchError):
    """The run was interrupted by SIGINT/SIGTERM; state is saved and the run is resumable."""

    exit_code = 130


class AwaitingDecisionError(OrchError):
    """A phase waits for ``orch approve`` / ``orch revise`` (docs/decisions.md)."""

    exit_code = 4
