"""`eval/replay.py`: a recorded reply is given back for the same prompt, and only for it."""

from __future__ import annotations

from eval.replay import UNRECORDED, Recording, Replaying, prompt_key
from tests.support import ScriptedModel

ASK = [{"role": "user", "content": "How much did the tram line cost?"}]


def test_a_recorded_reply_is_replayed_for_the_same_prompt() -> None:
    recording = Recording(ScriptedModel(["It cost £182 million [1]."]))
    assert recording.complete(ASK, max_tokens=64) == "It cost £182 million [1]."
    replaying = Replaying(recording.replies, n_ctx=2048)
    assert replaying.complete(ASK, max_tokens=64) == "It cost £182 million [1]."
    assert replaying.unrecorded == 0


def test_another_prompt_or_budget_has_no_recorded_reply() -> None:
    recording = Recording(ScriptedModel(["It cost £182 million [1]."]))
    recording.complete(ASK, max_tokens=64)
    replaying = Replaying(recording.replies, n_ctx=2048)
    other = [{"role": "user", "content": "How much did the bridge cost?"}]
    assert replaying.complete(other, max_tokens=64) == UNRECORDED
    assert replaying.complete(ASK, max_tokens=8) == UNRECORDED
    assert replaying.unrecorded == 2
    assert prompt_key(ASK, 64) != prompt_key(other, 64)
