"""Reading YAML text: libyaml's C parser when PyYAML has it, with PyYAML's own messages for bad text.

Every command reads the data files beside the code (roles, vocabularies, parameters, formats, styles, the
criteria edition) and the user's catalog; parsed by the pure-Python loader they cost 70-80 ms at every start, by
libyaml a tenth of that. The two give the same values (tests/geo/test_yamltext.py checks every YAML file of the
project); for text that does not parse, the pure-Python loader is run again so that the error names the line and
column as it always did.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load_yaml", "FAST_LOADER"]

#: libyaml's safe loader, or None where PyYAML was built without it
FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def load_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load(text)``, parsed by libyaml where available. Raises ``yaml.YAMLError`` as safe_load does."""
    if FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - the safe loader
        except yaml.YAMLError:
            pass  # parsed again below, for the pure-Python loader's message
    return yaml.safe_load(text)
