"""Scoring decides a level once per pattern of levels reached and words each gap action once per value: the
tables are the same as scoring every subject on its own."""

from __future__ import annotations

import pandas as pd

from criteria import load_edition, score


def test_scoring_many_subjects_equals_scoring_each_alone(tiny_town):
    from criteria import run_assessment

    a = run_assessment(tiny_town, year=2026)
    ed = load_edition("eit-2022-modelled")
    for kind, df in (("factory", a.facilities[a.facilities["kind"] == "factory"]), ("community", a.communities)):
        t = pd.DataFrame(df.drop(columns="geometry"))
        nums = [c for c in t.columns if pd.api.types.is_numeric_dtype(t[c]) and not pd.api.types.is_bool_dtype(t[c])]
        copies = [t]  # the same patterns of levels with other values, other patterns, missing values
        for k, f in enumerate((0.3, 0.31, 0.8, 1.7, 3.0, 9.0)):
            c = t.assign(**{n: t[n].astype(float) * f for n in nums}).rename(index=lambda s, k=k: f"{s}-{k}")
            if k == 2:
                c[nums[::2]] = float("nan")
            copies.append(c)
        t = pd.concat(copies)
        whole = score(ed, {kind: t})
        alone = [score(ed, {kind: t.loc[[sid]]}) for sid in sorted(map(str, t.index))]
        for part in ("indicators", "levels", "gaps"):
            got = getattr(whole, part).reset_index(drop=True)
            want = pd.concat([getattr(s, part) for s in alone], ignore_index=True)
            pd.testing.assert_frame_equal(got, want.astype(got.dtypes.to_dict()) if len(want) else want,
                                          check_dtype=False)
        assert len(whole.gaps) > 0
