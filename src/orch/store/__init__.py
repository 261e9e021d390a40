"""Durable run state under ``.specify/orch``: journal, snapshots, the project lock."""
