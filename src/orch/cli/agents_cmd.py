"""`orch agents`: the roles a plan may name, the adapter each resolves to, and whether that
adapter is usable here."""

from __future__ import annotations

from typing import Any

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("agents")(command)


def command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List agent roles and the adapter each resolves to (and whether it is available)."""
    with cli_errors(ctx):
        import json

        from orch.adapters.registry import adapter_names, get_adapter
        from orch.adapters.roles import RoleResolver
        from orch.config import load_config
        from orch.errors import OrchError
        from orch.store.layout import Layout

        project_dir = cli_state(ctx).project_dir
        config = load_config(Layout(project_dir).config)
        resolver = RoleResolver(config, project_dir)
        availability: dict[str, str | None] = {}
        adapters: list[dict[str, Any]] = []
        for name in adapter_names():
            try:
                reason = get_adapter(name).available()
            except OrchError as exc:
                reason = exc.message
            availability[name] = reason
            adapters.append({"name": name, "available": reason is None, "reason": reason})
        roles: list[dict[str, Any]] = []
        for name in sorted(resolver.roles):
            row: dict[str, Any] = {"name": name, "source": resolver.roles[name].source,
                                   "description": resolver.roles[name].description}
            try:
                role = resolver.role_named(name)
                reason = availability.get(role.adapter, f"unknown adapter {role.adapter!r}")
                row.update(adapter=role.adapter, model=role.model, available=reason is None,
                           reason=reason)
            except OrchError as exc:
                row.update(adapter=None, model=resolver.roles[name].model, available=False,
                           reason=exc.message)
            roles.append(row)
        try:
            default = resolver.default_role()
            default_name = default.name if default else None
        except OrchError:
            default_name = None
        if json_output:
            print(json.dumps({"default": default_name, "roles": roles, "adapters": adapters},
                             indent=2))
            return
        print(f"Default agent: {default_name or 'none available'}")
        print("\nRoles:" if roles else "\nRoles: none configured (config `agents:` or "
              ".claude/agents/*.md)")
        for row in roles:
            state = "ok" if row["available"] else f"unavailable: {row['reason']}"
            model = f" model {row['model']}" if row.get("model") else ""
            print(f"  {row['name']:<20} -> {row['adapter'] or '?'}{model}  [{row['source']}]"
                  f"  {state}")
        print("\nAdapters:")
        for adapter in adapters:
            state = "available" if adapter["available"] else adapter["reason"]
            print(f"  {adapter['name']:<12} {state}")
