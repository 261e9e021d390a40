"""`orch init`: create .specify/orch/config.yaml (commented defaults) and the ignore rules."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("init")(command)


def command(ctx: typer.Context) -> None:
    """Create .specify/orch/config.yaml with commented defaults; never overwrites it."""
    with cli_errors(ctx):
        from orch.config import DEFAULT_CONFIG_TEXT
        from orch.store.layout import Layout
        from orch.vcs.speckit_state import is_speckit_project, write_gitignore_rules

        layout = Layout(cli_state(ctx).project_dir)
        layout.ensure_ignored()
        if layout.config.exists():
            print(f"{layout.config} already exists; left unchanged")
        else:
            layout.config.write_text(DEFAULT_CONFIG_TEXT, encoding="utf-8")
            print(f"created {layout.config}")
        print(
            f"run bookkeeping under {layout.orch_dir} is ignored by git "
            f"({layout.gitignore.name} there); config.yaml is meant to be committed"
        )
        if is_speckit_project(layout.project_dir):
            gitignore = layout.project_dir / ".specify" / ".gitignore"
            changed = write_gitignore_rules(layout.project_dir)
            print(f"spec-kit's run state and caches (.specify/workflows/runs/ and the like) are "
                  f"ignored by git ({gitignore}{'' if changed else ', already'})")
