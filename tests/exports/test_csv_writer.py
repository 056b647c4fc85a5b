"""write_csv's Arrow path writes the bytes pandas writes, and steps aside when it cannot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from maps.exports import files
from maps.exports.files import FLOAT_FORMAT, tabular, write_csv


def pandas_bytes(df: pd.DataFrame, tmp_path) -> bytes:
    p = tmp_path / "pandas.csv"
    tabular(df).to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n", float_format=FLOAT_FORMAT)
    return p.read_bytes()


def mixed_frame(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dist = np.round(rng.random(n) * 5000, 3)
    dist[:6] = [0.0, -0.0, 3000.0, 0.0001, 9_999_999.999, np.nan]
    return pd.DataFrame({
        "facility_id": pd.Categorical(rng.choice(["10600000125469", "00001/2560", "ก-12"], n)),
        "name": rng.choice(["โรงงานน้ำตาล", "บ้าน หนองโพ", "Mill ", None], n),
        "distance_m": dist,
        "ring_m": rng.choice([500, 1000, 3000], n),
        "population": pd.array(np.where(rng.random(n) < .2, None, rng.integers(0, 900, n)), dtype="Int64"),
        "gi_certified": pd.array(np.where(rng.random(n) < .1, None, rng.random(n) < .5), dtype="boolean"),
        "near": rng.random(n) < .5,
        "bearing_deg": np.round(rng.random(n) * 360, 2),
    })


def test_arrow_path_writes_the_bytes_pandas_writes(tmp_path):
    df = mixed_frame()
    assert files._write_csv_arrow(df, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == pandas_bytes(df, tmp_path)


def test_nullable_columns_without_missing_values(tmp_path):
    df = mixed_frame().dropna()
    df["population"] = df["population"].astype("Int64")
    assert files._write_csv_arrow(df, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == pandas_bytes(df, tmp_path)


@pytest.mark.parametrize("text", ["Mill, Nong Pho", 'the "big" mill', '"quoted"', "two\nlines", "cr\rhere", "",
                                  " spaced ", "ข้อความ, ไทย"])
def test_text_that_needs_quotes_is_quoted_as_pandas_quotes_it(tmp_path, text):
    df = mixed_frame(300)
    df["name"] = df["name"].astype(object)
    df.loc[[3, 7], "name"] = text
    df["kind"] = pd.Categorical(np.where(np.arange(300) % 2, text, "plain"))
    assert files._write_csv_arrow(df, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == pandas_bytes(df, tmp_path)


@pytest.mark.parametrize("bad", [
    {"distance_m": 0.1234567890123},  # more than 10 significant digits: %.10g rounds, Arrow would not
    {"distance_m": 1e-5},               # %.10g writes 1e-05, Arrow 0.00001
    {"distance_m": 2.5e10},             # %.10g switches to an exponent
    {"name": 12},                       # a number among text: pandas prints the object as it is
])
def test_arrow_path_steps_aside_and_pandas_writes(tmp_path, bad):
    df = mixed_frame(200)
    col, value = next(iter(bad.items()))
    df[col] = df[col].astype(object) if col == "name" else df[col]
    df.loc[5, col] = value
    assert not files._write_csv_arrow(df, tmp_path / "arrow.csv")
    assert not (tmp_path / "arrow.csv").exists()
    files.ARROW_CSV_MIN_ROWS, old = 1, files.ARROW_CSV_MIN_ROWS
    try:
        write_csv(df, tmp_path / "out.csv")
    finally:
        files.ARROW_CSV_MIN_ROWS = old
    assert (tmp_path / "out.csv").read_bytes() == pandas_bytes(df, tmp_path)


def test_large_table_goes_through_arrow(tmp_path, monkeypatch):
    df = mixed_frame(files.ARROW_CSV_MIN_ROWS)
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: pytest.fail("pandas wrote the large table"))
    write_csv(df, tmp_path / "big.csv")
    monkeypatch.undo()
    assert (tmp_path / "big.csv").read_bytes() == pandas_bytes(df, tmp_path)


def test_digest_feeds_the_bytes_of_plain_to_csv():
    """The history's digest hashes df.to_csv(...) as pandas prints the table itself (nullable types as they are)."""
    import hashlib

    df = mixed_frame(files.ARROW_CSV_MIN_ROWS)
    df["name"] = df["name"].astype(object)
    df.loc[3, "name"] = 'a "quoted", name'
    want = hashlib.sha256(df.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT).encode()).hexdigest()
    h = hashlib.sha256()
    assert files._csv_chunks(df, raw=True) is not None  # the Arrow way, not the fallback
    files.csv_digest(df, h)
    assert h.hexdigest() == want


def _prints_the_same(v: np.ndarray) -> bool:
    """The truth the check stands for: every value prints the same with %.10g and with Arrow's cast."""
    import pyarrow as pa

    arrow = pa.array(v, from_pandas=True).cast(pa.string()).to_pylist()
    return all((a is None and np.isnan(x)) or a == (FLOAT_FORMAT % x) for a, x in zip(arrow, v.tolist()))


def _per_value_rule(v: np.ndarray) -> bool:
    """The check as each value's own rule (the writer first tries one scale for the whole column)."""
    v = v[~np.isnan(v)]
    a = np.abs(v)
    if not np.isfinite(v).all() or not ((v == 0) | ((a >= 1e-4) & (a < 1e10))).all():
        return False
    scale = 10.0 ** (9 - np.floor(np.log10(np.where(a > 0, a, 1.0))))
    return bool(((np.round(v * scale) / scale == v) | (v == 0)).all())


def test_the_float_check_never_lets_through_a_column_arrow_prints_differently():
    rng = np.random.default_rng(11)
    cases = []
    for mag in range(-4, 10):
        for dec in range(0, 14):
            v = np.round(rng.random(400) * 10.0 ** mag * rng.choice([-1, 1], 400), dec)
            v[::37] = np.nan
            cases.append(v)
    cases.append(np.concatenate([np.round(rng.random(50) * 1e9, 0), np.round(rng.random(50), 6)]))  # mixed sizes
    cases.append(np.array([0.0, -0.0, np.nan, 5000.0, 0.001]))
    cases.append(np.array([0.1 + 0.2, 1.0]))  # 0.30000000000000004
    accepted = 0
    for v in cases:
        ok = files._same_under_float_format(v)
        assert ok == _per_value_rule(v), v[:5]
        if ok:
            accepted += 1
            assert _prints_the_same(v), v[:5]
    assert 50 < accepted < len(cases)
