"""The evidence ranker and the answerability model: the vocabulary they read, and real text."""

from __future__ import annotations

import json

import pytest

from bot.engine.coverage import question_features
from bot.engine.evidence import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    Evidence,
    Weights,
    focus_words,
)
from bot.engine.grounding import MAX_QUOTED, quoted
from bot.engine.text import asked_kind, kind_facts
from index.embed import build_embedder
from index.models import ArticleRecord, Chunk, Retrieved


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the tram line cost?", "amount"),
        ("What share of homes are affected?", "amount"),
        ("How large would the merged bank's assets be?", "amount"),
        ("By how much did the economy grow?", "amount"),
        ("When did the line open?", "date"),
        ("In what year was the bridge built?", "date"),
        ("Who opened the line?", "name"),
        ("In which town did the band meet?", "name"),
        ("Why did the council approve it?", "reason"),
        ("What caused the network to crash?", "reason"),
        ("What does the new rule make bosses do?", None),  # descriptive: no pattern to match
    ],
)
def test_asked_kind(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "found"),
    [
        # a cost is answered by money, not by the dates and durations around it
        ("How much did the tram line cost?", "Work began in March 2022, seven months late.", set()),
        ("How much did the tram line cost?", "The line cost £182m in all.", {"£182m"}),
        # counter-example: "how much" also takes a share ("how much did prices rise")
        ("How much did prices rise in May?", "Prices rose 4.2% over the month.", {"4.2%"}),
        # counter-example: "how many" takes any number
        ("How many homes does the ban cover?", "It covers 310,000 homes.", {"310,000"}),
        ("What share of voters backed it?", "Some 3,000 voters, or 61%, backed it.", {"61%"}),
        # money has a currency sign or word: a count of millions is not money
        ("How much did the film cost?", "It was seen by 21 million viewers.", set()),
        ("How much did the film cost?", "It cost 90 million dollars.", {"90 million dollars"}),
        ("How large would its assets be?", "Assets of 189 trillion yen.", {"189"}),
        # "how many X": the number must count what is asked, named within a few words after it
        ("How many copies did the album sell?", "It topped the chart after three days.", set()),
        ("How many copies did the album sell?", "It sold 3.5 million copies.", {"3.5"}),
        ("How many people voted online?", "It drew 21 million online voters.", {"21"}),
        ("How many cars are on its roads?", "There are two and a half million cars.", {"two"}),
        # what is possible does not count what happened: a capacity is not a week's riders
        ("How many passengers did it carry?", "Each can carry up to 210 passengers.", set()),
        ("How many fans saw the final?", "The ground could hold 40,000 fans.", set()),
        # what is counted is named before the auxiliary verb, or done after it; the things
        # around the count ("the tram line") are not counted
        ("How many passengers did the tram line carry?", "Nine new trams were built.", set()),
        # counter-examples: the action named before the number, the counted noun another word
        (
            "How many homes does the ban cover?",
            "It would cover about 310,000 households.",
            {"310,000"},
        ),
        # counter-example: the counted noun left out, the action named ("50,000 sold")
        ("How many consoles were sold in May?", "With 50,000 sold in May, it led.", {"50,000"}),
        # counter-examples: a question that asks what is possible, and an estimate of what
        # happened ("up to" without "can")
        ("How many passengers can it carry?", "Each can carry up to 210 passengers.", {"210"}),
        ("How many people were hurt?", "Up to 50 people were hurt.", {"50"}),
        ("How many copies were sold?", "In May, 50,000 copies were sold.", {"50,000"}),
        # counter-example: the counted thing may be named by another of the question's words
        ("How many meetings have Rangers drawn?", "They lost seven Old Firm games.", set()),
        # ... or by the asked action just before the number
        ("How many meetings have Rangers lost?", "They lost seven Old Firm games.", {"seven"}),
        (
            "How many Old Firm meetings have Rangers lost?",
            "They lost seven Old Firm games.",
            {"seven"},
        ),
    ],
)
def test_amount_facts_are_the_kind_of_amount_asked_for(
    question: str, sentence: str, found: set[str]
) -> None:
    assert kind_facts(asked_kind(question), sentence, question) == found


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ('Ward said: "We are sad to see him go."', set()),  # a quotation's first word
        ("It was, According to the club, a shock.", set()),  # capitalised, names nothing
        # counter-examples: names inside the sentence and inside a quotation still count
        ('He said: "We will miss Ann Ward."', {"ann", "ward"}),
        ("He joined Lyon in the summer.", {"lyon"}),
    ],
)
def test_name_facts_name_something(sentence: str, found: set[str]) -> None:
    assert kind_facts("name", sentence, "Which club did he join?") == found


def test_kind_facts_are_new_to_the_question() -> None:
    question = "How many of the 2024 tickets were sold?"
    assert kind_facts("amount", "Some 4,500 of the 2024 tickets sold.", question) == {"4,500"}
    # counter-example: a sentence that only repeats the question's own number adds nothing
    assert kind_facts("amount", "The 2024 tickets sold well.", question) == set()
    assert kind_facts("reason", "It closed because of rain.", "Why did it close?") == set()


