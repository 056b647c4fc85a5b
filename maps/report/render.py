"""The reports as HTML: the summary report of ``ecotown assess`` and the annual report of ``ecotown report``
(which ``pdf.py`` lays out as PDF), rendered from the models of ``model.py`` with the templates in ``templates/``.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from criteria import Assessment, format_value
from layers.atomic import atomic_write_text

from ..errors import TemplateError
from .model import AnnualReport, _isnan, format_in, summary_report

__all__ = ["render_report", "write_report", "render_annual_html", "write_figures", "FIGURE_FILES"]

#: the figures of the annual report also written as PNG files (``report-<key>.png``)
FIGURE_FILES = ("level-map", "buffer-map", "level-per-year", "indicator-trends")

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("maps.report", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_report(a: Assessment) -> str:
    """The summary report's HTML text (``report.html``). Every value is escaped by the template engine."""
    try:
        return _ENV.get_template("report.html.j2").render(**summary_report(a), fmt=format_value)
    except jinja2.TemplateError as e:
        raise TemplateError(f"the report template failed: {e}") from None


def write_report(a: Assessment, path: str | Path) -> Path:
    """Write ``report.html`` atomically (temp file in the same folder, then rename)."""
    return atomic_write_text(Path(path), render_report(a))


def _figure_uris(rep: AnnualReport) -> dict[str, str]:
    """Every figure of ``rep`` as a PNG data URI (made once, then reused for the HTML and the PDF)."""
    for k, f in rep.figures.items():
        if k not in rep.figure_uris:
            rep.figure_uris[k] = _png_uri(f)
    return rep.figure_uris


def _png_uri(fig, dpi: int = 200) -> str:
    """The figure as a PNG data URI (maps carry thousands of paths: PNG lays out far faster than SVG in PDF)."""
    from .figures import save_png  # matplotlib loads slowly: only the annual report needs it

    buf = io.BytesIO()
    save_png(fig, buf, dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _json_for_script(obj) -> Markup:
    """JSON that is safe inside <script>: '<', '>' and '&' escaped as unicode escapes."""
    s = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True)
    s = s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(s)


def _display_records(df: pd.DataFrame) -> list[dict]:
    """Rows for the template: missing values as None, whole floats (levels read back as 2.0) as ints."""
    out = []
    for row in df.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if _isnan(v):
                v = None
            elif isinstance(v, float) and v.is_integer() and (k.startswith("level") or k.endswith("_level")):
                v = int(v)
            clean[k] = v
        out.append(clean)
    return out


def render_annual_html(rep: AnnualReport, *, manifest: dict | None = None, for_pdf: bool = False) -> str:
    """The annual report as one self-contained HTML file (figures inlined as SVG); values escaped."""
    t = rep.strings
    tb = rep.tables
    figs = _figure_uris(rep)

    def fmt(v, unit: str = "") -> str:
        return format_in(v, unit, t)

    try:
        tpl = _ENV.get_template("annual_report.html.j2")
        return tpl.render(**rep.context, tables={k: _display_records(v) for k, v in tb.items()}, figs=figs,
                          fmt=fmt, for_pdf=for_pdf, manifest_json=_json_for_script(manifest or {}),
                          dims=tb["dimensions"].to_dict("records"))
    except jinja2.TemplateError as e:
        raise TemplateError(f"the annual report template failed: {e}") from None


def write_figures(rep: AnnualReport, folder: str | Path) -> list[Path]:
    """Save the report's main figures as ``report-<key>.png`` in ``folder``; the paths."""
    from .figures import save_png  # matplotlib loads slowly: only the annual report needs it

    return [save_png(rep.figures[key], Path(folder) / f"report-{key}.png") for key in FIGURE_FILES]
