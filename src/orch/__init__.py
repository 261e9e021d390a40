"""orch: run phased implementation plans through coding agents, verified and checkpointed."""

__version__ = "0.1.0"
