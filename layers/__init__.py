"""Reading, validating and cataloguing the input layers of an ecotown assessment.

The catalog (a YAML file) lists every layer with its role; ``roles.yaml`` says what each role needs.
Layers come out validated, with canonical field names, in EPSG:32647.
"""

from .catalog import Catalog, LayerSpec, default_parameters, load_catalog, sample_catalog_path, sha256_file
from .coerce import to_float, to_floats
from .errors import (
    CatalogError,
    LayerError,
    LayerNotFoundError,
    LayerReadError,
    LayerValidationError,
    Problem,
)
from .formats import Source, open_vector
from .observations import note_time, observation_kinds
from .join import JoinReport, JoinResult, apply_joins, join_table
from .joinspec import JoinSpec
from .read import LayerRead, inspect_frame, inspect_layer, read_layer
from .roles import FieldSpec, Role, load_roles
from .store import STORE_NAME

__ecotown__ = True

from geo.lazy import lazy_attributes

#: names imported on first use (adding layers, rasters, checks): a command that only reads layers then does
#: not load rasterio and the writers of the store
_LAZY = {
    "AddResult": ".add",
    "RemoveResult": ".add",
    "add_layer": ".add",
    "remove_layer": ".add",
    "LayerReport": ".check",
    "check_catalog": ".check",
    "RasterInfo": ".raster",
    "inspect_raster": ".raster",
    "read_raster_spec": ".raster",
    "LayerFacts": ".show",
    "describe_layer": ".show",
    "FieldMapping": ".mapping",
    "load_mapping": ".mapping",
    "parse_map_options": ".mapping",
    "save_mapping": ".mapping",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "Catalog",
    "LayerSpec",
    "load_catalog",
    "sample_catalog_path",
    "sha256_file",
    "default_parameters",
    "to_float",
    "to_floats",
    "LayerReport",
    "check_catalog",
    "LayerRead",
    "inspect_layer",
    "inspect_frame",
    "add_layer",
    "join_table",
    "apply_joins",
    "JoinSpec",
    "JoinReport",
    "JoinResult",
    "remove_layer",
    "AddResult",
    "RemoveResult",
    "describe_layer",
    "LayerFacts",
    "FieldMapping",
    "load_mapping",
    "save_mapping",
    "parse_map_options",
    "open_vector",
    "Source",
    "STORE_NAME",
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
    "observation_kinds",
    "note_time",
]
