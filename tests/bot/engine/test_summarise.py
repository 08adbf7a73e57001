from __future__ import annotations

import re

import pytest

from bot.engine.summarise import Budget, extractive_summary

ARTICLE = (
    "The Hollin Street bakery reopened on Monday after a fire in March. "
    "Neighbours raised £40,000 to replace its ovens. "
    "The owner, Ada Brook, said the street had saved the business. "
    "A new bread oven arrives in June, and the bakery will hire two apprentices. "
    "Ms Brook thanked the fire brigade."
)


def sentences_of(summary: str) -> list[str]:
    return [s.strip() for s in summary.split("[1]") if s.strip()]


def test_leading_sentences_in_article_order_each_cited() -> None:
    summary = extractive_summary(ARTICLE)
    parts = sentences_of(summary)
    assert 3 <= len(parts) <= 5
    assert summary.count("[1]") == len(parts)
    positions = [ARTICLE.index(p) for p in parts]  # verbatim, so grounded by construction
    assert positions == sorted(positions)
    assert parts[0].startswith("The Hollin Street bakery reopened")


def test_a_near_duplicate_is_skipped_but_a_related_sentence_is_kept() -> None:
    repeated = (
        "The Hollin Street bakery reopened on Monday after a fire. "
        "The Hollin Street bakery reopened on Monday, after the fire. "
        "The bakery's owner said the fire had closed it for months. "
        "Neighbours raised £40,000 for new ovens."
    )
    parts = sentences_of(extractive_summary(repeated))
    assert len([p for p in parts if p.startswith("The Hollin Street bakery reopened")]) == 1
    assert any(p.startswith("The bakery's owner") for p in parts)


def test_an_overlong_sentence_is_skipped_and_a_later_one_still_fits() -> None:
    long_sentence = "The inquiry heard " + "evidence from many witnesses, " * 30 + "it said."
    text = f"The ferry sank in calm water. {long_sentence} Two crew were rescued. Nobody died."
    summary = extractive_summary(text, Budget(max_chars=200))
    assert "inquiry heard" not in summary
    assert "Two crew were rescued." in summary and "Nobody died." in summary
    assert len(re.sub(r" \[1\]", "", summary)) <= 200


def test_past_three_sentences_only_a_share_of_the_article_is_used() -> None:
    places = "Eastgate Westgate Northfield Southmoor Highbury Lowton Millrace Quayside Ashby Brook"
    text = " ".join(
        f"The {p} council approved {n} homes." for n, p in enumerate(places.split(), 10)
    )
    parts = sentences_of(extractive_summary(text, Budget(share=0.25, max_chars=700)))
    assert len(parts) == 3  # a fourth would pass a quarter of the article


def test_a_one_sentence_article_is_its_own_summary() -> None:
    assert extractive_summary("The tram line opened.") == "The tram line opened. [1]"


def test_the_reply_is_cut_once_a_sixth_bullet_begins() -> None:
    from bot.engine.summarise import complete_bullets
    from tests.support import ScriptedModel

    reply = "\n".join(f"- Fact number {i} here" for i in range(1, 9))
    seen: list[str] = []
    text = complete_bullets(ScriptedModel([reply]), [], 100, seen.append)
    assert text.splitlines() == [f"- Fact number {i} here" for i in range(1, 6)]
    assert seen and "Fact number 7" not in seen[-1]


def test_a_reply_of_five_bullets_is_not_cut() -> None:
    """Counter-example: the cut only drops a bullet past the fifth."""
    from bot.engine.summarise import complete_bullets
    from tests.support import ScriptedModel

    reply = "\n".join(f"- Fact number {i} here" for i in range(1, 6))
    assert complete_bullets(ScriptedModel([reply]), [], 100, None) == reply


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("SmolLM2-135M-Instruct.Q4_1.gguf", "extractive"),  # the bundled model: the lead wins
        ("smollm2-135m-instruct-q8_0.gguf", "extractive"),
        ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "shorten"),
        ("SmolLM2-360M-Instruct.gguf", "shorten"),  # a bigger SmolLM2 is not the measured one
    ],
)
def test_auto_mode_leaves_summaries_to_the_lead_only_with_the_135m_model(
    name: str, mode: str
) -> None:
    from bot.engine.summarise import Summariser
    from tests.support import ScriptedModel

    model = ScriptedModel(name=name)
    summariser = Summariser(None, lambda: model, max_tokens=200)  # type: ignore[arg-type]
    assert summariser.effective_mode() == mode


@pytest.mark.slow
def test_the_real_model_summary_is_bullets_each_verified_or_quoted() -> None:
    """The real twin of the scripted-model tests: whatever the bundled model writes, every
    bullet shown is either its checked words or a sentence of the article, cited [1]."""
    from bot.engine.bullets import read_rendered, verified
    from bot.engine.model import LlamaCppModel, small_model_path
    from bot.engine.summarise import Summariser
    from index.models import Article

    model = LlamaCppModel(small_model_path(), n_ctx=2048, threads=1, temperature=0.0, seed=0)
    summariser = Summariser(None, lambda: model, max_tokens=200, mode="model")  # type: ignore[arg-type]
    article = Article(article_id="a", title="Bakery reopens", text=ARTICLE, source="s")
    written = summariser.write(article)
    lines = written.text.splitlines()
    assert 3 <= len(lines) <= 5
    assert all(line.startswith("- ") and line.endswith(" [1]") for line in lines)
    for bullet in read_rendered(written.text):
        assert bullet.text in ARTICLE if bullet.quoted else verified(bullet.text, ARTICLE)
