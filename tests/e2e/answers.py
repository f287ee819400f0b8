"""What a well-prepared employee knows: the right answers of the demo
measures, read from the course files the demo imports
(``lms/data/policies/*.json``), keyed by the question's text. The browser
never gets them: the journeys find each question on the page by its text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "lms" / "data" / "policies"


@dataclass(frozen=True)
class Key:
    kind: str  # single, multiple, true_false
    right: frozenset[str]  # option texts, or "true"/"false"
    options: tuple[str, ...]  # option texts as written (empty for true/false)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def answer_key() -> dict[str, Key]:
    keys: dict[str, Key] = {}
    for path in sorted(POLICIES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for block in document["quiz"]["questions"]:
            value = block["value"]
            if block["type"] == "true_false":
                key = Key("true_false", frozenset([str(value["correct"])]), ())
            else:
                options = tuple(o["text"] for o in value["options"])
                right = frozenset(o["text"] for o in value["options"] if o["correct"])
                key = Key(block["type"], right, options)
            keys[normalise(value["text"])] = key
    return keys
