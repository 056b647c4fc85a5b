"""A Sankey-style figure of the year's resource exchanges for the annual report: senders on the left, receivers on
the right, a band per flow as wide as its tonnes, coloured inside the town (both ends plants of the town) or with
a party outside it."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath

from criteria import Assessment

from .figures import _new, _style

__all__ = ["flows_figure"]

INSIDE, OUTSIDE = "#0b6e69", "#9c5a00"
_WORDS = {"th": {"inside": "ระหว่างโรงงานในเมือง", "outside": "กับผู้เกี่ยวข้องนอกเมือง", "unit": "ตัน/ปี",
                 "from": "ผู้ส่ง", "to": "ผู้รับ"},
          "en": {"inside": "between plants of the town", "outside": "with a party outside the town", "unit": "t/yr",
                 "from": "from", "to": "to"}}


def _short(name: str) -> str:
    """A plant's name without the company form (บริษัท ... จำกัด, ห้างหุ้นส่วนจำกัด)."""
    s = re.sub(r"^(บริษัท|ห้างหุ้นส่วนจำกัด)\s*", "", str(name))
    return re.sub(r"\s*(จำกัด|\(มหาชน\))+$", "", s).strip() or str(name)


def _band(ax, x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float], color: str) -> None:
    """A band from the span y0 at x0 to the span y1 at x1, its edges cubic curves."""
    xm = (x0 + x1) / 2
    verts = [(x0, y0[0]), (xm, y0[0]), (xm, y1[0]), (x1, y1[0]), (x1, y1[1]), (xm, y1[1]), (xm, y0[1]),
             (x0, y0[1]), (x0, y0[0])]
    codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4, MPath.CURVE4,
             MPath.CURVE4, MPath.CLOSEPOLY]
    ax.add_patch(PathPatch(MPath(verts, codes), facecolor=color, edgecolor="none", alpha=0.55))


def flows_figure(a: Assessment, lang: str = "th") -> Figure | None:
    """The figure, or None when the assessment has no exchanges."""
    ex = getattr(a, "exchanges", None)
    if ex is None or not len(ex):
        return None
    w = _WORDS[lang]
    ex = ex.sort_values(["tonnes_per_year", "from_id", "to_id"], ascending=[False, True, True], kind="stable")
    left = list(dict.fromkeys(ex.groupby("from_name", sort=False)["tonnes_per_year"].sum()
                              .sort_values(ascending=False, kind="stable").index))
    right = list(dict.fromkeys(ex.groupby("to_name", sort=False)["tonnes_per_year"].sum()
                               .sort_values(ascending=False, kind="stable").index))
    total = float(ex["tonnes_per_year"].sum())
    gap = total * 0.04

    def layout(names: list[str], col: str) -> dict[str, list[float]]:
        out, y = {}, 0.0
        for n in names:
            h = float(ex.loc[ex[col] == n, "tonnes_per_year"].sum())
            out[n] = [y, y + h, y]  # start, end, next free
            y += h + gap
        return out

    lpos, rpos = layout(left, "from_name"), layout(right, "to_name")
    fig, ax = _new(7.2, 4.6)
    with plt.rc_context(_style()):
        for r in ex.itertuples():
            t = float(r.tonnes_per_year)
            lp, rp = lpos[r.from_name], rpos[r.to_name]
            color = INSIDE if (r.from_inside and r.to_inside) else OUTSIDE
            _band(ax, 0.0, (lp[2], lp[2] + t), 1.0, (rp[2], rp[2] + t), color)
            lp[2] += t
            rp[2] += t
        for names, pos, x, ha in ((left, lpos, 0.0, "right"), (right, rpos, 1.0, "left")):
            for n in names:
                y0, y1, _ = pos[n]
                ax.add_patch(Rectangle((x - 0.012, y0), 0.024, y1 - y0, color="#444444"))
                ax.text(x + (-0.02 if ha == "right" else 0.02), (y0 + y1) / 2,
                        f"{_short(n)}  {y1 - y0:,.0f}", ha=ha, va="center", fontsize=6.5)
        top = max(max(p[1] for p in lpos.values()), max(p[1] for p in rpos.values()))
        ax.set_xlim(-0.75, 1.75)
        ax.set_ylim(top + gap * 4.2, -gap * 2.5)
        ax.text(0.0, -gap * 1.2, w["from"], ha="center", fontsize=7.5, fontweight="bold")
        ax.text(1.0, -gap * 1.2, w["to"], ha="center", fontsize=7.5, fontweight="bold")
        ax.axis("off")
        for k, (c, label) in enumerate(((INSIDE, w["inside"]), (OUTSIDE, w["outside"]))):
            y = top + gap * (1.6 + 1.3 * k)
            ax.add_patch(Rectangle((0.25, y - gap * 0.3), 0.05, gap * 0.6, color=c, alpha=0.55))
            ax.text(0.32, y, f"{label} ({w['unit']})", va="center", fontsize=6.5)
        fig.tight_layout()
    return fig


