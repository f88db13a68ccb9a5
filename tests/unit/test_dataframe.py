"""Answers as analysis-ready DataFrames: each datatype gets its dtype, nothing is dropped or
guessed, labels come from the graph that answered, and bad arguments fail with one clear line.
Hand-made answers and a graph of a dozen triples: no project graph is loaded here."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal

import pandas as pd
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

import kzby_kg
from kzby_kg.errors import UsageError
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.querying.results import QueryResult, Row

KZD = Namespace("https://w3id.org/kzby-kg/id/")
KZBY = Namespace("https://w3id.org/kzby-kg/ontology#")
TIME = Namespace("http://www.w3.org/2006/time#")


def frame_of(*cells: object, name: str = "x") -> pd.DataFrame:
    """A one-column answer of these cells (None: unbound), as a DataFrame."""
    rows: list[Row] = [(c,) for c in cells]  # type: ignore[misc]
    return QueryResult("SELECT", [name], rows).to_dataframe()


def lit(text: str, datatype: URIRef | None = None, lang: str | None = None) -> Literal:
    return Literal(text, datatype=datatype, lang=lang)


def quietly(text: str, datatype: URIRef, normalize: bool = True) -> Literal:
    """An ill-typed literal, without rdflib's warning about it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Literal(text, datatype=datatype, normalize=normalize)


@pytest.fixture(scope="module")
def tiny() -> Graph:
    """Two places with labels in two languages (one only in Russian), dated names as
    place-names asks for them: one from a day, one from a year."""
    g = Graph()
    g.add((KZD.astana, RDFS.label, Literal("Astana", lang="en")))
    g.add((KZD.astana, RDFS.label, Literal("Астана", lang="ru")))
    g.add((KZD.minsk, SKOS.prefLabel, Literal("Минск", lang="ru")))
    for place, text, start in (
        (KZD.astana, "Nur-Sultan", Literal("2019-03-23", datatype=XSD.date)),
        (KZD.minsk, "Minsk", Literal("1991", datatype=XSD.gYear)),
    ):
        name, interval, begin = BNode(), BNode(), BNode()
        g.add((place, KZBY.hasName, name))
        g.add((name, RDF.type, KZBY.PlaceName))
        g.add((name, KZBY.name, Literal(text, lang="en")))
        g.add((name, KZBY.validDuring, interval))
        g.add((interval, TIME.hasBeginning, begin))
        g.add((begin, TIME.inXSDDate if start.datatype == XSD.date else TIME.inXSDgYear, start))
    return g


# ------------------------------------------------------------------ one dtype per datatype


@pytest.mark.parametrize(
    ("cells", "dtype", "values"),
    [
        ([lit("12", XSD.integer), None, lit("-3", XSD.int)], "Int64", [12, pd.NA, -3]),
        ([lit("1.5", XSD.decimal), None, lit("2E1", XSD.double)], "float64", [1.5, None, 20.0]),
        ([lit("2", XSD.integer), lit("2.5", XSD.decimal)], "float64", [2.0, 2.5]),
        ([lit("2016", XSD.gYear), None], "Int64", [2016, pd.NA]),
        (
            [lit("2016-05", XSD.gYearMonth), None],
            "period[M]",
            [pd.Period("2016-05", freq="M"), pd.NaT],
        ),
        (
            [lit("2016-05-03", XSD.date), lit("2017-01-02T10:30:00", XSD.dateTime), None],
            "datetime64[ns]",
            [pd.Timestamp("2016-05-03"), pd.Timestamp("2017-01-02 10:30"), pd.NaT],
        ),
        ([lit("true", XSD.boolean), lit("0", XSD.boolean)], "boolean", [True, False]),
        ([lit("plain"), lit("typed", XSD.string), None], "string", ["plain", "typed", pd.NA]),
        ([lit("Минск", lang="ru"), lit("Minsk", lang="en")], "string", ["Минск", "Minsk"]),
        (
            [KZD.belarus, URIRef("http://example.org/a"), None],
            "string",
            ["kzd:belarus", "http://example.org/a", pd.NA],
        ),
    ],
    ids=[
        "integer",
        "decimal",
        "int-and-decimal",
        "gYear",
        "gYearMonth",
        "date",
        "boolean",
        "string",
        "lang-string",
        "iri",
    ],
)
def test_each_datatype_gets_its_dtype(
    cells: list[object], dtype: str, values: list[object]
) -> None:
    column = frame_of(*cells)["x"]
    assert str(column.dtype) == dtype
    for got, want in zip(column.tolist(), values, strict=True):
        if want is None or want is pd.NA or want is pd.NaT:
            assert pd.isna(got)
        else:
            assert got == want and not isinstance(got, Decimal)


