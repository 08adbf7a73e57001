"""The tried key-fact tagger's order, with a stand-in tagger: the trained graph is not shipped
(`make train-keyfacts` writes it); what is tested is the order and that the summary path hands
it the article's title."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.summarise import Budget, extractive_summary
from eval.keyfacts.tagger import TaggedOrder
from tests.bot.engine.test_salience import FERRY


class StubTagger:
    """Scores from a table; records the titles it was given."""

    def __init__(self, scores: Sequence[float]) -> None:
        self._scores = list(scores)
        self.titles: list[str] = []

    def scores(self, title: str, sentences: Sequence[str]) -> list[float]:
        self.titles.append(title)
        return self._scores[: len(sentences)]


def test_the_first_sentence_leads_then_the_others_by_score_ties_in_article_order() -> None:
    stub = StubTagger([0.1, 0.5, 0.9, 0.5, 0.2])
    order = TaggedOrder(lambda: stub)  # type: ignore[arg-type, return-value]
    assert order.order(["a", "b", "c", "d", "e"], "A title") == [0, 2, 1, 3, 4]
    assert order.order([], "A title") == []


def test_the_summary_path_gives_the_order_the_articles_title() -> None:
    stub = StubTagger([0.9, 0.1, 0.2, 0.95, 0.0, 0.0, 0.0, 0.0])
    two = Budget(min_sentences=2, max_sentences=2, max_chars=1000)
    order = TaggedOrder(lambda: stub)  # type: ignore[arg-type, return-value]
    summary = extractive_summary(" ".join(FERRY), two, order, title="Island ferry to close")
    assert stub.titles == ["Island ferry to close"]
    assert "£2.4m a year" in summary and "every option" not in summary
