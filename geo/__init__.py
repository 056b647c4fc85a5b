"""Spatial analysis for ecotown, in a metric CRS: rings, proximity, exposure, population, rasters in rings,
water, land-use zones and wind.

Pure functions over GeoDataFrames and arrays; nothing here knows about criteria or layers.
"""

from .crs import LONLAT_CRS, METRIC_CRS, assert_metric, to_lonlat, to_metric, utm_epsg_for, xy_to_lonlat
from .errors import CRSError, EcotownError, GeoError
from .exposure import community_exposure, facility_exposure
from .kernels import default_threads
from .landuse import in_zone
from .overlay import area_share
from .population import POPULATION_METHODS, raster_population
from .proximity import exposure_matrix, nearest
from .ring_distances import RingDistances, headline_ring
from .ringspec import DEFAULT_KIND, ring_spec, union_rings
from .rings import ring_buffers
from .water import upstream_of_intakes, water_proximity
from .wind import WindRose, load_wind_rose, wind_rose, wind_weights

__ecotown__ = True

from .lazy import lazy_attributes

#: names imported on first use: rasterio takes a third of a second to load, and ``ecotown buffer`` never needs it
_LAZY = {name: ".zonal" for name in ("green_buffer_share", "ring_zonal_stats", "zonal_class_shares",
                                     "zonal_class_table", "zonal_mean")}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "METRIC_CRS",
    "LONLAT_CRS",
    "to_metric",
    "to_lonlat",
    "xy_to_lonlat",
    "assert_metric",
    "utm_epsg_for",
    "ring_buffers",
    "ring_spec",
    "DEFAULT_KIND",
    "RingDistances",
    "headline_ring",
    "union_rings",
    "exposure_matrix",
    "nearest",
    "community_exposure",
    "facility_exposure",
    "POPULATION_METHODS",
    "raster_population",
    "area_share",
    "zonal_class_table",
    "zonal_class_shares",
    "zonal_mean",
    "ring_zonal_stats",
    "green_buffer_share",
    "water_proximity",
    "upstream_of_intakes",
    "in_zone",
    "WindRose",
    "load_wind_rose",
    "wind_rose",
    "wind_weights",
    "EcotownError",
    "GeoError",
    "CRSError",
    "default_threads",
]
