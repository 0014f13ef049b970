"""The files in ``data/`` are exactly what the project's export writers produce
(``python -m tests.helpers.make_data data``, described in ``data/README.md``)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.make_data import write_samples

DATA = Path(__file__).resolve().parents[2] / "data"


def test_every_sample_file_is_what_the_writers_produce(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    relative = sorted(str(p.relative_to(tmp_path)) for p in written)
    committed = sorted(
        str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"
    )
    assert committed == relative
    for name in relative:
        assert (DATA / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_the_readme_names_every_sample() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for entry in DATA.iterdir():
        if entry.name != "README.md":
            assert f"`{entry.name}" in readme, entry.name
