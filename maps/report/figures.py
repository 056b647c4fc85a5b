"""Static figures for the printed report: level map, buffer map, level per year, indicator trends, atlas excerpts.

Drawn with matplotlib (Agg). Thai labels are shaped by matplotlib's libraqm layout (matplotlib 3.11 and newer)
with a Thai font found by fontconfig (Noto Sans Thai, Garuda, Loma ... from ``fonts-thai-tlwg``). Figures are
saved as PNG (the report inlines them), so the PDF engine shows exactly what matplotlib shaped. Output is
deterministic: no dates in the files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import geopandas as gpd
import pandas as pd

from criteria import Assessment
from criteria.edition import Target

from ..style import level_colors, level_label, load_styles

plt.switch_backend("Agg")  # files only, never a window

__all__ = ["thai_fonts", "level_map_figure", "buffer_map_figure", "level_chart", "trends_chart",
           "facility_figure", "save_png"]

#: preferred Thai font families, first found wins (each has Latin glyphs too)
THAI_FAMILIES = ("Noto Sans Thai", "Noto Sans Thai UI", "Garuda", "Loma", "Sarabun", "Laksaman", "Waree")


def thai_fonts() -> list[str]:
    """The font families for figures: the installed Thai fonts in order of preference, then DejaVu Sans."""
    have = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in THAI_FAMILIES if f in have] + ["DejaVu Sans"]


def _style() -> dict:
    return {"font.family": thai_fonts(), "font.size": 8, "svg.fonttype": "path", "svg.hashsalt": "ecotown",
            "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100}


def _new(w_in: float, h_in: float) -> tuple[Figure, plt.Axes]:
    with plt.rc_context(_style()):
        fig = Figure(figsize=(w_in, h_in))
        ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def _frame_map(ax: plt.Axes, bounds: Sequence[float], pad: float) -> None:
    x0, y0, x1, y1 = bounds
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_color("#999999")


def _scalebar(ax: plt.Axes, length_m: int, label: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
    ax.plot([x, x + length_m], [y, y], color="black", lw=2.5, solid_capstyle="butt")
    ax.text(x + length_m / 2, y + (y1 - y0) * 0.015, label, ha="center", va="bottom", fontsize=7)
    ax.annotate("N", xy=(x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.04),
                xytext=(x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.14), ha="center", fontsize=9, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black"})


def _context(ax: plt.Axes, a: Assessment) -> None:
    st = load_styles()
    ctx = a.context
    b = ctx.get("boundary")
    if b is not None:
        b.boundary.plot(ax=ax, color=st["boundary"]["color"], linewidth=1.2, linestyle=(0, (6, 4)), zorder=2)
    for role in ("water", "roads"):
        g = ctx.get(role)
        if g is None or not len(g):
            continue
        c = st["context"][role]
        lines = g[g.geom_type.isin(["LineString", "MultiLineString"])]
        polys = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(polys):
            polys.plot(ax=ax, color=c.get("fill_color", c["color"]), alpha=0.6, linewidth=0, zorder=1)
        if len(lines):
            lines.plot(ax=ax, color=c["color"], linewidth=0.9 if role == "roads" else 1.2, zorder=1)
    g = ctx.get("green")
    if g is not None and len(g):
        c = st["context"]["green"]
        g.plot(ax=ax, color=c["fill_color"], alpha=0.35, linewidth=0, zorder=1)


def _level_colors(a: Assessment, values: pd.Series) -> list[str]:
    colors = level_colors(a.edition)
    none = load_styles().get("no_level", "#9e9e9e")
    return [colors.get(int(v), none) if pd.notna(v) else none for v in values]


def _bounds(a: Assessment) -> tuple[float, float, float, float]:
    b = a.context.get("boundary")
    frames = [a.facilities.geometry, a.communities.geometry] + ([b.geometry] if b is not None else [])
    xs0, ys0, xs1, ys1 = zip(*(f.total_bounds for f in frames))
    return min(xs0), min(ys0), max(xs1), max(ys1)


def level_map_figure(a: Assessment, t: dict, lang: str) -> Figure:
    """Town, factories, mines and villages coloured by level, with a legend in ``lang``."""
    fig, ax = _new(9.0, 6.2)
    with plt.rc_context(_style()):
        _context(ax, a)
        fac = a.facilities
        mines = fac[fac["kind"] == "mine"]
        if len(mines):
            gpd.GeoSeries(mines.geometry).plot(ax=ax, color=_level_colors(a, mines["level"]), edgecolor="#5a3e1b",
                                               linewidth=1, zorder=3)
        fa = fac[fac["kind"] == "factory"]
        pts = fa.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=46, marker="s", c=_level_colors(a, fa["level"]), edgecolors="#1f1f1f",
                   linewidths=0.8, zorder=5)
        com = a.communities
        cp = com.geometry.representative_point()
        ax.scatter(cp.x, cp.y, s=40, marker="o", c=_level_colors(a, com["level"]), edgecolors="#333333",
                   linewidths=0.8, zorder=4)
        for fid, p in zip(fa.index, pts):
            ax.annotate(str(fid), (p.x, p.y), xytext=(4, 3), textcoords="offset points", fontsize=6, zorder=6)
        for fid, g in zip(mines.index, mines.geometry):
            p = g.representative_point()
            ax.annotate(str(fid), (p.x, p.y), xytext=(4, 3), textcoords="offset points", fontsize=6, zorder=6)
        for name, p in zip(com["name"], cp):
            ax.annotate(str(name), (p.x, p.y), xytext=(4, -8), textcoords="offset points", fontsize=5.5,
                        color="#333333", zorder=6)
        x0, y0, x1, y1 = _bounds(a)
        _frame_map(ax, (x0, y0, x1, y1), 600)
        _scalebar(ax, 2000, "2 km")
        colors = level_colors(a.edition)
        names = {int(lv.level): (lv.name_th, lv.name_en) for lv in a.edition.levels}
        handles = [Patch(facecolor=colors[k], edgecolor="#333333", label=level_label(k, *names.get(k, ("", "")),
                                                                                      lang=lang, head=True))
                   for k in sorted(colors)]
        handles += [Line2D([], [], marker="s", ls="", mfc="white", mec="#1f1f1f", label=t["factory"]),
                    Line2D([], [], marker="o", ls="", mfc="white", mec="#333333", label=t["village"]),
                    Patch(facecolor="white", edgecolor="#5a3e1b", label=t["mine"])]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5, framealpha=0.9,
                  title=t["level"], title_fontsize=7)
        ax.set_title(t["level_map"], fontsize=10)
        fig.tight_layout()
    return fig


def buffer_map_figure(a: Assessment, t: dict, lang: str) -> Figure:
    """Rings around every facility and villages coloured by the number of facilities within the headline ring
    (``a.headline_ring_m``)."""
    fig, ax = _new(9.0, 6.2)
    st = load_styles()
    with plt.rc_context(_style()):
        _context(ax, a)
        ring_colors = {int(k): v["color"] for k, v in st.get("rings", {}).items()}
        handles = []
        pale = ["#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#dd3497"]
        for i, d in enumerate(sorted(a.rings_m, reverse=True)):
            inside = a.rings[a.rings["ring_m"] <= d]
            if not len(inside):
                continue
            # everything within d metres of any facility, drawn as one shape: nested zones, largest first
            zone = gpd.GeoSeries([inside.geometry.union_all()], crs=a.rings.crs)
            color = pale[min(i, len(pale) - 1)]
            edge = ring_colors.get(d, "#c51b8a")
            zone.plot(ax=ax, color=color, alpha=0.75, edgecolor=edge, linewidth=0.6, zorder=2)
            handles.append(Patch(facecolor=color, edgecolor=edge, label=f"≤ {d:,} m"))
        fac = a.facilities
        pts = fac.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=22, marker="s", c="#1f1f1f", zorder=5)
        com = a.communities
        cp = com.geometry.representative_point()
        head = a.headline_ring_m
        n = pd.to_numeric(com[f"fac_within_{head}"], errors="coerce").fillna(0).astype(int)
        cmap = ["#ffffff", "#fee08b", "#fdae61", "#f46d43", "#d73027"]
        ax.scatter(cp.x, cp.y, s=46, c=[cmap[min(v, 4)] for v in n], edgecolors="#333333", linewidths=0.8,
                   zorder=4)
        for cid, p, v in zip(com.index, cp, n):
            ax.annotate(f"{cid} ({v})", (p.x, p.y), xytext=(4, 3), textcoords="offset points", fontsize=6,
                        zorder=6)
        x0, y0, x1, y1 = _bounds(a)
        _frame_map(ax, (x0, y0, x1, y1), 600)
        _scalebar(ax, 2000, "2 km")
        handles += [Line2D([], [], marker="s", ls="", mfc="#1f1f1f", mec="#1f1f1f", label=t["facility"])]
        handles += [Line2D([], [], marker="o", ls="", mfc=cmap[min(k, 4)], mec="#333333",
                           label=t["villages_with_n"].format(n=f"{k}+" if k == 4 else k, ring=f"{head:,}"))
                    for k in range(5)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5, framealpha=0.9)
        ax.set_title(t["buffer_map"], fontsize=10)
        fig.tight_layout()
    return fig


def level_chart(points: pd.DataFrame, t: dict, *, target: Target | None = None) -> Figure:
    """Town level per year (``points``: ``year, level, edition_id``), with the target (when there is one) marked."""
    fig, ax = _new(6.4, 2.6)
    with plt.rc_context(_style()):
        years = [int(y) for y in points["year"]]
        levels = [int(v) for v in points["level"]]
        ax.plot(years, levels, marker="o", color="#2b6cb0", lw=1.6, zorder=3)
        for x, y in zip(years, levels):
            ax.annotate(str(y), (x, y), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=8)
        lo = min(years + ([target.year] if target else [])) - 1
        hi = max(years + ([target.year] if target else [])) + 1
        if target is not None:
            ax.axhline(target.level, color="#1a9641", lw=1, ls="--", zorder=1)
            ax.scatter([target.year], [target.level], marker="*", s=120, color="#1a9641", zorder=4)
            ax.annotate(t["target_label"].format(level=target.level, year_be=target.year_be),
                        (target.year, target.level), xytext=(-4, -14), textcoords="offset points", ha="right",
                        fontsize=7, color="#1a9641")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.5, 5.5)
        ax.set_yticks([1, 2, 3, 4, 5])
        ticks = list(range(lo + 1, hi))
        ax.set_xticks(ticks, [f"{y + 543}\n({y})" for y in ticks])
        ax.set_ylabel(t["level"])
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        eds = list(dict.fromkeys(points["edition_id"]))
        if len(eds) > 1:
            ax.set_title(t["editions_mixed"], fontsize=7, color="#b30000")
        fig.tight_layout()
    return fig


def trends_chart(series: pd.DataFrame, t: dict, lang: str, *, max_panels: int = 12) -> Figure:
    """Small multiples of town indicators over the years (``series``: ``year, indicator_id, name_th,
    name_en, unit, value``); only indicators with a value in at least one year."""
    ids = list(dict.fromkeys(series.dropna(subset=["value"])["indicator_id"]))[:max_panels]
    cols = 4
    rows = max(1, math.ceil(len(ids) / cols))
    with plt.rc_context(_style()):
        fig = Figure(figsize=(7.2, 1.55 * rows + 0.3))
        for i, ind in enumerate(ids):
            ax = fig.add_subplot(rows, cols, i + 1)
            s = series[series["indicator_id"] == ind].sort_values("year")
            unit = s["unit"].iloc[0]
            ys = pd.to_numeric(s["value"], errors="coerce") * (100 if unit == "share" else 1)
            ax.plot(s["year"].astype(int) + 543, ys, marker="o", ms=3, lw=1.2, color="#2b6cb0")
            name = s["name_th" if lang == "th" else "name_en"].iloc[0]
            ax.set_title(_wrap(str(name), 26), fontsize=6.5)
            ax.tick_params(labelsize=6)
            yrs = sorted(set(s["year"].astype(int) + 543))
            ax.set_xticks(yrs)
            ax.set_xlim(min(yrs) - 0.5, max(yrs) + 0.5)
            if unit == "share":
                ax.set_ylabel("%", fontsize=6)
            ax.grid(axis="y", color="#eeeeee", lw=0.5)
        if not ids:
            ax = fig.add_subplot(1, 1, 1)
            ax.axis("off")
            ax.text(0.5, 0.5, t["no_trends"], ha="center", va="center")
        fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    return text[:cut] + "\n" + _wrap(text[cut:].strip(), width)


def facility_figure(a: Assessment, facility_id: str, t: dict) -> Figure:
    """An excerpt of the buffer map around one facility (atlas page)."""
    fig, ax = _new(3.6, 3.4)
    with plt.rc_context(_style()):
        _context(ax, a)
        rings = a.rings[a.rings["facility_id"] == facility_id]
        st = load_styles()
        ring_colors = {int(k): v["color"] for k, v in st.get("rings", {}).items()}
        for d in sorted(a.rings_m, reverse=True):
            band = rings[rings["ring_m"] == d]
            if len(band):
                c = ring_colors.get(d, "#fdbb84")
                band.plot(ax=ax, color=c, alpha=0.18, edgecolor=c, linewidth=0.5, zorder=2)
        f = a.facilities.loc[[facility_id]]
        if f.geom_type.iloc[0] in ("Polygon", "MultiPolygon"):
            f.plot(ax=ax, color=_level_colors(a, f["level"]), edgecolor="#5a3e1b", zorder=4)
        else:
            p = f.geometry.iloc[0]
            ax.scatter([p.x], [p.y], s=60, marker="s", c=_level_colors(a, f["level"]), edgecolors="#1f1f1f",
                       zorder=5)
        com = a.communities
        cp = com.geometry.representative_point()
        ax.scatter(cp.x, cp.y, s=26, c=_level_colors(a, com["level"]), edgecolors="#333333", linewidths=0.6,
                   zorder=4)
        r = a.headline_ring_m  # the excerpt shows the facility's surroundings out to 1.6 x the headline ring
        x0, y0, x1, y1 = f.total_bounds
        lim = (x0 - r * 1.6, y0 - r * 1.6, x1 + r * 1.6, y1 + r * 1.6)
        for cid, p in zip(com.index, cp):
            if lim[0] < p.x < lim[2] and lim[1] < p.y < lim[3]:
                ax.annotate(str(cid), (p.x, p.y), xytext=(3, 3), textcoords="offset points", fontsize=6)
        _frame_map(ax, lim, 0)
        _scalebar(ax, 500, "500 m")
        fig.tight_layout()
    return fig


def save_png(fig: Figure, path, dpi: int = 150):
    """Save the figure as PNG (to a path or a binary file object) without a creation date."""
    with plt.rc_context(_style()):
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1)
    return path
