"""The results history (one record per assessed year in a SQLite file) and what changed between two years."""

from ..errors import HistoryError
from .compare import COMPARISON_TABLES, Comparison, compare, edition_warning
from .store import HISTORY_FILE, HistoryStore, Record, default_history_path, record_digest, record_of

__all__ = ["HistoryStore", "Record", "record_of", "record_digest", "default_history_path", "HISTORY_FILE",
           "HistoryError", "compare", "Comparison", "COMPARISON_TABLES", "edition_warning"]
