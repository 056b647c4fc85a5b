"""A synthetic province for the map size budget: many factories, a few mines, many villages and receptors.

Written as a catalog of GeoPackage layers in a folder and assessed with ``criteria.run_assessment``, so the maps
get a real Assessment. Seeded: the same arguments give the same layers.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point, box

from tests.conftest import X0, Y0, write_catalog

CATEGORIES = ["sugar_mill", "ethanol", "rice_mill", "cassava_starch", "feed_mill", "concrete", "food", "other"]


def province_catalog(folder: Path, *, factories: int, villages: int, mines: int = 20, receptors: int = 300,
                     seed: int = 7, hostile: str | None = None) -> Path:
    """Write a province-sized catalog into ``folder``; ``hostile`` (if given) names the first factory and village."""
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(max(factories + villages, 1) / 3500.0) * 120_000)  # ~120 km square at province scale
    crs = "EPSG:32647"
    gpkg = folder / "province.gpkg"
    x0, y0 = X0 - side / 2, Y0 - side / 2
    gpd.GeoDataFrame({"code": ["P1"], "name": ["จังหวัดทดสอบ"], "name_en": ["Test province"]},
                     geometry=[box(x0, y0, x0 + side, y0 + side)], crs=crs).to_file(gpkg, layer="boundary")

    def pts(n: int) -> list[Point]:
        xy = rng.uniform(0, side, size=(n, 2))
        return [Point(x0 + x, y0 + y) for x, y in xy]

    fac_names = [f"โรงงานทดสอบ {i} Factory" for i in range(factories)]
    vil_names = [f"บ้านทดสอบ {i}" for i in range(villages)]
    if hostile:
        fac_names[0] = hostile
        vil_names[0] = hostile
    gpd.GeoDataFrame({
        "fac_id": [f"F{i:05d}" for i in range(factories)], "name": fac_names,
        "registry_no": [f"3-{i % 100}(1)-{i}/60นว" for i in range(factories)],
        "category": rng.choice(CATEGORIES, factories), "gi_level": rng.integers(0, 6, factories),
        "complaints": rng.integers(0, 6, factories), "waste_reused_share": rng.uniform(0, 1, factories).round(2),
        "workers": rng.integers(5, 900, factories), "local_workers_share": rng.uniform(0, 1, factories).round(2),
        "renewable_energy_share": rng.uniform(0, 1, factories).round(2),
        "water_reuse_share": rng.uniform(0, 1, factories).round(2),
        "monitoring_disclosed": rng.integers(0, 2, factories).astype(bool),
    }, geometry=pts(factories), crs=crs).to_file(gpkg, layer="factories")
    centres = pts(mines)
    gpd.GeoDataFrame({
        "mine_id": [f"M{i:03d}" for i in range(mines)], "name": [f"เหมืองทดสอบ {i}" for i in range(mines)],
        "licence_no": [f"ป{i:04d}" for i in range(mines)], "mineral": ["limestone"] * mines,
        "mine_type": ["quarry"] * mines, "status": ["active"] * mines, "complaints": rng.integers(0, 6, mines),
    }, geometry=[p.buffer(300, 3) for p in centres], crs=crs).to_file(gpkg, layer="mines")
    pop = rng.integers(80, 3000, villages)
    gpd.GeoDataFrame({
        "vill_id": [f"V{i:05d}" for i in range(villages)], "name": vil_names,
        "village_no": (np.arange(villages) % 20) + 1, "population": pop, "households": pop // 3,
    }, geometry=pts(villages), crs=crs).to_file(gpkg, layer="villages")
    gpd.GeoDataFrame({"rec_id": [f"R{i:04d}" for i in range(receptors)],
                      "name": [f"โรงเรียน {i}" for i in range(receptors)], "kind": ["school"] * receptors},
                     geometry=pts(receptors), crs=crs).to_file(gpkg, layer="receptors")
    roads = [LineString([(x0, y0 + side * f), (x0 + side, y0 + side * (1 - f))]) for f in (0.2, 0.5, 0.8)]
    gpd.GeoDataFrame({"name": ["A", "B", "C"]}, geometry=roads, crs=crs).to_file(gpkg, layer="roads")
    return write_catalog(folder, {
        "boundary": {"role": "boundary", "source": gpkg.name, "layer": "boundary", "id_field": "code"},
        "factories": {"role": "factories", "source": gpkg.name, "layer": "factories", "id_field": "fac_id"},
        "mines": {"role": "mines", "source": gpkg.name, "layer": "mines", "id_field": "mine_id"},
        "villages": {"role": "communities", "source": gpkg.name, "layer": "villages", "id_field": "vill_id"},
        "receptors": {"role": "receptors", "source": gpkg.name, "layer": "receptors", "id_field": "rec_id"},
        "roads": {"role": "roads", "source": gpkg.name, "layer": "roads"},
    }, town="boundary")
