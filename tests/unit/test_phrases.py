"""A refusal's words (leadflow.phrases) and how an edge says them (leadflow.i18n): English
as written wherever the text is used, the catalogue's words in the reader's language."""

from __future__ import annotations

import pickle

import pytest

from leadflow.errors import GuardRefused, IllegalTransition
from leadflow.i18n import asked_locale, said_error, say, use_locale
from leadflow.phrases import N_, Phrase, either, listed


def test_a_phrase_reads_as_its_english_and_keeps_its_message():
    phrase = N_("lead {lead} does not exist", lead=7)
    assert phrase == "lead 7 does not exist" and isinstance(phrase, str)
    assert (phrase.msgid, phrase.values) == ("lead {lead} does not exist", {"lead": 7})
    again = pickle.loads(pickle.dumps(phrase))  # a Prefect task's error crosses processes
    assert again == phrase and again.msgid == phrase.msgid


def test_an_error_is_said_in_the_language_of_the_block_with_its_parts():
    refused = GuardRefused(7, "win", N_("a win needs the contract: {how}", how=N_("none")))
    assert str(refused) == "lead 7: 'win' refused: a win needs the contract: none"
    with use_locale("zh_CN"):
        assert said_error(refused) == "线索 7：'win' 被拒绝：赢单需要合同：无"
    with use_locale("en"):
        assert said_error(refused) == str(refused)


def test_a_final_state_allows_nothing_in_either_language():
    refused = IllegalTransition(3, "won", "lose", [])
    assert str(refused).endswith("allowed: none (final state)")
    with use_locale("zh_CN"):
        assert said_error(refused).endswith("可执行：无（终态）")


def test_field_lists_and_choices_say_each_part():
    errors = {"phone": N_("Field required"), "tags": "as given"}
    assert listed(errors) == "phone: Field required; tags: as given"
    assert either(["manager", "director"]) == "manager or director"
    assert either(["director"]) == "director"
    with use_locale("zh_CN"):
        assert say(listed(errors)) == "phone: 必填字段; tags: as given"
        assert say(either(["rep", "manager", "director"])) == "rep, manager 或 director"


def test_plain_text_is_said_as_it_is():
    with use_locale("zh_CN"):
        assert say("lead 7 does not exist") == "lead 7 does not exist"
        assert say(Phrase("not in the catalogue {x}", x=1)) == "not in the catalogue 1"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr, zh;q=0.5, en;q=0.4", "zh_CN"),
        ("en;q=0.5, zh-CN", "zh_CN"),
        ("zh;q=0, en", "en"),
        ("de, fr", None),
        ("*", None),
        ("zh;q=x", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_chooses_among_the_languages_spoken(header, locale):
    assert asked_locale(header) == locale
