"""The briefing's pieces that need no graph: note numbering, gaps in a series, the strings file
and the refusal of bad options (each test runs in milliseconds; the whole briefing is tested in
tests/slow/test_report_browser.py)."""

from __future__ import annotations

import json
import math
import re
from importlib.resources import files

import pytest

from kzby_kg.errors import UsageError
from kzby_kg.report.charts import fractional_year, gapped
from kzby_kg.report.footnotes import Footnotes
from kzby_kg.report.strings import LANGUAGES, strings


def test_notes_are_numbered_by_first_citation_and_reused() -> None:
    notes = Footnotes()
    assert notes.cite("b", "a") == [1, 2]  # in the order given, the first time
    assert notes.cite("a", "c", "a") == [2, 3]  # a keeps its number; no repeats
    assert notes.cite("", "b") == [1]  # an empty source is no source
    assert notes.order == ["b", "a", "c"]
    assert notes.marks([]) == ""
    assert notes.marks(["c", "b"]) == (
        '<sup class="fn"><a href="#ref-1">1</a>,<a href="#ref-3">3</a></sup>'
    )


def test_missing_years_are_gaps_not_bridged() -> None:
    series = gapped({2010: 464.8, 2012: 806.9, 2013: 870.4, 2016: 363.7}, range(2010, 2017))
    assert [math.isnan(v) for v in series] == [False, True, False, False, True, True, False]
    assert series[0] == 464.8 and series[-1] == 363.7
    assert all(math.isnan(v) for v in gapped({}, range(2000, 2002)))  # NaN, not 0


def test_dates_of_any_precision_sit_on_one_time_axis() -> None:
    assert fractional_year("2015") == fractional_year("2015-01") == fractional_year("2015-01-01")
    assert 2019.2 < fractional_year("2019-03-23") < 2019.25
    assert fractional_year("2016-12-31") < 2017


def test_every_string_is_in_every_language_with_the_same_placeholders() -> None:
    table = json.loads(files("kzby_kg.report").joinpath("strings.json").read_text("utf-8"))
    for key, values in table.items():
        assert set(values) == set(LANGUAGES), key
        assert all(v.strip() for v in values.values()), key
        holes = {lang: set(re.findall(r"\{(\w+)\}", v)) for lang, v in values.items()}
        assert len({frozenset(h) for h in holes.values()}) == 1, (key, holes)
    assert strings("ru")["trade"] == "Торговля"


@pytest.mark.parametrize(
    ("options", "named"),
    [({"lang": "de"}, "--lang"), ({"scope": "everything"}, "--scope")],
)
def test_a_bad_option_is_refused_by_name_before_anything_loads(
    options: dict[str, str], named: str
) -> None:
    from kzby_kg.report import build_report

    with pytest.raises(UsageError, match=named):
        build_report(**options)


def test_the_output_must_be_an_html_file() -> None:
    from kzby_kg.report import write_report

    with pytest.raises(UsageError, match=r"-o: .* must end in \.html"):
        write_report("briefing.pdf")


def test_the_command_refuses_a_bad_option_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from kzby_kg.cli.main import main

    assert main(["report", "-o", "briefing.pdf"]) == 2  # refused before the graph is loaded
    assert capsys.readouterr().err == "kzby-kg: error: -o: briefing.pdf must end in .html\n"
    with pytest.raises(SystemExit) as refused:
        main(["report", "--lang", "fr"])  # no French UI strings
    assert refused.value.code == 2
    assert "--lang: invalid choice: 'fr'" in capsys.readouterr().err


@pytest.mark.slow  # two renders, about 1 s
def test_an_observer_is_drawn_apart_from_a_member() -> None:
    """Belarus has been a WTO observer since 1995 and an SCO observer 2015-2024: a bar like a
    membership's would say it was a member."""
    from rdflib import Graph

    from kzby_kg.rdf.namespaces import KZD
    from kzby_kg.report.build import _is_membership
    from kzby_kg.report.charts import TimelineBar, timeline_chart

    graph = Graph().parse(
        data="@prefix kzd: <https://w3id.org/kzby-kg/id/> . "
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> . "
        "kzd:status-founding-member skos:broader kzd:status-member .",
        format="turtle",
    )
    assert _is_membership(graph, KZD["status-founding-member"])
    assert not _is_membership(graph, KZD["status-observer"])
    text = strings("en")
    member = [TimelineBar("WTO", "Kazakhstan", 2015.9, None)]
    both = [*member, TimelineBar("WTO", "Belarus", 1995.0, None, full=False)]
    states = ["Kazakhstan", "Belarus"]
    assert "<pattern" not in timeline_chart(member, [], states, text, "t", 2024.0)
    assert "<pattern" in timeline_chart(both, [], states, text, "t", 2024.0)  # the hatch
