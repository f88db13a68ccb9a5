"""Entity names on the article's graph and the cached default store, as the new user typed them:
``describe commission``, ``query … -p state=Belarus`` and the typo ``-p state=kzd:belaruss``.

Slow: the command opens the project's cached store, and the suggestions scan every label.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from kzby_kg.cli.main import main
from kzby_kg.errors import UnknownEntityError
from kzby_kg.views.describe import resolve

pytestmark = pytest.mark.slow


def test_describe_commission_suggests_the_commission_first(graph: Graph) -> None:
    with pytest.raises(UnknownEntityError) as caught:
        resolve(graph, "commission")
    assert caught.value.suggestions[0].endswith("(kzd:commission)")


def test_an_entity_parameter_takes_a_label(capsys: pytest.CaptureFixture[str]) -> None:
    by_label = main(["query", "memberships-of-state", "-p", "state=Belarus", "--format", "csv"])
    labelled = capsys.readouterr().out
    by_curie = main(["query", "memberships-of-state", "-p", "state=kzd:belarus", "--format", "csv"])
    assert (by_label, by_curie) == (0, 0)
    assert labelled == capsys.readouterr().out
    assert len(labelled.splitlines()) > 3


def test_an_entity_parameter_typo_is_refused_with_close_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["query", "memberships-of-state", "-p", "state=kzd:belaruss"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kzby-kg: error: parameter 'state': no entity matches 'kzd:belaruss'")
    assert "(kzd:belarus)" in err
