"""The command line as a new user meets it: help on every page, a version, formats from file
names, errors that say what to type instead, quiet pipes, and progress on a terminal only.

Everything here runs in-process and stops before any graph is loaded (a few milliseconds each);
the real pipe and the default store's prefixes are in tests/slow/test_cli_pipe.py.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

import pyoxigraph as ox
import pytest

from kzby_kg.cli import commands
from kzby_kg.cli.main import _closed_pipe, _parser, main
from kzby_kg.errors import QueryError, UsageError
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.querying.text import declare_prefixes, one_line_error


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_subcommand_has_a_description_and_every_option_a_help() -> None:
    missing = []
    for name, command in _subcommands().items():
        if not command.description:
            missing.append(f"{name}: no description")
        missing.extend(
            f"{name}: {'/'.join(a.option_strings) or a.dest} has no help"
            for a in command._actions
            if not a.help
        )
    assert missing == []


def test_version_comes_from_the_installed_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"kzby-kg {version('kzby-kg')}\n"


# ---------------------------------------------------------------- export formats


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("graph.nt", "nt"),
        ("graph.ttl", "turtle"),
        ("GRAPH.JSONLD", "jsonld"),
        ("graph.json-ld", "jsonld"),
        ("net.graphml", "graphml"),
        ("net.gexf", "gexf"),
        (None, "turtle"),
    ],
)
def test_export_format_follows_the_extension(output: str | None, expected: str) -> None:
    assert commands._export_format(None, output) == expected


def test_export_format_given_for_an_unknown_extension_is_kept() -> None:
    assert commands._export_format("nodelink", "net.json") == "nodelink"


def test_export_refuses_a_format_it_cannot_tell_before_loading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["export", "-o", "x.nt", "--format", "turtle"]) == 2
    assert capsys.readouterr().err == (
        "kzby-kg: error: --format turtle contradicts -o x.nt, whose extension .nt means nt\n"
    )
    for output, message in (
        ("x.rdf", "the extension '.rdf' names no format this command writes"),
        ("graph", "no extension names"),
    ):
        with pytest.raises(UsageError) as caught:
            commands._export_format(None, output)
        assert message in str(caught.value)
        assert ".ttl (turtle), .nt (nt)" in str(caught.value)


# ---------------------------------------------------------------- tags


def test_an_unknown_tag_is_refused_with_the_closest_and_every_tag() -> None:
    known = {"trade", "migration", "institutions"}
    commands._check_tag("trade", known)
    with pytest.raises(UsageError) as caught:
        commands._check_tag("trad", known)
    assert str(caught.value) == (
        "--tag: no question has the tag 'trad'; did you mean 'trade'? "
        "tags: institutions, migration, trade"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["queries", "--tag", "trad"],
            "--tag: no question has the tag 'trad'; did you mean 'trade'?",
        ),
        (["timeline", "--from", "2016", "--to", "2014"], "--from 2016 is after --to 2014"),
    ],
)
def test_an_empty_answer_by_mistake_is_an_error_instead(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Both printed nothing and exited 0; both now fail before loading any graph."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


# ---------------------------------------------------------------- ad-hoc SPARQL


def test_the_project_prefixes_are_declared_for_any_engine() -> None:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("https://w3id.org/kzby-kg/id/belarus"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/kzby-kg/ontology#State"),
        )
    )
    text, added = declare_prefixes("SELECT ?s WHERE { ?s a kzby:State }")
    assert added == 1
    assert text.startswith("PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>\n")
    assert [str(r[0]) for r in OxigraphBackend(store).run(text).rows] == [
        "https://w3id.org/kzby-kg/id/belarus"
    ]
    # a prefix the user declares is theirs; strings, IRIs and comments are not read
    own = 'PREFIX kzd: <http://x/> SELECT * { ?s ?p "rdfs:label" } # owl:x'
    assert declare_prefixes(own) == (own, 0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT ?x WHERE { ?x a foo:Bar }",
            "syntax error at line 1, column 31, near '}': foo: is not declared",
        ),
        ("SELECT ?x WHERE {\n ?x ?y }", "syntax error at line 2, column"),
    ],
)
def test_a_syntax_error_is_one_line_at_the_users_own_line(query: str, expected: str) -> None:
    declared, added = declare_prefixes(query)
    with pytest.raises(QueryError) as caught:
        OxigraphBackend(ox.Store()).run(declared)
    line = one_line_error(str(caught.value), query, added)
    assert expected in line
    assert "\n" not in line
    assert "\\u{" not in line


# ---------------------------------------------------------------- closed pipes


def test_a_closed_pipe_wrapped_in_a_library_error_ends_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> int:
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError as exc:
            raise QueryError("query failed: [Errno 32] Broken pipe") from exc

    monkeypatch.setattr(commands, "cmd_queries", broken)
    assert main(["queries"]) == 0
    assert capsys.readouterr().err == ""
    assert _closed_pipe(QueryError("x")) is False


def test_oxigraph_lists_every_expected_character_which_the_cli_says_in_one_line() -> None:
    with pytest.raises(QueryError) as caught:
        OxigraphBackend(ox.Store()).run("SELECT ?x WHERE { ?x a foo:Bar }")
    assert "\n" in str(caught.value)  # the reason for one_line_error


# ---------------------------------------------------------------- progress


def test_steps_are_shown_on_a_terminal_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands._step("loading")
    assert capsys.readouterr().err == ""

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    commands._step("loading")
    assert capsys.readouterr().err == "kzby-kg: loading…\n"


def test_build_is_given_the_terminal_step_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kzby-kg build` hands its step printer to the pipeline (which says each step; the slow
    tier's build test checks the steps)."""
    from kzby_kg import pipeline

    seen: dict[str, object] = {}

    def fake_build(root: object, out: object, *, progress: object = None) -> object:
        seen["progress"] = progress
        raise UsageError("stop here")

    monkeypatch.setattr(pipeline, "build", fake_build)
    assert main(["build"]) == 2
    assert seen["progress"] is commands._step


def test_the_briefing_defaults_to_the_full_graph_and_the_views_to_the_article() -> None:
    """The report's own default must not leak into the shared --scope of the views."""
    from kzby_kg.cli.main import _parser

    parser = _parser()
    assert parser.parse_args(["report"]).scope == "full"
    for command in (["describe", "Belarus"], ["timeline"], ["neighbours", "Belarus"]):
        assert parser.parse_args(command).scope == "article", command
