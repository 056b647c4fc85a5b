"""The HTML maps: the level map, the buffer map and the year-slider map of the results history.

Each page is a folium map carrying a small plain-JS engine (``assets/ecotown/``) and its data as compact JSON;
``write_map`` inlines every asset so that the file opens with no internet. Inside: ``base.py`` (title, legend,
base map, context layers), ``basemap.py`` (the drawn base map), ``features.py`` (subjects and popups as data),
``plugins.py`` (the engine), ``simplify.py`` (the size budget), ``offline.py`` (inlining and escaping).
"""

from .buffer_map import buffer_map
from .level_map import level_map
from .offline import escape_text, render_map, write_map
from .years_map import years_map, years_map_from_records

__all__ = ["level_map", "buffer_map", "years_map", "years_map_from_records", "write_map", "render_map",
           "escape_text"]