def test_zoned_datetimes_are_the_same_instants_in_utc() -> None:
    column = frame_of(
        lit("2016-05-03T10:00:00+06:00", XSD.dateTime), lit("2016-05-03T04:00:00Z", XSD.dateTime)
    )["x"]
    assert str(column.dtype) == "datetime64[ns, UTC]"
    assert column[0] == column[1] == pd.Timestamp("2016-05-03 04:00", tz="UTC")


def test_a_numeric_column_plots() -> None:
    df = QueryResult(
        "SELECT",
        ["year", "value"],
        [(lit(str(y), XSD.gYear), lit(f"{y - 2000}.5", XSD.decimal)) for y in (2010, 2011)],
    ).to_dataframe()
    assert df.select_dtypes("number").columns.tolist() == ["year", "value"]
    assert df["value"].sum() == pytest.approx(22.0)


# ------------------------------------------------- nothing dropped, coerced or guessed


def test_a_mix_of_datatypes_is_object_and_keeps_every_value() -> None:
    column = frame_of(lit("2016", XSD.gYear), lit("2019-03-23", XSD.date), lit("text"), None)["x"]
    assert column.dtype == object
    assert column.tolist()[:3] == [2016, pd.Timestamp("2019-03-23"), "text"]
    assert pd.isna(column[3])


@pytest.mark.parametrize(
    "bad",
    [
        lit("twelve", XSD.integer),
        Literal("1_000", datatype=XSD.integer, normalize=False),  # Python's int() reads it
        lit("2016-02-30", XSD.date),  # no such day
        lit("1500-01-01", XSD.date),  # beyond what datetime64[ns] holds
        # a day in a zone is no instant (rdflib drops the zone unless told not to normalise)
        Literal("2016-05-03+06:00", datatype=XSD.date, normalize=False),
        lit("2016-13", XSD.gYearMonth),
        quietly("maybe", XSD.boolean, normalize=False),
        quietly("maybe", XSD.boolean),  # ill-typed, though rdflib writes it as "false"
    ],
)
def test_a_value_that_cannot_be_converted_stays_the_literal(bad: Literal) -> None:
    good = {
        XSD.integer: lit("1", XSD.integer),
        XSD.date: lit("2016-01-01", XSD.date),
        XSD.gYearMonth: lit("2016-01", XSD.gYearMonth),
        XSD.boolean: lit("true", XSD.boolean),
    }[bad.datatype]
    column = frame_of(good, bad)["x"]
    assert column.dtype == object
    assert column[1] is bad
    assert not isinstance(column[0], Literal)


def test_an_integer_beyond_float64_precision_keeps_its_digits() -> None:
    big = 2**60 + 1
    column = frame_of(lit(str(big), XSD.integer), lit("0.5", XSD.decimal))["x"]
    assert column.dtype == object and column[0] == big


def test_unbound_cells_are_missing_and_an_empty_answer_keeps_its_columns() -> None:
    assert frame_of(None, None)["x"].isna().all()
    empty = QueryResult("SELECT", ["a", "b"], []).to_dataframe()
    assert empty.columns.tolist() == ["a", "b"] and len(empty) == 0


def test_nan_and_infinity_are_doubles() -> None:
    column = frame_of(lit("NaN", XSD.double), lit("-INF", XSD.double))["x"]
    assert column.dtype == "float64" and math.isnan(column[0]) and column[1] == -math.inf


# ----------------------------------------------------------- labels from the graph that answered


