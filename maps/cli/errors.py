"""One table from error classes to exit codes, and the wrapper that applies it to every command."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from geo.errors import EcotownError, GeoError
from layers import LayerError

from ..errors import MapsError

__all__ = ["EXIT_CODES", "exit_code_for", "friendly_errors", "err_console"]

err_console = Console(stderr=True, highlight=False)


#: exit codes, most specific class first: 1 any ecotown error, 2 usage (click), 3 layers, 4 criteria
#: (``CRITERIA_ERROR``), 5 spatial analysis, 6 maps and outputs
EXIT_CODES: list[tuple[type[Exception], int]] = [
    (LayerError, 3),
    (GeoError, 5),
    (MapsError, 6),
    (EcotownError, 1),
]
#: the module and class of the criteria's errors (exit code 4), looked up only when the criteria engine was loaded:
#: an error of it cannot be raised otherwise, and importing it cost ``ecotown buffer`` 60 ms at every start
CRITERIA_ERROR = ("criteria.errors", "CriteriaError", 4)


def exit_code_for(exc: BaseException) -> int:
    module, name, code = CRITERIA_ERROR
    loaded = sys.modules.get(module)
    if loaded is not None and isinstance(exc, getattr(loaded, name)):
        return code
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn ecotown errors (and unreadable files) into a plain message on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EcotownError as exc:
            # the message is data (file names, Thai field names, values in brackets): never rich markup
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, soft_wrap=True)
            raise typer.Exit(exit_code_for(exc)) from None
        except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            err_console.print(f"[bold red]error:[/] {escape(exc.strerror or str(exc))}{escape(where)}",
                              markup=True, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was written")
            sys.exit(130)

    return wrapper
