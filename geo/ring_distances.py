"""Ring distances as one value: what is named, what is measured, per facility kind, and the headline ring.

A catalog names its ring distances (``rings_m``: one list, or one list per facility kind) and the distance of
the green-land share; a criteria edition names the distances its indicators read (``pop_within`` at 500 m).
:class:`RingDistances` holds all of them once, checked once:

* **nominal** distances are the names: the catalog's rings, the column names ``pop_within_<d>``, the edition's
  ``ring_m``;
* **actual** distances are what is measured: nominal x ``scale`` (1 except in the sensitivity run, which moves
  every distance by ±20 % and keeps the names, so that the same indicators are scored);
* **shown** rings are the catalog's (the maps, the ring bands and the exposure table use them); **needed**
  distances (the edition's) are measured for every kind as well, whatever the catalog's rings;
* the **headline** ring is the one maps and reports show first: the preferred distance (data: the catalog's
  ``headline_ring_m``, by default in ``layers/parameters.yaml``) when it is a shown ring, else the second shown ring
  (the only one when there is one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._validate import check_rings
from .errors import GeoError
from .ringspec import DEFAULT_KIND

__all__ = ["RingDistances", "headline_ring"]

Rings = Sequence[float] | Mapping[str, Sequence[float]]


def _whole_positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or float(value) != int(value):
        raise GeoError(f"{what} must be a positive whole number of metres, got {value!r}")
    return int(value)


def _ring_list(values: Any, what: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise GeoError(f"{what} must be a list of distances in metres such as [500, 1000, 3000, 5000], "
                       f"got {values!r}")
    out = tuple(_whole_positive(v, what) for v in values)
    try:
        check_rings(out)
    except GeoError as exc:
        raise GeoError(f"{what}: {exc}") from None
    return out


def headline_ring(shown: Sequence[int], preferred_m: int | None) -> int:
    """The ring maps and reports show first: ``preferred_m`` when it is one of ``shown``, else the second shown
    ring (the only one when there is one). The one rule; :attr:`RingDistances.headline_m` applies it."""
    rings = sorted(int(d) for d in shown)
    if not rings:
        raise GeoError("no ring distances to choose a headline ring from")
    if preferred_m is not None and int(preferred_m) in rings:
        return int(preferred_m)
    return rings[min(1, len(rings) - 1)]


@dataclass(frozen=True)
class RingDistances:
    """Every ring distance of one run, checked once (build it with :meth:`parse`).

    Attributes
    ----------
    by_kind : dict of str to tuple of int
        The shown (catalog) rings per facility kind, nominal metres ascending; a single list is held under
        ``'default'``, which also covers the kinds a mapping does not name.
    green_m : int
        Nominal distance of the green-land share around each facility.
    preferred_headline_m : int or None
        The headline ring asked for (see :attr:`headline_m` for the one used).
    needed : tuple of int
        Distances measured for every kind beyond the shown rings (the criteria edition's), nominal metres.
    scale : float
        Actual distance = nominal x scale (1 except in the sensitivity run).
    """

    by_kind: dict[str, tuple[int, ...]]
    green_m: int
    preferred_headline_m: int | None = None
    needed: tuple[int, ...] = ()
    scale: float = 1.0
    _names: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the actual distances must stay distinct and positive, or two names would share one measurement
        nominal = sorted(set(self.measured) | {self.green_m})
        actual = [self.actual(d) for d in nominal]
        if self.scale <= 0 or len(set(actual)) != len(actual) or min(actual) <= 0:
            raise GeoError(f"ring scale {self.scale} gives unusable ring distances {actual} "
                           f"(from {nominal} m)")
        self._names.update(dict(zip(actual, nominal)))

    # -- building --------------------------------------------------------------------------------------------
    @classmethod
    def parse(cls, rings_m: Any, *, green_m: Any = 1000, headline_m: Any = None) -> RingDistances:
        """Check and hold a catalog's ``rings_m`` (a list, or a mapping kind -> list with an optional
        ``'default'``), its green-share distance and its preferred headline ring. Raises GeoError saying which
        value is wrong and why."""
        if isinstance(rings_m, Mapping):
            if not rings_m:
                raise GeoError("the ring mapping is empty; give at least one kind with its ring distances")
            by_kind = {str(k): _ring_list(v, f"rings of kind '{k}'") for k, v in rings_m.items()}
        else:
            by_kind = {DEFAULT_KIND: _ring_list(rings_m, "ring distances")}
        green = _whole_positive(green_m, "the green-share distance")
        head = None if headline_m is None else _whole_positive(headline_m, "the headline ring")
        return cls(by_kind, green, head)

    def with_needed(self, distances: Iterable[int]) -> RingDistances:
        """The same rings, also measuring ``distances`` (nominal metres) for every kind."""
        extra = tuple(sorted({_whole_positive(d, "a needed ring distance") for d in distances}))
        return replace(self, needed=extra)

    def scaled(self, scale: float) -> RingDistances:
        """The same names measured at nominal x ``scale``; GeoError when distances would collapse."""
        return replace(self, scale=float(scale))

    # -- nominal distances (the names) ----------------------------------------------------------------------
    @property
    def per_kind(self) -> bool:
        """Whether kinds have rings of their own."""
        return set(self.by_kind) != {DEFAULT_KIND}

    @property
    def shown(self) -> tuple[int, ...]:
        """Every shown ring of any kind, ascending: what maps, ring bands and tables show."""
        return tuple(sorted({d for v in self.by_kind.values() for d in v}))

    @property
    def measured(self) -> tuple[int, ...]:
        """Every distance measured (shown rings and needed distances), ascending."""
        return tuple(sorted(set(self.shown) | set(self.needed)))

    @property
    def extra(self) -> tuple[int, ...]:
        """Needed distances that are no shown ring: measured for scoring only."""
        return tuple(d for d in self.needed if d not in self.shown)

    @property
    def headline_m(self) -> int:
        """The ring maps and reports show first (see :func:`headline_ring`)."""
        return headline_ring(self.shown, self.preferred_headline_m)

    @property
    def reach_m(self) -> int:
        """The farthest distance measured (nominal): how far from a town facility a community is still
        assessed."""
        return max(self.measured)

    # -- actual distances (what is measured) ----------------------------------------------------------------
    def actual(self, nominal_m: int) -> int:
        """The distance measured for the name ``nominal_m``."""
        return int(round(nominal_m * self.scale))

    def name_of(self, actual_m: float) -> int:
        """The nominal name of a measured distance (the inverse of :meth:`actual`)."""
        return self._names.get(int(round(actual_m)), int(round(actual_m)))

    @property
    def names(self) -> dict[int, int]:
        """Measured distance -> its nominal name, for the column names of the exposure summaries."""
        return dict(self._names)

    @property
    def green_actual_m(self) -> int:
        return self.actual(self.green_m)

    def _arg(self, extra: Iterable[int], nominal: bool = False) -> list[int] | dict[str, list[int]]:
        add = set(extra)
        lists = {k: [d if nominal else self.actual(d) for d in sorted(set(v) | add)] for k, v in self.by_kind.items()}
        return lists if self.per_kind else lists[DEFAULT_KIND]

    def shown_arg(self, *, nominal: bool = False) -> list[int] | dict[str, list[int]]:
        """The shown rings as the geo functions take them (a list, or a kind mapping), in actual metres (in
        nominal metres with ``nominal=True``)."""
        return self._arg((), nominal)

    def measure_arg(self, *, nominal: bool = False) -> list[int] | dict[str, list[int]]:
        """The shown rings plus the needed distances for every kind, in actual metres (in nominal metres with
        ``nominal=True``)."""
        return self._arg(self.needed, nominal)

    def shown_bands(self, kind: str) -> list[int]:
        """The shown rings of one facility kind in actual metres (a kind without its own: the 'default')."""
        rings = self.by_kind.get(kind, self.by_kind.get(DEFAULT_KIND))
        if rings is None:
            raise GeoError(f"no ring distances for facility kind '{kind}'; the ring mapping names "
                           f"{', '.join(self.by_kind)} (add it, or a '{DEFAULT_KIND}' entry)")
        return [self.actual(d) for d in rings]

    # -- records ---------------------------------------------------------------------------------------------
    def as_parameters(self) -> dict[str, Any]:
        """What a run's manifest records: the measured (actual) rings, per kind when they differ, the green
        distance, and the distances measured for scoring only."""
        out: dict[str, Any] = {"rings_m": [self.actual(d) for d in self.shown], "green_ring_m": self.green_actual_m}
        if self.per_kind:
            out["rings_m_by_kind"] = {k: [self.actual(d) for d in v] for k, v in self.by_kind.items()}
        if self.extra:
            out["rings_m_for_scoring"] = [self.actual(d) for d in self.extra]
        if self.scale != 1.0:
            out["ring_scale"] = self.scale
        return out
