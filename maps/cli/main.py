"""The ``ecotown`` command: assess an eco-industrial town from its GIS layers."""

from __future__ import annotations

from typing import Annotated

import typer

from .assess import assess
from .buffer_cmd import buffer
from .compare_cmd import compare
from .criteria_cmd import app as criteria_app
from .evidence_cmd import app as evidence_app
from .explain import explain
from .export_cmd import app as export_app
from .layers_cmd import app as layers_app
from .report_cmd import report

app = typer.Typer(
    name="ecotown",
    help="Assess an eco-industrial town from its GIS layers: buffers, exposure, criteria levels, maps, report.",
    no_args_is_help=True,
    add_completion=False,
    epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 layer or catalog problem, 4 criteria or evidence problem, "
           "5 spatial analysis problem, 6 map or output problem.",
)
app.command("assess")(assess)
app.command("explain")(explain)
app.command("buffer")(buffer)
app.command("report")(report)
app.command("compare")(compare)
app.add_typer(layers_app, name="layers")
app.add_typer(criteria_app, name="criteria")
app.add_typer(evidence_app, name="evidence")
app.add_typer(export_app, name="export")


def _version(value: bool) -> None:
    if value:
        from criteria import software_version

        typer.echo(f"ecotown {software_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Assess an eco-industrial town from its GIS layers."""


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
