"""Maps: folium HTML level and buffer maps, the annual report, and writing every output of an assessment.

Public API::

    from criteria import run_assessment
    from maps import publish
    publish(run_assessment(year=2026), "out/nong-pho-2026")
"""

from .buffer_map import buffer_map
from .errors import MapsError, TemplateError
from .level_map import level_map
from .offline import escape_text, render_map, write_map
from .outputs import write_manifest, write_tables
from .publish import OUTPUT_FILES, publish
from .report import render_report, write_report

__all__ = ["level_map", "buffer_map", "write_map", "render_map", "escape_text", "render_report", "write_report",
           "write_tables", "write_manifest", "publish", "OUTPUT_FILES", "MapsError", "TemplateError"]
