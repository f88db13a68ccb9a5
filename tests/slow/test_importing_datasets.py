"""The three vendored data sets imported whole, and a 2 GB file streamed: the slow tier.

`kzby-kg import`: the three shared data sets import and answer questions; bad input gets a
clear error and leaves data/ exactly as it was.

Expected answers for the imported questions are computed here from the CSV files with the
csv module, a path that shares nothing with the mappings, so the two check each other.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from kzby_kg.importing.importer import import_table, load_mapping
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.catalogue import catalogue
from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend
from kzby_kg.rdf.load import load

from ..conftest import COW, TREATIES, UNDESA, copy_project, snapshot

DATA_SETS = {"cow-igo": COW, "undesa-migrant-stock": UNDESA, "manytreaties": TREATIES}
UNDESA_HEADER = "year,origin,destination,stock,stock_male,stock_female\n"
GOOD = "2020,Belarus,Kazakhstan,72761,36522,36239\n"


pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def imported(paths: ProjectPaths, tmp_path_factory: pytest.TempPathFactory) -> ProjectPaths:
    """A copy of the article's project with the three shared data sets imported by hand, as a
    user would (each as the release its table description declares)."""
    copy = copy_project(paths, tmp_path_factory.mktemp("imported"), article=True)
    for name, source in DATA_SETS.items():
        import_table(load_mapping(name, copy), source, copy)
    return copy


RELEASES = {"cow-igo": "cow-igo-v3", "manytreaties": "manytreaties-4bf79f9"}
RELEASES["undesa-migrant-stock"] = "undesa-ims-2020"


# -------------------------------------------------------------- the real data sets import


def test_three_data_sets_import_and_the_graph_validates(imported: ProjectPaths) -> None:
    from kzby_kg.validation.validator import validate_files

    written = sorted(p.name for p in (imported.data_dir / "imported").glob("*.ttl"))
    assert [re.sub(r"-[0-9a-f]{12}\.ttl$", "", n) for n in written] == sorted(RELEASES.values())
    report = validate_files([imported.ontology, *imported.data_files()], imported.shapes)
    assert report.conforms, report.violations[:5]


def test_provenance_record(imported: ProjectPaths) -> None:
    graph = load(imported)
    rows = (
        RdflibBackend(graph)
        .run(
            """PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?mapping ?sha ?rows ?used ?when WHERE {
          ?i a kzby:DataImport ; kzby:mapping ?mapping ; kzby:sha256 ?sha ; kzby:rowCount ?rows ;
             prov:used ?used ; prov:endedAtTime ?when } ORDER BY ?mapping"""
        )
        .dicts()
    )
    assert [str(r["mapping"]) for r in rows] == [f"mappings/{n}" for n in sorted(DATA_SETS)]
    import hashlib

    for row in rows:
        source = DATA_SETS[str(row["mapping"]).split("/")[1]]
        assert str(row["sha"]) == hashlib.sha256(source.read_bytes()).hexdigest()
        with source.open(encoding="utf-8") as handle:
            assert int(row["rows"]) == sum(1 for _ in handle) - 1


def test_importing_twice_adds_nothing(imported: ProjectPaths) -> None:
    before = snapshot(imported)
    summary = import_table(load_mapping("cow-igo", imported), COW, imported)
    assert summary.already_imported and "nothing added" in summary.format()
    assert snapshot(imported) == before


def test_every_fact_has_a_source(imported: ProjectPaths) -> None:
    graph = load(imported)
    missing = RdflibBackend(graph).run(
        """PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?fact WHERE {
          ?fact prov:wasGeneratedBy ?import FILTER NOT EXISTS { ?fact dcterms:source ?s } }"""
    )
    assert len(missing) == 0


# ------------------------------------------------------- questions answered from imports


def run(paths: ProjectPaths, name: str, **params: str) -> list[dict[str, object]]:
    import pyoxigraph as ox

    from kzby_kg.rdf.load import load_into

    question = catalogue(paths.root)[name]
    store = load_into(ox.Store(), [paths.ontology, *paths.data_files()])
    answer = OxigraphBackend(store).run(question.text, question.bindings(params))
    return answer.values()


def test_migrant_stock_matches_the_file(imported: ProjectPaths) -> None:
    with UNDESA.open(encoding="utf-8") as handle:
        expected = [
            [r["year"], int(r["stock"]), int(r["stock_male"]), int(r["stock_female"])]
            for r in csv.DictReader(handle)
            if r["origin"] == "Belarus" and r["destination"] == "Kazakhstan"
        ]
    got = [[r["year"], r["total"], r["male"], r["female"]] for r in run(imported, "migrant-stock")]
    assert got == sorted(expected) and len(got) == 7
    reverse = run(imported, "migrant-stock", origin="kzd:kazakhstan", destination="kzd:belarus")
    assert len(reverse) == 7


@pytest.mark.parametrize("year", [1992, 2010, 2014])
def test_cow_shared_organisations_match_the_file(imported: ProjectPaths, year: int) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    with COW.open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if int(r["year"]) == year:
                members[r["state"]].add(r["ionum"])
    expected = len(members["kazakhstan"] & members["belarus"])
    got = run(imported, "cow-shared-organisations", year=str(year))
    assert len(got) == expected > 0


def test_agreements_by_decade_match_the_file(imported: ProjectPaths) -> None:
    parties: dict[str, set[str]] = defaultdict(set)
    catalogues: dict[str, set[str]] = defaultdict(set)
    dates: dict[str, list[str]] = defaultdict(list)
    with TREATIES.open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            parties[r["treatyID"]].add(r["stateID"])
            catalogues[r["treatyID"]].add(r["source"])
            if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", r["Signature"]):
                dates[r["treatyID"]].append(r["Signature"])
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for treaty, states in parties.items():
        if {"KAZ", "BLR"} <= states and dates[treaty]:
            best = max(dates[treaty], key=lambda d: (len(d), d))
            for catalogue_name in catalogues[treaty]:
                counts[(best[:3] + "0s", catalogue_name)] += 1
    got = {
        (r["decade"], r["catalogue"]): r["agreements"]
        for r in run(imported, "agreements-both-parties")
    }
    assert got == counts


def test_mirror_statistics_side_by_side(imported: ProjectPaths) -> None:
    rows = run(imported, "mirror-statistics")
    (row,) = [r for r in rows if r["kind"].startswith("ethnic group")]
    assert (row["year"], row["valueA"], row["valueB"]) == ("2020", 110.0, 72761.0)
    assert row["sourceA"] == "kzd:ref-12" and row["sourceB"] == "kzd:undesa-ims-2020"
    assert row["difference"] == pytest.approx(float((Decimal(110_000) - 72761) / 1000))


def test_treaty_duplicates_become_one_agreement_with_every_catalogue(
    imported: ProjectPaths,
) -> None:
    graph = load(imported)
    rows = (
        RdflibBackend(graph)
        .run(
            """PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>
        SELECT ?signed (GROUP_CONCAT(?c; separator=" ") AS ?cats) WHERE {
          ?a kzby:catalogueId "ARM-RUS[RSS]_1992O" ; kzby:catalogue ?c ;
             kzby:signatureDate ?signed }
        GROUP BY ?signed"""
        )
        .dicts()
    )
    assert len(rows) == 1  # one agreement, one (the most precise) date
    assert str(rows[0]["signed"]) == "1992-09-30"
    assert sorted(str(rows[0]["cats"]).split()) == ["DESTA", "GPTAD"]


def test_catalogue_defects_are_findings_not_fixes(imported: ProjectPaths) -> None:
    graph = load(imported)
    rows = (
        RdflibBackend(graph)
        .run(
            """PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>
        SELECT ?agreement ?force WHERE {
          ?f a kzby:DataQualityFinding ; kzby:affects ?agreement ;
             kzby:findingType <https://w3id.org/kzby-kg/id/finding-date-order> .
          OPTIONAL { ?agreement kzby:entryIntoForceDate ?force } }"""
        )
        .dicts()
    )
    assert len(rows) >= 2  # force 1996 before signature 1999; force in 2899
    assert all(r["force"] is None for r in rows)


# ------------------------------------------------------------------------ bad input


def test_two_gigabyte_file_is_streamed(project: ProjectPaths, tmp_path: Path) -> None:
    """2 GB on disk (sparse after the first rows): the import stops at the first bad line and
    its process never holds the file: peak memory stays a fraction of the file's size."""
    source = tmp_path / "huge.csv"
    with source.open("wb") as handle:
        handle.write((UNDESA_HEADER + GOOD * 1000).encode())
        handle.truncate(2 * 1024**3)
    assert source.stat().st_size == 2 * 1024**3
    before = snapshot(project)
    # The child reports its own peak (VmHWM): ru_maxrss would include this process's, which
    # Linux carries into a child through fork and exec.
    child = (
        "import sys\n"
        "from kzby_kg.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print('peak-kb', peak, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    args = ["import", "--root", str(project.root), "undesa-migrant-stock", str(source)]
    args += ["--release", "test"]
    done = subprocess.run(
        [sys.executable, "-c", child, *args], capture_output=True, text=True, timeout=600
    )
    peak_mb = int(re.search(r"peak-kb (\d+)", done.stderr).group(1)) / 1024  # type: ignore[union-attr]
    assert done.returncode == 2, done.stderr
    assert "line 1002 is longer than" in done.stderr, done.stderr
    assert peak_mb < 400, f"peak memory {peak_mb:.0f} MB for a 2 GB file"
    assert snapshot(project) == before


def test_progress_reaches_the_end_of_the_file(project: ProjectPaths) -> None:
    seen: list[int] = []
    import_table(load_mapping("cow-igo", project), COW, project, dry_run=True, progress=seen.append)
    assert seen and seen[-1] == COW.stat().st_size and seen == sorted(seen)


def test_dry_run_writes_nothing(project: ProjectPaths, tmp_path: Path) -> None:
    before = snapshot(project)
    summary = import_table(
        load_mapping("undesa-migrant-stock", project), UNDESA, project, dry_run=True
    )
    assert summary.triples_added > 10_000 and summary.rows_read == 3846
    assert "dry run: nothing written" in summary.format()
    assert "kzd:undesa-ims-2020-stock-" in summary.preview
    assert snapshot(project) == before


def test_cli_import_summary(project: ProjectPaths) -> None:
    done = import_cli(project, "cow-igo", str(COW), "--source-label", "COW IGO v3, igoR copy")
    assert done.returncode == 0, done.stderr
    for line in ("rows read        6,089", "rows rejected    0", "entities minted  113", "wrote "):
        assert line in done.stdout
    assert "  Arctic Council" in done.stdout  # minted entities are named, not only counted
    assert "… and 103 more" in done.stdout
    written = next((project.data_dir / "imported").glob("cow-igo-*.ttl")).read_text(
        encoding="utf-8"
    )
    assert '"COW IGO v3, igoR copy"@en' in written


def import_cli(project: ProjectPaths, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kzby_kg", "import", "--root", str(project.root), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


# ------------------------------------------------ the full graph: vendored, releases, conflicts


def _triples_without_clock(path: Path) -> set[tuple[str, str, str]]:
    from kzby_kg.rdf.load import parse_turtle

    return {
        (s.n3(), p.n3(), o.n3()) for s, p, o in parse_turtle(path) if not p.endswith("endedAtTime")
    }


def test_a_users_import_gives_what_build_vendors(
    imported: ProjectPaths, paths: ProjectPaths
) -> None:
    """Importing the three files by hand into the article's project gives the triples build
    vendored (the clock time of a hand import aside)."""
    mine = sorted((imported.data_dir / "imported").glob("*.ttl"))
    vendored = sorted(paths.vendored_dir.glob("*.ttl"))
    assert len(mine) == len(vendored) == 3
    by_release = {re.sub(r"-[0-9a-f]{12}\.ttl$", "", p.name): p for p in mine}
    for mapping, release in RELEASES.items():
        (out,) = [p for p in vendored if p.name.startswith(mapping)]
        assert _triples_without_clock(by_release[release]) == _triples_without_clock(out), mapping


def test_build_vendors_the_same_bytes_from_scratch(paths: ProjectPaths, tmp_path: Path) -> None:
    """From a clean copy with data/vendored/ removed, build's import of the manifest's tables
    gives byte-identical files: the same inputs, the same bytes."""
    import shutil

    from kzby_kg.importing.vendored import vendor

    copy = copy_project(paths, tmp_path / "copy", article=True)
    shutil.copytree(paths.root / "datasets", copy.root / "datasets")
    done = vendor(copy)
    assert [t.status for t in done] == ["imported"] * 3
    for table in done:
        original = paths.vendored_dir / table.output.name
        assert table.output.read_bytes() == original.read_bytes(), table.output.name
    assert (copy.vendored_dir / "inputs.json").read_text() == (
        paths.vendored_dir / "inputs.json"
    ).read_text()
    assert [t.status for t in vendor(copy)] == ["unchanged"] * 3


SYNTHETIC_2024 = Path(__file__).parents[1] / "fixtures" / "undesa-ims-2024-synthetic.csv"


@pytest.fixture(scope="module")
def two_releases(paths: ProjectPaths, tmp_path_factory: pytest.TempPathFactory) -> ProjectPaths:
    """The full project with a second UN DESA release (made-up test figures) imported beside
    the vendored 2020 one."""
    copy = copy_project(paths, tmp_path_factory.mktemp("releases"))
    done = import_cli(copy, "undesa-migrant-stock", str(SYNTHETIC_2024), "--release", "2024")
    assert done.returncode == 0, done.stderr
    assert "release          2024" in done.stdout
    return copy


def test_a_second_release_never_merges_with_the_first(two_releases: ProjectPaths) -> None:
    graph = load(two_releases)
    rows = (
        RdflibBackend(graph)
        .run(
            """PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>
        PREFIX kzd: <https://w3id.org/kzby-kg/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?obs (COUNT(DISTINCT ?n) AS ?values) (COUNT(DISTINCT ?s) AS ?sources) WHERE {
          ?obs kzby:origin kzd:belarus ; kzby:destination kzd:kazakhstan ; kzby:sex kzd:sex-total ;
               kzby:refTime ?y ; kzby:numberOfPeople ?n ; dcterms:source ?s .
        } GROUP BY ?obs"""
        )
        .dicts()
    )
    assert len(rows) == 14  # seven years, two releases: one node each
    assert all(int(r["values"]) == 1 and int(r["sources"]) == 1 for r in rows)  # type: ignore[arg-type]


def test_the_newer_release_is_preferred_and_both_stay(two_releases: ProjectPaths) -> None:
    stock = run(two_releases, "migrant-stock")
    by_year = {r["year"]: r for r in stock}
    assert len(stock) == 7
    assert by_year["2020"]["total"] == 70578 and by_year["2020"]["source"] == "kzd:undesa-ims-2024"
    mirror = [
        r for r in run(two_releases, "mirror-statistics") if r["kind"].startswith("two releases")
    ]
    years = sorted({(r["year"], r["valueA"], r["valueB"]) for r in mirror})
    assert ("2020", 70578.0, 72761.0) in years and ("2015", 67062.0, 69136.0) in years
    assert {(r["sourceA"], r["sourceB"]) for r in mirror} == {
        ("kzd:undesa-ims-2024", "kzd:undesa-ims-2020")
    }
    assert all(r["difference"] == r["valueA"] - r["valueB"] for r in mirror)


def test_a_200_mb_file_with_a_bad_last_row_is_refused_in_bounded_memory(
    project: ProjectPaths, tmp_path: Path
) -> None:
    """Rows are checked as they stream, before anything is loaded: a bad row at the end of
    200 MB is refused when it is reached, in memory that does not grow with the file."""
    source = tmp_path / "big.csv"
    block = (GOOD * 10_000).encode()
    with source.open("wb") as handle:
        handle.write(UNDESA_HEADER.encode())
        while handle.tell() < 200 * 1024**2:
            handle.write(block)
        handle.write(b"2020,Belarus,Kazakhstan,many,1,2\n")
    before = snapshot(project)
    child = (
        "import sys, time\n"
        "from kzby_kg.cli import main\n"
        "start = time.monotonic()\n"
        "code = main(sys.argv[1:])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print('peak-kb', peak, 'seconds', round(time.monotonic() - start), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    args = ["import", "--root", str(project.root), "undesa-migrant-stock", str(source)]
    done = subprocess.run(
        [sys.executable, "-c", child, *args, "--release", "test"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    peak_mb = int(re.search(r"peak-kb (\d+)", done.stderr).group(1)) / 1024  # type: ignore[union-attr]
    assert done.returncode == 2, done.stderr
    assert "value 'many': not an integer" in done.stderr, done.stderr[-500:]
    assert peak_mb < 300, f"peak memory {peak_mb:.0f} MB for a 200 MB file"
    assert snapshot(project) == before
