"""`orch agents`: the roles a plan may name, the adapter each resolves to, and whether that
adapter is usable here. `--check` also asks each installed CLI a configured role uses for its
version and checks the flags orch passes against its `--help`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state, error_line

CheckOption = Annotated[bool, typer.Option(
    "--check", help="Run each configured role's CLI: its version, and the flags orch passes "
                    "against its --help (exit 1 on a mismatch).")]


def register(app: typer.Typer) -> None:
    app.command("agents")(command)


def command(ctx: typer.Context, json_output: JsonOption = False,
            check: CheckOption = False) -> None:
    """List agent roles and the adapter each resolves to (and whether it is available)."""
    with cli_errors(ctx):
        import json

        from orch.adapters.roles import RoleResolver
        from orch.config import load_config
        from orch.store.layout import Layout

        project_dir = cli_state(ctx).project_dir
        config = load_config(Layout(project_dir).config)
        resolver = RoleResolver(config, project_dir)
        adapters = _adapters()
        availability = {row["name"]: row["reason"] for row in adapters}
        roles = _roles(resolver, availability)
        default_name = _default_name(resolver)
        checks = _checks(roles, resolver) if check else []
        if json_output:
            document: dict[str, Any] = {"default": default_name, "roles": roles,
                                        "adapters": adapters}
            if check:
                document["checks"] = checks
            print(json.dumps(document, indent=2))
        else:
            _print(default_name, roles, adapters, checks, check)
        if any(row["missing_flags"] or row["error"] for row in checks):
            if not json_output:
                error_line("an installed agent CLI does not accept a flag orch passes",
                           "upgrade the CLI, or see docs/agents.md for the versions tested")
            raise typer.Exit(1)


def _adapters() -> list[dict[str, Any]]:
    from orch.adapters.registry import adapter_names, get_adapter
    from orch.errors import OrchError

    rows: list[dict[str, Any]] = []
    for name in adapter_names():
        try:
            reason = get_adapter(name).available()
        except OrchError as exc:
            reason = exc.message
        rows.append({"name": name, "available": reason is None, "reason": reason})
    return rows


def _roles(resolver: Any, availability: dict[str, str | None]) -> list[dict[str, Any]]:
    from orch.errors import OrchError

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
    return roles


def _default_name(resolver: Any) -> str | None:
    from orch.errors import OrchError

    try:
        default = resolver.default_role()
    except OrchError:
        return None
    return default.name if default else None


def _checks(roles: list[dict[str, Any]], resolver: Any) -> list[dict[str, Any]]:
    """One row per CLI adapter an available configured role (or the default agent) uses."""
    from orch.adapters.cli_common import CliAdapter
    from orch.adapters.registry import get_adapter
    from orch.errors import OrchError

    names = {str(r["adapter"]) for r in roles if r["available"] and r["adapter"]}
    try:
        default = resolver.default_role()
    except OrchError:
        default = None
    if default is not None:
        names.add(default.adapter)
    rows: list[dict[str, Any]] = []
    for name in sorted(names):
        adapter = get_adapter(name)
        if not isinstance(adapter, CliAdapter) or adapter.available() is not None:
            continue
        found = adapter.check()
        rows.append({"adapter": name, "executable": found.executable, "version": found.version,
                     "missing_flags": list(found.missing_flags), "error": found.error})
    return rows


def _print(default_name: str | None, roles: list[dict[str, Any]],
           adapters: list[dict[str, Any]], checks: list[dict[str, Any]], check: bool) -> None:
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
    if not check:
        return
    print("\nChecks:" if checks else "\nChecks: no configured role uses an installed CLI")
    for row in checks:
        if row["error"]:
            state = f"error: {row['error']}"
        elif row["missing_flags"]:
            state = f"MISMATCH: --help does not list {' '.join(row['missing_flags'])}"
        else:
            state = "flags ok"
        print(f"  {row['adapter']:<12} {row['version'] or '?'}  {state}")
