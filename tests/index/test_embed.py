"""The embedder contract, run on the fast stand-in and on its real twin."""

from __future__ import annotations

import numpy as np
import pytest

from index.embed import Embedder, HashingEmbedder, MiniLmEmbedder, build_embedder
from index.errors import NewsdeskError


@pytest.fixture(
    params=[
        pytest.param("hashing"),
        pytest.param("minilm", marks=pytest.mark.slow),
    ]
)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    return build_embedder(request.param)


def test_vectors_are_unit_length_float32_of_the_declared_size(embedder: Embedder) -> None:
    vectors = embedder.embed(["The tram opened.", "Floods hit the valley.", ""])
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)


def test_embedding_is_deterministic_and_order_independent(embedder: Embedder) -> None:
    texts = ["The tram opened on Saturday.", "A short one.", "Floods hit the valley " * 20]
    forward = embedder.embed(texts)
    backward = embedder.embed(texts[::-1])[::-1]
    assert np.allclose(forward, backward, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    a, b, c = embedder.embed(
        [
            "The new tram line opened to passengers in the city.",
            "Passengers rode the city's new tram line when it opened.",
            "The striker scored twice in the cup final.",
        ]
    )
    assert float(a @ b) > float(a @ c)


def test_token_counts_grow_with_text(embedder: Embedder) -> None:
    short, long = embedder.count_tokens(["one two", "one two three four five six"])
    assert 0 < short < long


@pytest.mark.slow
def test_minilm_understands_paraphrase() -> None:
    e = MiniLmEmbedder()
    cat, feline, stocks = e.embed(
        ["The cat sat on the mat.", "A feline rested on a rug.", "Stock markets fell sharply."]
    )
    assert float(cat @ feline) > 0.4 > float(cat @ stocks)
    assert e.name != HashingEmbedder.name


def test_unknown_embedder_is_refused() -> None:
    with pytest.raises(NewsdeskError, match="choose 'minilm' or 'hashing'"):
        build_embedder("bert")


@pytest.mark.slow
def test_bulk_and_searching_sessions_embed_alike() -> None:
    """The indexer's session (memory arena kept) and a searching one (none) give the same vectors,
    so an index built by one is searched by the other."""
    texts = ["The harbour wall was repaired.", "A much longer passage about the tram. " * 30]
    bulk, lean = MiniLmEmbedder(bulk=True).embed(texts), MiniLmEmbedder().embed(texts)
    assert np.allclose(bulk, lean, atol=1e-5)
