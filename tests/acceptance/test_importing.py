"""`kzby-kg import`: bad input gets a clear error and leaves data/ exactly as it was, and a
small real table imports end to end. The whole data sets are imported in the slow tier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzby_kg.errors import KzbyError
from kzby_kg.importing.importer import ImportFailed, Release, import_table, load_mapping
from kzby_kg.importing.tables import TableError
from kzby_kg.paths import ProjectPaths

from ..conftest import COW, TREATIES, UNDESA, snapshot


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


UNDESA_HEADER = "year,origin,destination,stock,stock_male,stock_female\n"
COW_HEADER = "ioname,orgname,year,sdate,deaddate,ionum,state,status,status_label\n"
TREATY_HEADER = (
    "source,treatyID,Title,Begin,End,stateID,StateName,Signature,StateSignature,"
    "StateRatification,Force,StateForce,StateEnd,Rat\n"
)
GOOD = "2020,Belarus,Kazakhstan,72761,36522,36239\n"


def refused(project: ProjectPaths, mapping: str, source: Path, pattern: str) -> str:
    before = snapshot(project)
    with pytest.raises(KzbyError) as caught:
        folder = load_mapping(mapping, project)
        import_table(folder, source, project, release=Release.of(folder.dataset, "test"))
    message = str(caught.value)
    assert re.search(pattern, message), message
    assert snapshot(project) == before, "a refused import changed data/"
    return message


def test_wrong_delimiter(project: ProjectPaths, tmp_path: Path) -> None:
    source = write(tmp_path, "semicolons.csv", (UNDESA_HEADER + GOOD).replace(",", ";"))
    refused(
        project, "undesa-migrant-stock", source, r"line 1: the header has one column.*';'-separated"
    )


def test_wrong_encoding(project: ProjectPaths, tmp_path: Path) -> None:
    text = UNDESA_HEADER + GOOD + "2020,Côte d'Ivoire,Russia,10,5,5\n"
    source = write(tmp_path, "latin1.csv", text.encode("latin-1"))
    refused(project, "undesa-migrant-stock", source, r"line 3: byte .* is not valid utf-8")


def test_missing_columns(project: ProjectPaths, tmp_path: Path) -> None:
    source = write(tmp_path, "short.csv", "year,origin,stock\n2020,Belarus,5\n")
    refused(project, "undesa-migrant-stock", source, r"missing columns 'destination', 'stock_male'")


def test_non_numeric_numbers(project: ProjectPaths, tmp_path: Path) -> None:
    source = write(
        tmp_path, "text.csv", UNDESA_HEADER + GOOD + "2015,Belarus,Kazakhstan,many,1,2\n"
    )
    message = refused(
        project,
        "undesa-migrant-stock",
        source,
        r"line 3, column 'stock', value 'many': not an integer",
    )
    assert "nothing was imported" in message


def test_impossible_calendar_date(project: ProjectPaths, tmp_path: Path) -> None:
    header = TREATIES.read_text(encoding="utf-8").splitlines()[0]
    row = "GGO,KAZ-BLR_2015A,An agreement,2015-02-30,,KAZ,,2015-02-30,,,,,,"
    source = write(tmp_path, "treaty.csv", f"{header}\n{row}\n")
    refused(
        project,
        "manytreaties",
        source,
        r"line 2, column 'Signature', value '2015-02-30': no such calendar date",
    )


def test_end_before_start(project: ProjectPaths, tmp_path: Path) -> None:
    header = COW.read_text(encoding="utf-8").splitlines()[0]
    row = "XIGO,Backwards Org,2010,2005.0,1999.0,9999.0,kazakhstan,1,full"
    source = write(tmp_path, "cow.csv", f"{header}\n{row}\n")
    refused(
        project,
        "cow-igo",
        source,
        r"line 2, column 'deaddate', value '1999': the organisation ends before it begins",
    )


@pytest.mark.parametrize(
    ("mapping", "text", "pattern"),
    [
        (
            "undesa-migrant-stock",
            UNDESA_HEADER + "2020,Atlantis,Kazakhstan,5,2,3\n",
            r"line 2, column 'origin', value 'Atlantis': unknown country",
        ),
        (
            "cow-igo",
            "ioname,orgname,year,sdate,deaddate,ionum,state,status,status_label\nCIS,Commonwealth,2010,1991.0,,1230.0,narnia,1,full\n",
            r"line 2, column 'state', value 'narnia': unknown country",
        ),
        (
            "manytreaties",
            TREATY_HEADER + "GGO,X_2000A,A treaty,2000,,XYZ,,2000,,,,,,\n",
            r"line 2, column 'stateID', value 'XYZ': unknown country code",
        ),
    ],
    ids=["undesa", "cow", "treaties"],
)
def test_unknown_countries(
    project: ProjectPaths, tmp_path: Path, mapping: str, text: str, pattern: str
) -> None:
    refused(project, mapping, write(tmp_path, "unknown.csv", text), pattern)


def test_truncated_file(project: ProjectPaths, tmp_path: Path) -> None:
    source = write(tmp_path, "cut.csv", UNDESA_HEADER + GOOD + "2015,Belarus,Kaz")
    refused(
        project,
        "undesa-migrant-stock",
        source,
        r"line 3: 3 cells, the header has 6 \(the last line: the file looks truncated\)",
    )


def test_empty_file(project: ProjectPaths, tmp_path: Path) -> None:
    refused(project, "undesa-migrant-stock", write(tmp_path, "empty.csv", ""), r"the file is empty")
    refused(
        project,
        "undesa-migrant-stock",
        write(tmp_path, "header.csv", UNDESA_HEADER),
        r"a header but no rows",
    )


def test_one_bad_row_among_good_ones_adds_nothing(project: ProjectPaths, tmp_path: Path) -> None:
    good = UNDESA.read_text(encoding="utf-8")
    source = write(tmp_path, "one-bad.csv", good + "2020,Belarus,Kazakhstan,10,4,5\n")
    refused(
        project, "undesa-migrant-stock", source, r"male \(4\) plus female \(5\) is not the total"
    )


def test_unknown_mapping_names_the_known_ones(project: ProjectPaths) -> None:
    with pytest.raises(KzbyError, match="cow-igo, manytreaties, undesa-migrant-stock"):
        load_mapping("nope", project)


def test_errors_are_table_or_import_errors() -> None:
    assert issubclass(TableError, KzbyError) and issubclass(ImportFailed, KzbyError)


def test_a_small_real_table_imports_from_the_command_line(
    project: ProjectPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first 40 rows of the COW file, end to end: summary, written file with its provenance
    record, progress to the last byte, and a dry run that writes nothing. The whole files are
    imported in the slow tier (tests/slow/test_importing_datasets.py)."""
    from kzby_kg.cli.main import main

    lines = COW.read_text(encoding="utf-8").splitlines(keepends=True)[:41]
    source = write(tmp_path, "cow-head.csv", "".join(lines))
    seen: list[int] = []
    before = snapshot(project)
    cow = load_mapping("cow-igo", project)
    summary = import_table(
        cow,
        source,
        project,
        release=Release.of(cow.dataset, "head"),
        dry_run=True,
        progress=seen.append,
    )
    assert summary.rows_read == 40 and "dry run: nothing written" in summary.format()
    assert seen and seen[-1] == source.stat().st_size and seen == sorted(seen)
    assert snapshot(project) == before
    args = ["import", "--root", str(project.root), "cow-igo", str(source)]
    assert main(args) == 2  # another file than the one the mapping describes: which release?
    assert "--release: name the release of cow-head.csv" in capsys.readouterr().err
    args += ["--release", "3.0"]
    assert main([*args, "--source-label", "COW IGO v3, first rows"]) == 0
    out = capsys.readouterr().out
    assert "rows read        40" in out and "rows rejected    0" in out and "wrote " in out
    written = next((project.data_dir / "imported").glob("cow-igo-v3-*.ttl")).read_text("utf-8")
    assert '"COW IGO v3, first rows"@en' in written
    assert main(args) == 0  # the same file again adds nothing
    assert "already imported" in capsys.readouterr().out


