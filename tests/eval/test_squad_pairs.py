"""SQuAD 2.0 pairs for the reader (eval/reader/squad.py), on a small file of our own."""

from __future__ import annotations

import json
from pathlib import Path

from eval.reader.squad import squad_pairs

CONTEXT = (
    "The Eastgate line opened in June 2025. It cost £182 million to build. "
    "Each tram can carry up to 210 passengers."
)


def squad_file(tmp_path: Path, articles: int = 3) -> Path:
    cost = CONTEXT.index("£182 million")
    riders = CONTEXT.index("210 passengers")
    answerable = {
        "id": "a",
        "question": "How much did the line cost?",
        "is_impossible": False,
        "answers": [{"text": "£182 million", "answer_start": cost}],
    }
    unanswerable = {
        "id": "b",
        "question": "How many passengers rode in the first week?",
        "is_impossible": True,
        "answers": [],
        "plausible_answers": [{"text": "210", "answer_start": riders}],
    }
    qas = [answerable, unanswerable]
    data = [
        {"title": f"Tram_{i}", "paragraphs": [{"context": CONTEXT, "qas": qas}]}
        for i in range(articles)
    ]
    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps({"version": "v2.0", "data": data}), "utf-8")
    return path


def test_an_answerable_question_pairs_its_answer_sentence_against_the_others(
    tmp_path: Path,
) -> None:
    train, val = squad_pairs(squad_file(tmp_path), seed=1)
    assert len(val) == 2 * 6  # two held-out articles: 1 + 2 pairs and 3 pairs a paragraph
    pairs = [p for p in train + val if p.question.startswith("How much")]
    positives = {p.sentence for p in pairs if p.label}
    assert positives == {"It cost £182 million to build."}
    assert {p.title for p in pairs} == {"Tram 0", "Tram 1", "Tram 2"}


def test_an_unanswerable_question_has_no_positive_and_its_plausible_sentence_first(
    tmp_path: Path,
) -> None:
    train, _ = squad_pairs(squad_file(tmp_path), seed=1)
    pairs = [p for p in train if p.question.startswith("How many")]
    assert pairs and not any(p.label for p in pairs)
    assert pairs[0].sentence == "Each tram can carry up to 210 passengers."


def test_no_file_no_pairs(tmp_path: Path) -> None:
    assert squad_pairs(tmp_path / "absent.json") == ([], [])
