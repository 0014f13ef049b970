"""How the stored input recordings in ``inputs/`` were made (run once; kept as the record).

    python tests/data/pyactigraphy/make_inputs.py           # writes only missing files
    python tests/data/pyactigraphy/make_inputs.py --force   # rewrites all of them

Every recording comes from the project's seeded generator
``tests/helpers/awd.py::synthetic_counts`` with the parameters in ``RECIPES``.
NumPy does not promise that a seeded ``Generator`` draws the same numbers in
every version (NEP 19, https://numpy.org/neps/nep-0019-rng-policy.html), so
the counts are stored, not rebuilt: the tests (``tests/helpers``) and
``generate.py`` / ``generate_sleep.py`` read the files. The inputs were
written with NumPy 2.4 from the same generator that had produced the
reference values with NumPy 1.26 (the tests compare them to 1e-9), and the
sleep inputs are checked here against the counts stored in
``sleep_*.json``.

Rewriting the inputs (``--force``) changes ``SHA256SUMS``, which
``tests/data/test_stored_inputs.py`` checks: regenerate the reference values
afterwards. Standard library and NumPy only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.helpers.awd import synthetic_counts  # noqa: E402
from tests.helpers.stored_inputs import (  # noqa: E402
    INPUT_DIR,
    MANIFEST,
    StoredRecording,
    file_sha256,
    save_input,
)

#: name -> synthetic_counts parameters, start (local wall clock), zone and masked runs
RECIPES: dict[str, dict[str, object]] = {
    "regular_14d": {"days": 14, "seed": 11, "start": "2025-01-06T00:00", "epoch_s": 60},
    # starts 10:37 with half a day extra: origin='start' and the partial last bin
    "offset_start_10d": {"days": 10.5, "seed": 12, "start": "2025-02-03T10:37", "epoch_s": 60},
    # two masked runs: pyActigraphy mask + mask_inactivity=True; NaN in our Series
    "masked_8d": {
        "days": 8,
        "seed": 13,
        "start": "2025-01-13T00:00",
        "epoch_s": 60,
        "mask": [[2 * 1440 + 600, 2 * 1440 + 780], [5 * 1440 + 100, 5 * 1440 + 190]],
    },
    # spans the Europe/Berlin 23-hour day of 30 March 2025
    "dst_spring_9d": {
        "days": 9,
        "seed": 14,
        "start": "2025-03-26T00:00",
        "epoch_s": 60,
        "tz": "Europe/Berlin",
    },
    "epoch30_8d": {"days": 8, "seed": 15, "start": "2025-01-20T00:00", "epoch_s": 30},
    "short_3d": {"days": 3, "seed": 16, "start": "2025-01-27T08:00", "epoch_s": 60},
    # sleep/wake scoring: the 60-s one carries hand-made stretches (edge_cases)
    "sleep_60s_8d": {"days": 8, "seed": 20240304, "start": "2024-03-04T12:00", "epoch_s": 60},
    "sleep_30s_3d": {"days": 3, "seed": 20240305, "start": "2024-03-04T12:00", "epoch_s": 30},
}
#: stored counts of the sleep references (the JSON keeps them for its readers)
SLEEP_JSON = {"sleep_60s_8d": "sleep_ck_mean_sadeh.json", "sleep_30s_3d": "sleep_ck_30s.json"}
EDGE_CASES_AT = 3 * 1440 + 6 * 60  # sleep_60s_8d: day 4, 18:00 local


def tie_window() -> list[int]:
    """Seven 1-min counts whose Cole-Kripke "mean" weighted sum is exactly 30000.

    With the "mean" weights (106, 54, 58, 76, 230, 74, 67; P = 0.001) and the
    1-min totals divided by 30 (``docs/sleep.md``), D is exactly 1: scored wake.
    """
    weights = (106, 54, 58, 76, 230, 74, 67)
    for centre in range(131):
        rest = 30000 - 230 * centre
        for prev in range(200):
            last = rest - 76 * prev
            if last >= 0 and last % 74 == 0:
                window = [0, 0, 0, prev, centre, last // 74, 0]
                assert sum(w * c for w, c in zip(weights, window, strict=True)) == 30000
                return window
    raise RuntimeError("no tie window")


def edge_cases(counts: np.ndarray, offset: int) -> None:
    """Overwrite a stretch from *offset* with patterns that hit each Webster rule and a tie."""
    pattern: list[int] = []
    wake = [200] * 5
    for wake_len, sleep_len in [(4, 1), (4, 2), (10, 2), (10, 3), (15, 3), (15, 5), (25, 8)]:
        pattern += [150] * wake_len + [0] * sleep_len
        pattern += wake
    # rules (d)/(e): short sleep between long wake runs, with a short wake inside
    pattern += [150] * 12 + [0] * 3 + [150] * 1 + [0] * 2 + [150] * 12
    pattern += [150] * 22 + [0] * 9 + [150] * 22
    pattern += [0] * 10 + tie_window() + [0] * 10
    counts[offset : offset + len(pattern)] = pattern


def build(name: str) -> StoredRecording:
    """The recording *name* made from its recipe (not from the stored file)."""
    recipe = RECIPES[name]
    start = dt.datetime.fromisoformat(str(recipe["start"]))
    counts = synthetic_counts(
        float(recipe["days"]),  # type: ignore[arg-type]
        seed=int(recipe["seed"]),  # type: ignore[call-overload]
        epoch_seconds=int(recipe["epoch_s"]),  # type: ignore[call-overload]
        start_hour=start.hour + start.minute / 60,
    )
    if name == "sleep_60s_8d":
        edge_cases(counts, EDGE_CASES_AT)
    mask = tuple((int(a), int(b)) for a, b in recipe.get("mask", []))  # type: ignore[attr-defined]
    tz = recipe.get("tz")
    return StoredRecording(
        counts=counts.astype(np.int32),
        start=start,
        epoch_s=int(recipe["epoch_s"]),  # type: ignore[call-overload]
        tz=None if tz is None else str(tz),
        mask=mask,
    )


def main(force: bool) -> None:
    INPUT_DIR.mkdir(exist_ok=True)
    for name in RECIPES:
        target = INPUT_DIR / f"{name}.npz"
        if target.exists() and not force:
            continue
        recording = build(name)
        if name in SLEEP_JSON:
            stored = json.loads((HERE / SLEEP_JSON[name]).read_text())["counts"]
            if stored != recording.counts.tolist():
                raise SystemExit(f"{name}: the generator no longer gives the stored counts")
        save_input(target, recording)
        print(f"wrote {target.relative_to(HERE)}")
    lines = [f"{file_sha256(p)}  {p.name}" for p in sorted(INPUT_DIR.glob("*.npz"))]
    MANIFEST.write_text("\n".join(lines) + "\n")
    print(f"wrote {MANIFEST.relative_to(HERE)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rewrite existing inputs")
    main(parser.parse_args().force)
