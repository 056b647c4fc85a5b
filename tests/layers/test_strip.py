"""strip_texts strips what str.strip strips, finding the values to strip with Arrow."""

from __future__ import annotations

import sys

import numpy as np

from layers.coerce import SPACE_CODE_POINTS, strip_texts


def test_the_space_list_is_pythons():
    assert list(SPACE_CODE_POINTS) == [i for i in range(sys.maxunicode + 1) if chr(i).isspace()]


def test_strips_exactly_as_python_strips():
    spaces = [chr(i) for i in SPACE_CODE_POINTS]
    rng = np.random.default_rng(5)
    values = []
    for k in range(2000):
        core = rng.choice(["บ้านหนองโพ", "Mill", "a b", "ก\u200bข", "", "x\u00a0y"])
        left = "".join(rng.choice(spaces, rng.integers(0, 3)))
        right = "".join(rng.choice(spaces, rng.integers(0, 3)))
        values.append(None if k % 97 == 0 else left + core + right)
    arr = np.array(values, dtype=object)
    out = strip_texts(arr)
    assert list(out) == [None if v is None else v.strip() for v in values]
    assert list(arr) == values  # the input is left as it was
    assert "ก\u200bข" in set(out)  # a zero-width space is not a space to str.strip, nor here