def test_a_second_import_waits_for_the_first_and_then_is_refused(
    project: ProjectPaths, tmp_path: Path
) -> None:
    """While one import holds the project's lock, another is never validated against the
    graph the first is changing: it waits, then is refused with a clear message."""
    from kzby_kg.importing.importer import import_lock

    source = write(tmp_path, "stock.csv", UNDESA_HEADER + GOOD)
    mapping = load_mapping("undesa-migrant-stock", project)
    before = snapshot(project)
    with (
        import_lock(project),
        pytest.raises(ImportFailed, match=r"another import is running \(pid"),
    ):
        import_table(
            mapping, source, project, release=Release.of(mapping.dataset, "t"), lock_wait=0.3
        )
    assert snapshot(project) == before
    summary = import_table(mapping, source, project, release=Release.of(mapping.dataset, "t"))
    assert summary.output is not None and summary.output.is_file()


def test_stray_temporary_files_of_a_killed_import_are_cleaned_up(
    project: ProjectPaths, tmp_path: Path
) -> None:
    """A kill -9 mid-write leaves ``.NAME.XXXX.tmp`` (never the file itself); the next import
    removes it."""
    stray = project.data_dir / "imported" / ".undesa-ims-t-0123456789ab.ttl.k3j2.tmp"
    stray.write_text("half a file", encoding="utf-8")
    source = write(tmp_path, "stock.csv", UNDESA_HEADER + GOOD)
    mapping = load_mapping("undesa-migrant-stock", project)
    import_table(mapping, source, project, release=Release.of(mapping.dataset, "t"))
    assert not stray.exists()
