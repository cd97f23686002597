"""The words senders use for a channel (展会, 客户转介绍, 線上推廣, Paid Search), read the
same way wherever a lead comes in: a sheet's source column, the API's "source" and
`leadflow leads add --source`.

The words live once, in simplified Chinese and English, in config/import_mapping.yaml
(`values.source`, with a team's file over it); a traditional-script word is read through
OpenCC's tables before it is looked up, character by character (t2s: 客戶轉介紹 is
客户转介绍, 線上推廣 线上推广) and then as a Taiwan phrase (tw2sp: 網路推廣 is 网络推广),
so no second list of traditional words is kept."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import opencc
from pydantic import BaseModel, ConfigDict

from leadflow.config_files import read_yaml, validate
from leadflow.phrases import N_
from leadflow.rules.vocab import Channel
from leadflow.settings import DEFAULT_CONFIG_DIR, get_settings
from leadflow.sheets.values import normal

MAPPING_FILE = "import_mapping.yaml"
CHANNEL_VALUES = frozenset(c.value for c in Channel)
# A few to show in a refusal; the whole list is the config file's.
_EXAMPLES = ("展会", "客户转介绍", "线上推广", "官网注册", "Trade Show", "Paid Search")


@lru_cache(maxsize=2)
def _simplifier(table: str) -> opencc.OpenCC:
    # Built on first use (it reads its tables from the package): never at import.
    return opencc.OpenCC(table)


@lru_cache(maxsize=4096)
def fold(word: str) -> str:
    """The form channel words are matched in: simplified script, full-width folded, case
    and spaces ignored (展會推廣, 展会推广 and ' 展会推广 ' are one word)."""
    return normal(_simplifier("t2s").convert(word))


@lru_cache(maxsize=4096)
def _readings(text: str) -> tuple[str, ...]:
    """`text` folded, then as a Taiwan phrase would read on the mainland (網路 is 网络;
    线上 is kept as the character reading, since tw2sp makes it 在线)."""
    return tuple(dict.fromkeys((fold(text), normal(_simplifier("tw2sp").convert(text)))))


def put_detail(record: MutableMapping[str, Any], detail: str) -> None:
    """Put `detail` (what a source word said) before the record's own source_detail."""
    given = record.get("source_detail")
    record["source_detail"] = f"{detail}; {given}" if given else detail


@dataclass(frozen=True)
class ChannelWords:
    """Channel words (folded) and what each means; the channels' own names mean themselves."""

    words: Mapping[str, str]
    separators: tuple[str, ...]

    @classmethod
    def of(cls, table: Mapping[str, str], separators: Sequence[str]) -> ChannelWords:
        """The words of one mapping file's `values.source`, after the channels' names."""
        return cls({c: c for c in CHANNEL_VALUES}, ()).extended(table, separators)

    def extended(self, table: Mapping[str, str], separators: Sequence[str]) -> ChannelWords:
        """These words with `table`'s added or overriding (a team's file, a --map file)."""
        words = {**self.words, **{fold(w): str(c) for w, c in table.items()}}
        return ChannelWords(words, tuple(separators) or self.separators)

    def read(self, text: str) -> tuple[str, str | None] | None:
        """A source as typed, as (channel, detail), or None when no word is known.

        "展会-2023年工博会" is (trade_show, "2023年工博会"): the rest after a separator is
        the detail. A lone word other than the channel's own name is kept as the detail
        ("百度推广" is (online_ads, "百度推广")), so the sender's word stays visible."""
        channel = self._channel(text)
        if channel is not None:
            plain = fold(text).replace(" ", "_") == channel
            return channel, None if plain else text.strip()
        for sep in self.separators:
            head, found, tail = text.partition(sep)
            channel = self._channel(head) if found else None
            if channel is not None:
                return channel, tail.strip() or None
        return None

    def _channel(self, word: str) -> str | None:
        return next((self.words[k] for k in _readings(word) if k in self.words), None)

    def read_into(self, record: MutableMapping[str, Any]) -> bool:
        """Put the channel of `record`'s source word in its place, and the word's detail
        before any source_detail given (a lone word only when no detail is given: 展会
        with the tag 2026工博会 is that tag, but Odoo's Newsletter, which means `other`,
        stays, as `other` alone says nothing); False (record unchanged) when no word is known."""
        read = self.read(record["source"])
        if read is None:
            return False
        lone = self._channel(record["source"]) is not None
        record["source"], detail = read
        given = record.get("source_detail")
        if detail and not (lone and given and record["source"] != Channel.other.value):
            put_detail(record, detail)
        return True

    def refusal(self, text: str) -> str:
        """Why `text` is not a source, listing what is accepted."""
        return N_(
            "{given} is not a known channel: one of {channels}, or a channel word of "
            "config/{file} values.source (e.g. {examples}; simplified or traditional)",
            given=repr(text),
            channels=", ".join(c.value for c in Channel),
            file=MAPPING_FILE,
            examples=", ".join(_EXAMPLES),
        )


class _SourceWords(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: dict[str, Channel] = {}


class _ChannelPart(BaseModel):
    """The part of an import_mapping.yaml this module reads (sheets.mapping checks the rest)."""

    model_config = ConfigDict(extra="ignore")

    source_separators: list[str] = []
    values: _SourceWords = _SourceWords()


def file_words(base: ChannelWords | None, path: Path) -> ChannelWords:
    """`base` (or nothing) with the channel words of the mapping file at `path` over it."""
    part = validate(_ChannelPart, read_yaml(path), [(str(path), {})])
    table = {w: c.value for w, c in part.values.source.items()}
    if base is None:
        return ChannelWords.of(table, part.source_separators)
    return base.extended(table, part.source_separators)


@lru_cache(maxsize=8)
def _words(team_dir: Path | None) -> ChannelWords:
    words = file_words(None, DEFAULT_CONFIG_DIR / MAPPING_FILE)
    if team_dir is not None and (team_dir / MAPPING_FILE).is_file():
        words = file_words(words, team_dir / MAPPING_FILE)
    return words


def channel_words() -> ChannelWords:
    """The built-in channel words with the team's (LEADFLOW_CONFIG_DIR) over them, read once."""
    return _words(get_settings().config_dir)
