"""The card-quality rules, their settings (``lint:`` in topics.yaml) and a card's ``lint:`` ignores.

Only the catalogue and the validation of what users write live here (the loader uses them); the
checks themselves are in :mod:`qadeck.lint`.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import Location, Problem

WARNING, ERROR = "warning", "error"


@dataclass(frozen=True)
class Rule:
    code: str  # QDnnn: what ignores and reports use
    name: str  # a short, readable alias of the code
    severity: str
    summary: str


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("QD101", "long-answer", WARNING, "answer prose longer than long_answer (Han characters + Latin words)"),
    Rule("QD102", "too-long-answer", WARNING, "answer prose longer than too_long_answer"),
    Rule("QD103", "long-list", WARNING, "a list of list_items or more items in a card that is not list recall or cloze"),
    Rule("QD201", "yes-no-question", WARNING, "a question answered by yes or no"),
    Rule("QD202", "vague-question", WARNING, "a question that asks for an essay (谈谈…, Talk about…)"),
    Rule("QD301", "answer-in-question", WARNING, "the question contains the answer (or a cloze deletion)"),
    Rule("QD302", "explanation-repeats-answer", WARNING, "the explanation mostly repeats the answer"),
    Rule("QD401", "code-without-language", WARNING, "a fenced code block without a language"),
    Rule("QD402", "python-syntax-error", ERROR, "Python code that does not parse"),
    Rule("QD403", "undefined-name", WARNING, "Python code uses a name it never defines (pyflakes)"),
    Rule("QD404", "unused-import", WARNING, "Python code imports a module it never uses (pyflakes)"),
    Rule("QD501", "ignore-without-reason", WARNING, "a card ignores rules without saying why"),
    Rule("QD502", "unused-ignore", WARNING, "a card ignores a rule that does not fire on it"),
)}
BY_NAME = {rule.name: rule for rule in RULES.values()}
# About the ignore itself: silencing them per card would defeat them.
NOT_IGNORABLE = ("QD501", "QD502")


@dataclass(frozen=True)
class LintSettings:
    """Thresholds and corpus-wide switches (``lint:`` in topics.yaml)."""

    long_answer: int = 200  # QD101
    too_long_answer: int = 300  # QD102
    list_items: int = 5  # QD103
    repeat_ratio: float = 0.6  # QD302: share of the explanation's character pairs found in the answer
    ignore: tuple[str, ...] = ()  # rule codes switched off for the whole corpus


SETTING_KEYS = ("long_answer", "too_long_answer", "list_items", "repeat_ratio", "ignore")
CARD_LINT_KEYS = ("ignore", "reason")


def rule_code(text: object) -> str | None:
    """The code of a rule given by code (``QD101``, any case) or name (``long-answer``); None if unknown."""
    if not isinstance(text, str):
        return None
    key = text.strip()
    if key.upper() in RULES:
        return key.upper()
    rule = BY_NAME.get(key.lower())
    return rule.code if rule else None


def _unknown_rule(text: object) -> str:
    close = difflib.get_close_matches(str(text), [*RULES, *BY_NAME], n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown lint rule '{text}'{hint}; rules: {', '.join(RULES)} (see README, 'Card-quality lint')"


def _rule_list(value, location: Location, what: str, problems: list[Problem], card_id: str | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.append(Problem(location, f"{what} must be a list of rule codes, e.g. [QD101, QD403]", card_id))
        return ()
    codes = []
    for item in value:
        code = rule_code(item)
        if code is None:
            problems.append(Problem(location, f"{what}: {_unknown_rule(item)}", card_id))
        else:
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def read_settings(data, path, line: int, problems: list[Problem]) -> LintSettings:
    """Validate the ``lint:`` mapping of topics.yaml (a yamlread.LinedDict) into settings."""
    if data is None:
        return LintSettings()
    if not isinstance(data, dict):
        problems.append(Problem(Location(path, line), f"'lint' must be a mapping of {', '.join(SETTING_KEYS)}"))
        return LintSettings()
    key_lines = getattr(data, "key_lines", {})

    def where(key: str) -> Location:
        return Location(path, key_lines.get(key, line))

    defaults = LintSettings()
    values: dict = {}
    for key, value in data.items():
        if key not in SETTING_KEYS:
            close = difflib.get_close_matches(str(key), SETTING_KEYS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(where(key), f"unknown key '{key}' in lint{hint}; allowed: {', '.join(SETTING_KEYS)}"))
        elif key == "ignore":
            values[key] = _rule_list(value, where(key), "lint: ignore", problems, None)
        elif key == "repeat_ratio":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                problems.append(Problem(where(key), f"lint: repeat_ratio must be a number above 0 and at most 1 (got {value!r})"))
            else:
                values[key] = float(value)
        else:
            minimum = 2 if key == "list_items" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                problems.append(Problem(where(key), f"lint: {key} must be a whole number >= {minimum} (got {value!r})"))
            else:
                values[key] = value
    long_answer = values.get("long_answer", defaults.long_answer)
    too_long = values.get("too_long_answer", defaults.too_long_answer)
    if too_long < long_answer:
        key = "too_long_answer" if "too_long_answer" in values else "long_answer"
        problems.append(Problem(where(key), f"lint: too_long_answer ({too_long}) must be at least long_answer ({long_answer})"))
    return LintSettings(**values)


@dataclass(frozen=True)
class CardLint:
    """A card's own ``lint:`` entry: the rules it silences and why."""

    ignore: tuple[str, ...] = ()
    reason: str = ""


def read_card_lint(value, path, line: int, card_id: str | None, problems: list[Problem]) -> CardLint:
    """Validate a card's ``lint: {ignore: [QD101], reason: "…"}``; problems are added to ``problems``."""
    if value is None:
        return CardLint()
    location = Location(path, line)
    if not isinstance(value, dict):
        problems.append(Problem(location, 'lint must be a mapping: lint: {ignore: [QD101], reason: "why"}', card_id))
        return CardLint()
    for key in value:
        if key not in CARD_LINT_KEYS:
            problems.append(Problem(location, f"unknown key '{key}' in lint; allowed: {', '.join(CARD_LINT_KEYS)}", card_id))
    if "ignore" not in value:
        problems.append(Problem(location, "lint needs 'ignore': the rules this card silences, e.g. [QD101]", card_id))
    codes = _rule_list(value.get("ignore", []), location, "lint: ignore", problems, card_id)
    for code in codes:
        if code in NOT_IGNORABLE:
            problems.append(Problem(location, f"lint: ignore: {code} ({RULES[code].name}) is about ignores and cannot be ignored", card_id))
    reason = value.get("reason", "")
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        problems.append(Problem(location, "lint: reason must be text", card_id))
        reason = ""
    return CardLint(ignore=codes, reason=reason.strip())
