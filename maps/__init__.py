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

from .errors import MapsError, TemplateError
from .publish import OUTPUT_FILES, publish, publish_report, rerun_report, store_in_history
from .report import render_report, write_report
from .web import buffer_map, level_map, write_map

__all__ = ["publish", "publish_report", "rerun_report", "store_in_history", "OUTPUT_FILES", "level_map",
           "buffer_map", "write_map", "render_report", "write_report", "MapsError", "TemplateError"]
