"""A BM25 lexical index over chunk texts (bm25s), rebuilt in memory from the catalog."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from index.models import Chunk


class LexicalIndex:
    def __init__(self, chunks: Sequence[Chunk], titles: dict[str, str]) -> None:
        import bm25s  # imported when the first search needs it

        # bm25s sets its own logger to DEBUG on import; leave the level to our configuration.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        self._bm25s: Any = bm25s
        self._chunks = list(chunks)
        self._model: Any = None
        if self._chunks:
            corpus = [f"{titles.get(c.article_id, '')}\n{c.text}" for c in self._chunks]
            tokens = bm25s.tokenize(corpus, stopwords="en", show_progress=False)
            self._model = bm25s.BM25()
            self._model.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """The top `k` chunks with a positive BM25 score, best first."""
        if self._model is None:
            return []
        words = self._bm25s.tokenize(
            [query], stopwords="en", return_ids=False, show_progress=False
        )[0]
        known = [w for w in words if w in self._model.vocab_dict]
        if not known:
            return []
        docs, scores = self._model.retrieve(
            [known], k=min(k, len(self._chunks)), show_progress=False
        )
        return [(self._chunks[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
