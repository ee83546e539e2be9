"""The user's search syntax, parsed once and translated for each backend.

Users type words (all must match), ``"exact phrases"`` and ``prefix*`` terms. Everything else — operators
such as ``AND``/``OR``/``NEAR(``, column filters ``a:b``, stray quotes, ``-`` — is ordinary text. Each term
is reduced to its letter-and-digit tokens before it reaches the database, and the translations quote every
token, so no input can form FTS5 or ``tsquery`` syntax: there is nothing left to cause a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TERMS = 16
"""More terms than this add nothing to the ranking and only cost time; the rest are ignored."""

MIN_PREFIX_CHARS = 2
"""A one-letter prefix matches a large share of the vocabulary; such a term is searched as a word."""

# Letters and digits, like the tokenizers on both sides: unicode61 and PostgreSQL's parser both split
# on punctuation, spaces and underscores.
_TOKEN = re.compile(r"[^\W_]+")
# A quoted phrase (the closing quote may be missing), optionally followed by '*'; or a bare word.
# PostgreSQL text cannot hold NUL; no control character is worth searching for.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TSQUERY_QUOTING = re.compile(r"['\\\\]")
_TERM = re.compile(r'"(?P<phrase>[^"]*)(?:"|$)(?P<phrase_star>\*?)|(?P<word>[^\s"]+)')


@dataclass(frozen=True)
class Term:
    """One condition every hit must satisfy: these tokens in this order, the last maybe a prefix.

    ``text`` is the term as typed (minus quote and backslash characters) for PostgreSQL, whose parser
    keeps ``example.com`` or ``v1.2`` whole in documents and so must see them whole in queries too.
    """

    tokens: tuple[str, ...]
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def to_fts5(self) -> str:
        """An FTS5 MATCH expression: quoted phrases joined by AND; ``"tok"*`` for a prefix."""
        return " AND ".join(_fts5_term(term) for term in self.terms)

    def to_tsquery(self) -> str:
        """A PostgreSQL ``to_tsquery`` expression: quoted terms joined by ``&``; ``'ab':*`` for a prefix."""
        return " & ".join(_tsquery_term(term) for term in self.terms)


def parse_query(text: str) -> SearchQuery:
    terms: list[Term] = []
    for match in _TERM.finditer(_CONTROL.sub(" ", text)):
        term = _make_term(match)
        if term is not None and term not in terms:
            terms.append(term)
    return SearchQuery(tuple(terms[:MAX_TERMS]))


def _make_term(match: re.Match[str]) -> Term | None:
    if match.group("word") is not None:
        raw = match.group("word")
        wants_prefix = raw.endswith("*")
    else:
        raw = match.group("phrase")
        wants_prefix = bool(match.group("phrase_star"))
    tokens = tuple(token.lower() for token in _TOKEN.findall(raw))
    if not tokens:
        return None
    text = " ".join(_TSQUERY_QUOTING.sub(" ", raw.rstrip("*")).split())
    return Term(tokens, text, prefix=wants_prefix and len(tokens[-1]) >= MIN_PREFIX_CHARS)


def _fts5_term(term: Term) -> str:
    # Tokens hold only letters and digits, so they need no escaping inside the double quotes.
    phrase = '"' + " ".join(term.tokens) + '"'
    return phrase + "*" if term.prefix else phrase


def _tsquery_term(term: Term) -> str:
    # A quoted string in to_tsquery is run through the text-search parser (several words become a
    # phrase) and nothing inside it is an operator; it only cannot hold a quote or a backslash.
    quoted = f"'{term.text}'"
    return quoted + ":*" if term.prefix else quoted
