"""Spatial analysis for ecotown, in a metric CRS: rings, proximity, exposure, overlay and zonal statistics.

Pure functions over GeoDataFrames and arrays; nothing here knows about criteria or layers.
"""

from .crs import METRIC_CRS, assert_metric, to_metric, utm_epsg_for
from .errors import CRSError, EcotownError, EmptyInputError, GeoError
from .exposure import community_exposure, facility_exposure
from .overlay import area_share
from .proximity import exposure_matrix, nearest
from .rings import ring_buffers
from .zonal import zonal_class_shares, zonal_class_table, zonal_mean

__ecotown__ = True

__all__ = [
    "METRIC_CRS",
    "to_metric",
    "assert_metric",
    "utm_epsg_for",
    "ring_buffers",
    "exposure_matrix",
    "nearest",
    "community_exposure",
    "facility_exposure",
    "area_share",
    "zonal_class_table",
    "zonal_class_shares",
    "zonal_mean",
    "EcotownError",
    "GeoError",
    "CRSError",
    "EmptyInputError",
]
