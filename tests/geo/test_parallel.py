"""The dask-geopandas backend gives exactly the serial results (threads and a distributed cluster)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import geo
from geo.errors import GeoError

CRS = "EPSG:32647"
RINGS = [500, 1000, 3000]


@pytest.fixture(scope="module")
def layers():
    rng = np.random.default_rng(11)
    n_f, n_m, n_v = 300, 20, 400
    xy = rng.random((n_f + n_m + n_v, 2)) * 20_000 + [600_000, 1_650_000]
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"F{i:03d}" for i in range(n_f)] + [f"M{i:02d}" for i in range(n_m)],
         "kind": ["factory"] * n_f + ["mine"] * n_m},
        geometry=[Point(x, y) for x, y in xy[:n_f]] + [box(x, y, x + 300, y + 200) for x, y in xy[n_f:n_f + n_m]],
        crs=CRS).sample(frac=1, random_state=3)  # ids out of order on purpose
    com = gpd.GeoDataFrame({"community_id": [f"V{i:03d}" for i in range(n_v)],
                            "population": rng.integers(100, 900, n_v)},
                           geometry=[Point(x, y) for x, y in xy[n_f + n_m:]], crs=CRS)
    return fac, com


def test_chunking_does_not_change_the_matrix(layers):
    fac, com = layers
    a = geo.exposure_matrix(fac, com, RINGS)
    b = geo.exposure_matrix(fac, com, RINGS, chunk=7)
    pd.testing.assert_frame_equal(a, b)
    assert a["facility_id"].astype(str).is_monotonic_increasing


@pytest.mark.slow  # the pair search on every backend (1 to 1.5 s)
def test_threads_backend_identical(layers):
    fac, com = layers
    a = geo.exposure_matrix(fac, com, RINGS)
    b = geo.exposure_matrix(fac, com, RINGS, workers=2)
    pd.testing.assert_frame_equal(a, b)
    kinds = {"factory": [500, 1000], "mine": [1000, 3000, 5000]}
    pd.testing.assert_frame_equal(geo.exposure_matrix(fac, com, kinds),
                                  geo.exposure_matrix(fac, com, kinds, workers=3))


@pytest.mark.slow  # starts a dask cluster (1 to 1.5 s)
def test_distributed_cluster_identical(layers):
    from distributed import Client, LocalCluster

    fac, com = layers
    a = geo.exposure_matrix(fac, com, RINGS)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        b = geo.exposure_matrix(fac, com, RINGS, scheduler=client)
        c = geo.exposure_matrix(fac, com, RINGS, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_bad_worker_count(layers):
    fac, com = layers
    with pytest.raises(GeoError, match="workers"):
        geo.exposure_matrix(fac, com, RINGS, workers=0)