def test_focus_words_leave_out_the_topic_and_the_asking_words() -> None:
    assert focus_words("Where was Anna Keaveney born?", "Actress Anna Keaveney dies") == "born"
    # counter-example: with nothing left, the whole question is the focus
    assert focus_words("Who is Ada Lovel?", "Ada Lovel") == "Who is Ada Lovel?"


def test_packaged_weights_match_the_features() -> None:
    weights = Weights.load()
    assert len(weights.ranker) == len(SENTENCE_FEATURES)
    assert len(weights.answerable) == len(QUESTION_FEATURES) + 1
    assert 0.0 < weights.threshold < 1.0
    assert weights.quote_margin >= 0.0


def test_another_embedder_keeps_the_ranker_but_refuses_by_retrieval_only() -> None:
    weights = Weights.load()
    assert weights.for_embedder(weights.embedder) is weights
    other = weights.for_embedder("hashing-384")
    assert other.threshold == 0.0 and other.ranker == weights.ranker


def test_weights_fitted_for_other_features_are_refused() -> None:
    stale = {
        "sentence_features": ["sim"],
        "question_features": list(QUESTION_FEATURES),
        "ranker": [1.0],
        "answerable": [0.0] * 7,
        "threshold": 0.5,
        "quote_margin": 0.5,
        "embedder": "all-MiniLM-L6-v2-int8",
    }
    with pytest.raises(ValueError, match="re-run"):
        Weights.load(json.dumps(stale))


# Our own demo text (never BBC text in the repository).
BOAT = (
    "Rower Mia Tennant has finished her solo crossing of the Atlantic. "
    "Mia Tennant, who trained on the Tarnvale reservoir, said the crossing was the hardest thing "
    "she had ever done. "
    "She was born in Kelso and took up rowing at university. "
    "The crossing took 62 days and raised £41,000 for the lifeboat charity. "
    "Her boat capsized twice in storms off the Azores, because the rudder failed."
)
TITLE = "Rower Mia Tennant finishes Atlantic crossing"


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence(build_embedder("minilm").embed, Weights.load())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Where was the Atlantic rower Mia Tennant born?", "Kelso"),
        ("How long did Mia Tennant's Atlantic crossing take?", "62 days"),
        ("How much money did Mia Tennant's row raise for charity?", "£41,000"),
        ("Why did Mia Tennant's boat capsize?", "rudder failed"),
    ],
)
def test_the_sentence_that_adds_the_fact_ranks_above_the_one_that_restates_the_topic(
    evidence: Evidence, question: str, answer: str
) -> None:
    ranked = evidence.candidates(question, [(1, BOAT)], {1: TITLE})
    assert answer in ranked[0].text
    assert not ranked[0].text.startswith("Rower Mia Tennant has finished")


def passage_hit(question: str) -> Retrieved:
    """BOAT as the one retrieved passage, scored as retrieval would: its dense similarity."""
    record = ArticleRecord("boat", TITLE, "boat.txt", None, None, None, None, "h", 1, 0.0)
    q, text = build_embedder("minilm").embed([question, BOAT])
    return Retrieved(Chunk("boat:0", "boat", 0, BOAT, 0, len(BOAT)), record, float(q @ text))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "answerable"),
    [
        ("How long did Mia Tennant's Atlantic crossing take?", True),
        ("Where was the Atlantic rower Mia Tennant born?", True),
        ("Who won the 2022 World Cup final in Qatar?", False),  # nothing of it in the passage
        ("When did ChatGPT launch?", False),
    ],
)
def test_the_fitted_answerability_model_on_text_it_never_saw(
    evidence: Evidence, question: str, answerable: bool
) -> None:
    hit = passage_hit(question)
    ranked = evidence.candidates(question, [(1, BOAT)], {1: TITLE})
    features = question_features(question, [hit], ranked)
    assert evidence.is_answerable(features) is answerable


@pytest.mark.slow
def test_a_sure_ranker_quotes_one_sentence_an_unsure_one_more(evidence: Evidence) -> None:
    """The fitted quote margin on text it never saw: the quote holds the fact and stays short."""
    margin = evidence.weights.quote_margin
    for question, answer in [
        ("How much money did Mia Tennant's row raise for charity?", "£41,000"),
        ("Where was the Atlantic rower Mia Tennant born?", "Kelso"),
    ]:
        ranked = evidence.candidates(question, [(1, BOAT)], {1: TITLE})
        quotes = quoted(ranked, margin)
        assert answer in quotes[0].text
        assert 1 <= len(quotes) <= MAX_QUOTED
        # counter-example: the opening sentence, which only restates the topic, is not quoted
        assert not any(q.text.startswith("Rower Mia Tennant has finished") for q in quotes)
