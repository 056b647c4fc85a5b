"""The reports as HTML: the summary report of ``ecotown assess`` (``report.html``, ``summary_report.html.j2``) and the
annual report of ``ecotown report`` (``annual_report.html.j2``, which ``pdf.py`` lays out as PDF), both rendered
from one :class:`~maps.report.model.ReportModel` with the templates in ``templates/``.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from criteria import Assessment
from layers.atomic import atomic_write_text

from ..errors import TemplateError
from .model import LANGS, ReportModel, _isnan, build_report, format_in, load_strings

__all__ = ["render_report", "write_report", "render_summary_html", "render_annual_html", "write_figures",
           "FIGURE_FILES"]

#: the figures of the annual report also written as PNG files (``report-<key>.png``)
FIGURE_FILES = ("level-map", "buffer-map", "level-per-year", "indicator-trends")

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("maps.report", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_report(a: Assessment, *, lang: str = "th") -> str:
    """The summary report of ``a`` (``report.html``): :func:`render_summary_html` of the model of ``a`` in ``lang``
    (headings also in the other language), without figures or history."""
    return render_summary_html(build_report(a, lang=lang, figures=False))


def write_report(a: Assessment, path: str | Path, *, lang: str = "th") -> Path:
    """Write ``report.html`` atomically (temp file in the same folder, then rename)."""
    return atomic_write_text(Path(path), render_report(a, lang=lang))


def _template_context(rep: ReportModel) -> dict:
    """What both templates get: the model's context, its tables as rows, and ``fmt`` in the model's language."""
    t = rep.strings

    def fmt(v, unit: str = "") -> str:
        return format_in(v, unit, t)

    return {**rep.context, "tables": {k: _display_records(v) for k, v in rep.tables.items()},
            "dims": rep.tables["dimensions"].to_dict("records"), "fmt": fmt}


def render_summary_html(rep: ReportModel) -> str:
    """The summary report (``report.html`` of ``ecotown assess``) of the model ``rep``: town level, target,
    dimensions, town indicators, facilities, communities, methods and inputs; headings in the model's language
    and the other one (``t2``). Every value is escaped by the template engine."""
    other = next(x for x in LANGS if x != rep.lang)
    try:
        return _ENV.get_template("summary_report.html.j2").render(**_template_context(rep), lang2=other,
                                                                  t2=load_strings(other))
    except jinja2.TemplateError as e:
        raise TemplateError(f"the summary report template failed: {e}") from None


def _figure_uris(rep: ReportModel) -> dict[str, str]:
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


def render_annual_html(rep: ReportModel, *, manifest: dict | None = None, for_pdf: bool = False) -> str:
    """The annual report of the model ``rep`` as one self-contained HTML file (figures inlined as PNG); values
    escaped."""
    figs = _figure_uris(rep)
    try:
        tpl = _ENV.get_template("annual_report.html.j2")
        return tpl.render(**_template_context(rep), figs=figs, for_pdf=for_pdf,
                          manifest_json=_json_for_script(manifest or {}))
    except jinja2.TemplateError as e:
        raise TemplateError(f"the annual report template failed: {e}") from None


def write_figures(rep: ReportModel, folder: str | Path) -> list[Path]:
    """Save the report's main figures as ``report-<key>.png`` in ``folder``; the paths."""
    from .figures import save_png  # matplotlib loads slowly: only the annual report needs it

    return [save_png(rep.figures[key], Path(folder) / f"report-{key}.png") for key in FIGURE_FILES]
