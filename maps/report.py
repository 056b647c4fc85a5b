"""The annual eco-town level report as one HTML file (Thai first, English beside it)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

from criteria import Assessment, explain_table

from .base import fmt_value
from .errors import TemplateError
from .offline import atomic_write_text
from .style import level_colors

__all__ = ["render_report", "write_report"]

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("maps", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _records(a: Assessment) -> tuple[list[dict], list[dict]]:
    g = a.green_ring_m
    fac = [{"id": i, "name": r["name"], "kind": r["kind"], "category": r.get("category", ""),
            "level": int(r["level"]), "level_name_en": r["level_name_en"],
            "pop500": r.get("pop_within_500"), "pop1000": r.get("pop_within_1000"),
            "vill1000": r.get("villages_within_1000"), "green": r.get(f"green_share_within_{g}")}
           for i, r in a.facilities.iterrows()]
    com = [{"id": i, "name": r["name"], "population": r.get("population"), "f500": r.get("fac_within_500"),
            "f1000": r.get("fac_within_1000"), "nearest_id": r.get("nearest_facility_id") or "-",
            "nearest_m": r.get("nearest_facility_m"), "level": int(r["level"]),
            "level_name_en": r["level_name_en"]}
           for i, r in a.communities.iterrows()]
    return fac, com


def render_report(a: Assessment) -> str:
    """The report's HTML text. Every value is escaped by the template engine (autoescape)."""
    fac, com = _records(a)
    town = a.town.to_dict()
    lvl = int(town["level"])
    manifest = dict(a.manifest)
    manifest["inputs"] = [{**i, "source_name": Path(i["source"]).name} for i in manifest.get("inputs", [])]
    try:
        tpl = _ENV.get_template("report.html.j2")
        return tpl.render(
            town=town, town_level=lvl, next_level=min(lvl + 1, 5), year=a.year, year_be=a.year_be,
            edition=a.edition, manifest=manifest, colors=level_colors(a.edition),
            dimensions=a.dimensions.to_dict("records"),
            town_indicators=explain_table(a, str(town["town_id"])).to_dict("records"),
            facilities=fac, communities=com, green_ring_m=a.green_ring_m,
            rings=", ".join(f"{d:,}" for d in a.rings_m), fmt=fmt_value,
        )
    except jinja2.TemplateError as e:
        raise TemplateError(f"the report template failed: {e}") from None


def write_report(a: Assessment, path: str | Path) -> Path:
    """Write ``report.html`` atomically (temp file in the same folder, then rename)."""
    return atomic_write_text(Path(path), render_report(a))
