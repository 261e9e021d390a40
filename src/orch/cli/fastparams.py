"""Path and text options coerced without pydantic.

typer 0.29 coerces every parsed parameter that is not a boolean flag through a pydantic
``TypeAdapter``, built on first use: the first such parameter of a start imports typer's
adapter module and pydantic's validators and builds a core schema, about half of what
``orch validate`` of a small plan costs before it reads the plan. orch's path and text
parameters need no schema: a ``Path`` option is ``Path(value)`` followed by typer's own
checks (``exists``, ``file_okay`` …), a ``str`` or ``bool`` value is kept as it is. :func:`install`
gives typer a runtime parameter for those two shapes that does exactly what the adapter
did, with the same messages; every other shape (numbers, choices, lists, files, a
``parser=``) keeps typer's own adapter. With another typer than 0.29 (whose internals these
are), or one whose internals differ, nothing is installed and typer's path is used unchanged.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["install"]


def install() -> bool:
    """Give typer the runtime parameters below for ``Path``, ``str`` and ``bool`` parameters;
    whether it could (with another typer, nothing changes)."""
    import typer

    if not typer.__version__.startswith("0.29."):  # the internals below were read in 0.29
        return False
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
        from typer._click.utils import format_filename
        from typer._param_types import lenient_issubclass, path_type_name, routes_to_path
    except ImportError:
        return False
    found = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if found is None or base is None or getattr(found, "_orch_fast", False):
        return found is not None
    original: Callable[[Any], Any] = found

    @dataclass(frozen=True)
    class PathParam(base):  # type: ignore[misc, valid-type]
        """``typer._param_types.coerce_cli_path`` with ``Path(value)`` where it asked pydantic."""

        path_type: type[Path]
        descriptor: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, (str, self.path_type)):
                try:
                    return self._checked(value, param, ctx)
                except ValueError:  # a NUL in the path: typer words that one itself
                    pass
            return original(self.descriptor)._coerce_value(value, param, ctx)

        def _checked(self, value: Any, param: Any, ctx: Any) -> Any:
            info = self.parameter_info
            rv: Any = value if isinstance(value, self.path_type) else self.path_type(value)
            if info.file_okay and info.allow_dash and os.fspath(rv) in (b"-", "-"):
                return rv
            if info.resolve_path:
                rv = os.path.realpath(rv)
            label = path_type_name(info)
            try:
                st = os.stat(rv)
            except OSError:
                if not info.exists:
                    return _as(rv, self.path_type)
                raise BadParameter(f"{label} {format_filename(value)!r} does not exist.",
                                   ctx=ctx, param=param) from None
            loc = repr(format_filename(value))
            if not info.file_okay and stat.S_ISREG(st.st_mode):
                raise BadParameter(f"{label} {loc} is a file.", ctx=ctx, param=param)
            if not info.dir_okay and stat.S_ISDIR(st.st_mode):
                raise BadParameter(f"{label} {loc} is a directory.", ctx=ctx, param=param)
            if info.readable and not os.access(rv, os.R_OK):
                raise BadParameter(f"{label} {loc} is not readable.", ctx=ctx, param=param)
            if info.writable and not os.access(rv, os.W_OK):
                raise BadParameter(f"{label} {loc} is not writable.", ctx=ctx, param=param)
            return _as(rv, self.path_type)

    @dataclass(frozen=True)
    class KeptParam(base):  # type: ignore[misc, valid-type]
        """A value already of the parameter's type (a ``str`` from the command line, a ``bool``
        from a flag) is kept, as typer's ``str`` and ``bool`` adapters keep it."""

        descriptor: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is self.annotation:
                return value
            return original(self.descriptor)._coerce_value(value, param, ctx)

    def fast(descriptor: Any) -> Any:
        annotation = descriptor.annotation
        info = descriptor.parameter_info
        if descriptor.file_annotation is None and info.parser is None:
            if (routes_to_path(annotation, info) and info.path_type is None
                    and lenient_issubclass(annotation, Path)):
                return PathParam(annotation=annotation, parameter_info=info,
                                 path_type=annotation, descriptor=descriptor)
            if annotation is str or annotation is bool:
                return KeptParam(annotation=annotation, parameter_info=info,
                                 descriptor=descriptor)
        return original(descriptor)

    fast._orch_fast = True  # type: ignore[attr-defined]
    setattr(core, "build_runtime_param", fast)  # noqa: B010 (a private name of typer)
    return True


def _as(value: Any, path_type: type[Path]) -> Any:
    return value if isinstance(value, path_type) else path_type(value)
