"""Reading, validating and cataloguing the input layers of an ecotown assessment.

The catalog (a YAML file) lists every layer with its role; ``roles.yaml`` says what each role needs.
Layers come out validated, with canonical field names, in EPSG:32647.
"""

from .catalog import Catalog, LayerSpec, load_catalog, sample_catalog_path, sha256_file
from .check import LayerReport, check_catalog
from .errors import (
    CatalogError,
    LayerError,
    LayerNotFoundError,
    LayerReadError,
    LayerValidationError,
    Problem,
)
from .raster import RasterInfo, inspect_raster, read_raster_spec
from .read import LayerRead, inspect_layer, read_layer
from .roles import FieldSpec, Role, load_roles

__ecotown__ = True

__all__ = [
    "Catalog",
    "LayerSpec",
    "load_catalog",
    "sample_catalog_path",
    "sha256_file",
    "LayerReport",
    "check_catalog",
    "LayerRead",
    "inspect_layer",
    "read_layer",
    "RasterInfo",
    "inspect_raster",
    "read_raster_spec",
    "Role",
    "FieldSpec",
    "load_roles",
    "LayerError",
    "CatalogError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "Problem",
]
