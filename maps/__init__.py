"""Maps and other outputs of an assessment, by concern:

* ``web/``: the HTML maps (level, buffer, year slider), offline and self-contained;
* ``report/``: the summary report and the annual report (HTML, PDF, XLSX, figures);
* ``history/``: the results history and the comparison of two years;
* ``exports/``: tables (CSV, GeoPackage), the buffer tables, KML, QGIS styles and project;
* ``publish/``: writing every output of a run, all or nothing;
* ``cli/``: the ``ecotown`` command, one module per command.

Public API::

    from criteria import run_assessment
    from maps import publish
    publish(run_assessment(year=2026), "out/nong-pho-2026")
"""

import sys
import types
from importlib import import_module

#: public name -> sub-package that holds it, imported on first use: a command that writes only tables
#: (``ecotown buffer``) then does not load the map, report and PDF libraries (a second of every start), and the
#: console script (maps/cli/launch.py) imports nothing but the standard library before it asks a running
#: ``ecotown server`` to run the command
_LAZY = {"publish": "publish", "publish_report": "publish", "rerun_report": "publish",
         "store_in_history": "publish", "OUTPUT_FILES": "publish", "render_report": "report",
         "write_report": "report", "buffer_map": "web", "level_map": "web", "write_map": "web",
         "MapsError": "errors", "TemplateError": "errors"}

__all__ = ["publish", "publish_report", "rerun_report", "store_in_history", "OUTPUT_FILES", "level_map",
           "buffer_map", "write_map", "render_report", "write_report", "MapsError", "TemplateError"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Maps(types.ModuleType):
    """``maps.publish`` is the function, as it was when it was imported eagerly, even after the sub-package
    ``maps.publish`` is imported (the import system then sets the package's name on its parent)."""

    @property
    def publish(self):
        return import_module(".publish", __name__).publish

    @publish.setter
    def publish(self, _package) -> None:  # the sub-package being bound by the import system: keep the function
        pass


sys.modules[__name__].__class__ = _Maps
