"""The ``ecotown`` command: assess an eco-industrial town from its GIS layers."""

from __future__ import annotations

import gc
import sys
from importlib import import_module
from typing import Annotated

import typer

#: command -> (module of maps.cli, attribute, sub-command group?). Only the command asked for is imported, so
#: ``ecotown buffer`` does not load the libraries of the maps and the report; ``--help`` imports them all.
COMMANDS = {
    "assess": ("assess", "assess", False),
    "explain": ("explain", "explain", False),
    "buffer": ("buffer_cmd", "buffer", False),
    "report": ("report_cmd", "report", False),
    "compare": ("compare_cmd", "compare", False),
    "layers": ("layers_cmd", "app", True),
    "criteria": ("criteria_cmd", "app", True),
    "evidence": ("evidence_cmd", "app", True),
    "export": ("export_cmd", "app", True),
    "server": ("server_cmd", "app", True),
}

def _version(value: bool) -> None:
    if value:
        from criteria import software_version

        typer.echo(f"ecotown {software_version()}")
        raise typer.Exit()


def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Assess an eco-industrial town from its GIS layers."""


def build_app(names=tuple(COMMANDS)) -> typer.Typer:
    """The ``ecotown`` command with the commands ``names`` (keys of COMMANDS; all by default)."""
    app = typer.Typer(
        name="ecotown",
        help="Assess an eco-industrial town from its GIS layers: buffers, exposure, criteria levels, maps, report.",
        no_args_is_help=True,
        add_completion=False,
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 layer or catalog problem, 4 criteria or evidence problem, "
               "5 spatial analysis problem, 6 map or output problem.",
    )
    app.callback()(_root)
    for name in names:
        module, attr, group = COMMANDS[name]
        obj = getattr(import_module(f".{module}", __package__), attr)
        if group:
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)
    return app


def _asked(argv: list[str]) -> list[str]:
    """The one command named on the command line (the first word that is not an option), else all of them."""
    words = [a for a in argv if not a.startswith("-")]
    return [words[0]] if words and words[0] in COMMANDS else list(COMMANDS)


_FULL: list[typer.Typer] = []


def __getattr__(name: str):
    """``app``: the command with every sub-command (built on first use, for tests and embedding)."""
    if name == "app":
        if not _FULL:
            _FULL.append(build_app())
        return _FULL[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: young-generation threshold of the garbage collector while a command runs (Python's default is 700): a region's
#: assessment makes millions of short-lived containers, and with the default the collector ran 3,700 times and
#: took 2.2 s (1.8 s in 15 full passes over every object); with this and the imported modules frozen, 0.4 s
GC_THRESHOLD = (50_000, 20, 10)


def main(prog_name: str | None = None) -> None:
    """Console-script entry point: only the command asked for is imported. ``prog_name``: the name usage lines
    give (click's guess from how Python was started, by default)."""
    app = build_app(_asked(sys.argv[1:]))
    gc.freeze()  # the modules just imported live as long as the process: the collector need not walk them again
    gc.set_threshold(*GC_THRESHOLD)
    app(prog_name=prog_name)


if __name__ == "__main__":  # pragma: no cover
    main()