@pytest.mark.parametrize(
    ("lang", "astana", "minsk"), [("en", "Astana", "Минск"), ("ru", "Астана", "Минск")]
)
def test_labels_in_two_languages_beside_each_iri_column(
    tiny: Graph, lang: str, astana: str, minsk: str
) -> None:
    backend = OxigraphBackend.from_graph(tiny)
    result = backend.run(
        "SELECT ?place ?n WHERE { ?place <https://w3id.org/kzby-kg/ontology#hasName> ?n } "
        "ORDER BY ?place"
    )
    df = result.to_dataframe(labels=True, lang=lang, backend=backend)
    assert df.columns.tolist() == ["place", "place_label", "n"]  # a blank node has no label
    assert df["place"].tolist() == ["kzd:astana", "kzd:minsk"]
    assert df["place_label"].tolist() == [astana, minsk]  # Minsk has Russian only: the fallback


def test_an_entity_without_a_label_is_named_by_its_curie_and_labels_cost_no_query_without_them(
    tiny: Graph,
) -> None:
    asked: list[str] = []

    class Counting(OxigraphBackend):
        def run(self, text: str, bindings: dict | None = None) -> QueryResult:  # type: ignore[type-arg]
            asked.append(text)
            return super().run(text, bindings)

    backend = Counting(OxigraphBackend.from_graph(tiny).store)
    rows: list[Row] = [(KZD.astana,), (KZD.nowhere,), (KZD.astana,), (None,)]
    result = QueryResult("SELECT", ["s"], rows)
    assert "s_label" not in result.to_dataframe().columns
    assert asked == []
    df = result.to_dataframe(labels=True, lang="kk", backend=backend)
    assert df["s_label"].tolist()[:3] == ["Astana", "kzd:nowhere", "Astana"]
    assert pd.isna(df["s_label"][3])
    assert len(asked) == 2  # one small bound query per distinct IRI


def test_a_label_column_the_query_already_has_is_kept_and_not_asked_for() -> None:
    class Refusing(OxigraphBackend):
        def run(self, text: str, bindings: dict | None = None) -> QueryResult:  # type: ignore[type-arg]
            raise AssertionError("no label should be asked for")

    result = QueryResult("SELECT", ["s", "s_label"], [(KZD.astana, lit("mine"))])
    df = result.to_dataframe(labels=True, backend=Refusing(None))  # type: ignore[arg-type]
    assert df.columns.tolist() == ["s", "s_label"] and df["s_label"][0] == "mine"


# ------------------------------------------------------------------ the one-call helpers


def test_frame_runs_a_stored_question_with_labels_from_its_backend(tiny: Graph) -> None:
    backend = OxigraphBackend.from_graph(tiny)
    df = kzby_kg.frame("place-names", labels=True, lang="ru", backend=backend)
    assert df.columns.tolist() == ["place", "place_label", "name", "from", "until"]
    assert df["place_label"].tolist() == ["Астана", "Минск"]
    assert str(df["name"].dtype) == "string"
    assert df["from"].tolist() == [pd.Timestamp("2019-03-23"), 1991]  # a day and a year: object
    assert df["until"].isna().all()


def test_sparql_frame(tiny: Graph) -> None:
    df = kzby_kg.sparql_frame(
        "SELECT ?y WHERE { ?b <http://www.w3.org/2006/time#inXSDgYear> ?y }",
        backend=OxigraphBackend.from_graph(tiny),
    )
    assert str(df["y"].dtype) == "Int64" and df["y"].tolist() == [1991]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: kzby_kg.frame("place-names", lang="de", backend=b), r"^lang: unknown .*'de'"),
        pytest.param(  # the did-you-mean hint reads every stored question: 0.3 s
            lambda b: kzby_kg.frame("trade-serie", backend=b),
            r"no stored query .*trade-series",
            marks=pytest.mark.slow,
        ),
        (lambda b: kzby_kg.frame("trade-series", flow="not an iri", backend=b), "flow"),
        (lambda b: kzby_kg.sparql_frame("ASK {}", backend=b), r"ASK answer has no rows"),
        (lambda b: kzby_kg.sparql_frame("SELECT * {}", lang="xx", backend=b), r"^lang:"),
        (
            lambda b: QueryResult("SELECT", ["s"], [(KZD.a,)]).to_dataframe(labels=True),
            r"^labels: .*backend",
        ),
    ],
    ids=["lang", "name", "param", "ask", "sparql-lang", "labels-without-backend"],
)
def test_bad_arguments_fail_with_one_clear_line(tiny: Graph, call: object, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        call(OxigraphBackend.from_graph(tiny))  # type: ignore[operator]
    assert "\n" not in str(caught.value)
