"""The server's answer cache keeps only whole answers, within its byte budget, least recently
used dropped first: a repeated request gets the same bytes without a worker."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from kzby_kg.web.policy import LimitError
from kzby_kg.web.pool import _AnswerCache


def chunks(*parts: bytes, fail: bool = False) -> Generator[bytes, None, None]:
    yield from parts
    if fail:
        raise LimitError(503, "the query ran past the time limit")


def test_a_whole_answer_is_kept_and_given_back() -> None:
    cache = _AnswerCache(budget=100, entry=50)
    passed = list(cache.remembering("k", "application/json", 2, chunks(b"ab", b"cd")))
    assert passed == [b"ab", b"cd"]
    assert cache.get("k") == ("application/json", 2, b"abcd") and cache.hits == 1
    assert cache.get("other") is None and cache.hits == 1


def test_an_answer_cut_short_is_not_kept() -> None:
    cache = _AnswerCache(budget=100, entry=50)
    with pytest.raises(LimitError):
        list(cache.remembering("k", "text/csv", 1, chunks(b"a", fail=True)))
    assert cache.get("k") is None
    reader = cache.remembering("k", "text/csv", 1, chunks(b"a", b"b"))
    assert next(reader) == b"a"
    reader.close()  # the client went away after the first chunk
    assert cache.get("k") is None


def test_large_answers_are_not_kept_and_the_budget_holds() -> None:
    cache = _AnswerCache(budget=10, entry=6)
    list(cache.remembering("big", "text/csv", 1, chunks(b"1234", b"567")))
    assert cache.get("big") is None
    for key in ("a", "b", "c"):
        list(cache.remembering(key, "text/csv", 1, chunks(b"12345")))
    assert cache.get("a") is None, "the least recently used answer made room"
    assert cache.get("b") is not None and cache.get("c") is not None


def test_a_budget_of_zero_keeps_nothing() -> None:
    cache = _AnswerCache(budget=0, entry=1024)
    list(cache.remembering("k", "text/csv", 0, chunks(b"")))
    list(cache.remembering("k2", "text/csv", 0, chunks(b"x")))
    assert cache.get("k") is None and cache.get("k2") is None
