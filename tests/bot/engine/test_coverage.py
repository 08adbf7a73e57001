"""The inputs of the answerability model, read from the retrieved passages."""

from __future__ import annotations

from bot.engine.coverage import key_terms, question_features
from bot.engine.evidence import QUESTION_FEATURES, SENTENCE_FEATURES, Candidate
from bot.engine.text import QUESTION_WORDS, STOPWORDS
from index.models import ArticleRecord, Chunk, Retrieved


def hit(title: str, text: str) -> Retrieved:
    record = ArticleRecord("a", title, "s", None, None, None, None, "h", 1, 0.0)
    return Retrieved(Chunk("a:0", "a", 0, text, 0, len(text)), record, 0.5)


FEATURES = tuple(0.5 for _ in SENTENCE_FEATURES)
TRAM = hit(
    "Eastgate tram line opens",
    "The Eastgate line cost £182 million and opened on 14 June 2025. "
    "A single adult fare is £1.90, and under-16s travel free for the first month. "
    "Mayor Ada Lovel cut the ribbon.",
)


def test_key_terms_are_names_and_numbers() -> None:
    assert key_terms("Who won the 2022 FIFA World Cup?") == {"2022", "fifa world cup"}
    assert key_terms("How long is Brackenford's Eastgate line?") == {"brackenford eastgate"}


def test_question_features_count_the_key_terms_the_passages_mention() -> None:
    ranked = [Candidate(1, 0, 0, "The Eastgate line cost £182 million.", FEATURES, 2.5)]
    named = dict(
        zip(
            QUESTION_FEATURES,
            question_features("How much did Eastgate cost?", [TRAM], ranked),
            strict=True,
        )
    )
    assert named["key_terms"] == 1.0 and named["best_score"] == 2.5
    # counter-example: a question about a line the passages never mention
    other = question_features("How much did the Sydney Metro West line cost?", [TRAM], ranked)
    assert dict(zip(QUESTION_FEATURES, other, strict=True))["key_terms"] == 0.0


def test_question_words_are_stop_words_and_may_stays_a_name() -> None:
    assert QUESTION_WORDS <= STOPWORDS
    assert key_terms("What happened in May Street?") == {"may street"}
