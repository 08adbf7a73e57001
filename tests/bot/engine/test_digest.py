"""Topic digests: facts merged across articles, cited to every article that states them, and
disagreements named."""

from __future__ import annotations

from bot.engine.bullets import Bullet
from bot.engine.digest import Fact, disagreements, merge_facts, render_digest

GLAZER_A = (
    "Malcolm Glazer raised his stake in Manchester United to 70%. "
    "The club's board said the bid was hostile."
)
GLAZER_B = (
    "Malcolm Glazer now owns 75% of Manchester United. "
    "Fans protested outside Old Trafford on Sunday."
)
GLAZER_C = (
    "The club's board said the bid was hostile. Shares in Manchester United rose 3% on Monday."
)


def model(text: str) -> Bullet:
    return Bullet(text, quoted=False)


def test_a_fact_stated_by_several_articles_is_one_bullet_citing_them_all() -> None:
    bullets = [
        [model("The club's board said the bid was hostile")],
        [model("Fans protested outside Old Trafford")],
        [model("The board said the bid was hostile")],
    ]
    facts = merge_facts(bullets, [GLAZER_A, GLAZER_B, GLAZER_C])
    assert facts[0] == Fact("The club's board said the bid was hostile", False, (1, 3))
    assert Fact("Fans protested outside Old Trafford", False, (2,)) in facts
    assert len(facts) == 2


def test_a_fact_is_cited_only_to_articles_that_state_it() -> None:
    facts = merge_facts([[model("Shares in Manchester United rose 3%")]], [GLAZER_C, GLAZER_A])
    assert facts == [Fact("Shares in Manchester United rose 3%", False, (1,))]


def test_different_figures_for_the_same_thing_are_named() -> None:
    facts = [
        Fact("Malcolm Glazer owns 70% of Manchester United", False, (1,)),
        Fact("Malcolm Glazer owns 75% of Manchester United", False, (2,)),
    ]
    assert disagreements(facts, [GLAZER_A, GLAZER_B]) == [
        "Sources differ: [1] says 70%, [2] says 75%."
    ]


def test_different_figures_about_different_things_are_not_a_disagreement() -> None:
    facts = [
        Fact("Malcolm Glazer owns 70% of Manchester United", False, (1,)),
        Fact("Shares in Manchester United rose 3% on Monday", False, (2,)),
    ]
    assert disagreements(facts, [GLAZER_A, GLAZER_C]) == []


def test_an_article_stating_both_figures_is_no_disagreement() -> None:
    both = GLAZER_A + " He previously owned 75% of the club."
    facts = [
        Fact("Malcolm Glazer owns 70% of Manchester United", False, (1,)),
        Fact("Malcolm Glazer owns 75% of Manchester United", False, (2,)),
    ]
    assert disagreements(facts, [both, GLAZER_B]) == []


def test_the_digest_is_one_line_a_fact_then_the_disagreements() -> None:
    facts = [Fact("One", False, (1, 2)), Fact("Two.", True, (2,))]
    text = render_digest(facts, ["Sources differ: [1] says 70%, [2] says 75%."])
    assert text.splitlines() == [
        "- One [1, 2]",
        "- “Two.” [2]",
        "Sources differ: [1] says 70%, [2] says 75%.",
    ]


def test_a_long_digest_fits_one_discord_message() -> None:
    facts = [Fact(f"Fact number {i} " + "word " * 40, False, (1,)) for i in range(10)]
    assert len(render_digest(facts, [])) <= 1800


def test_every_article_is_heard_before_any_gives_a_second_fact() -> None:
    bullets = [
        [model("Malcolm Glazer raised his stake to 70%"), model("The club's board said hostile")],
        [model("Fans protested outside Old Trafford on Sunday")],
    ]
    facts = merge_facts(bullets, [GLAZER_A, GLAZER_B])
    assert [f.cited for f in facts] == [(1,), (2,), (1,)]
