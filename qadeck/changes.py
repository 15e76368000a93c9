"""What changed since a release (a git ref): the block atop the top deck's description, and the
counts in the build summary."""
from __future__ import annotations

import html
import marshal
from dataclasses import dataclass
from pathlib import Path

from . import assemble
from .errors import UsageError
from .model import Card, Corpus

SHOWN = 15  # questions listed per group; the rest are counted


@dataclass(frozen=True)
class Changes:
    ref: str
    added: tuple[str, ...]  # questions (Markdown source)
    changed: tuple[str, ...]
    retired: tuple[str, ...]
    moved: tuple[str, ...] = ()  # primary topic changed: an .apkg import cannot move existing cards


def changes_since(corpus: Corpus, ledger, ref: str | None, repo) -> Changes | None:
    """Cards added, changed and retired between ``ref`` and now (None: no repository, or no ref
    given and no tag yet). An unknown ref is a usage error. ``repo``: the corpus's repository
    (history.find_repo), None outside git."""
    from .history import cards_at, fingerprint, newest_tag

    root = Path(corpus.root)
    if ref == "":
        return None
    if ref is None:
        ref = newest_tag(repo)
        if ref is None:
            return None
    before = cards_at(repo, root, ref)
    if before is None:
        raise UsageError(f"--changes-since: '{ref}' is not a commit or tag of the corpus's git repository")
    names = {key: topic.name for key, topic in corpus.topics.items()}
    old = {(c.id, c.kind): fingerprint(c, names) for c in before}
    now = {(c.id, c.kind): c for c in corpus.cards}
    added = [c.question for key, c in now.items() if key not in old]
    changed = [c.question for key, c in now.items() if key in old and old[key] != fingerprint(c, names)]
    retired_keys = {(r.card.id, r.kind) for r in ledger.retired}
    retired = [c.question for c in before if (c.id, c.kind) not in now and (c.id, c.kind) in retired_keys]
    was = {(c.id, c.kind): c.primary_topic for c in before}
    moved = [c.question for key, c in now.items() if key in was and was[key] != c.primary_topic]
    return Changes(ref, tuple(added), tuple(changed), tuple(retired), tuple(moved))


def deck_descriptions(corpus: Corpus, changes: Changes | None, cache=None) -> dict[str, str]:
    """Deck name -> sanitised HTML description, from topics.yaml's ``description:`` keys.

    ``cache`` (a cache.RenderCache, whose key covers the renderer) keeps them, so a build that
    renders no card does not load Markdown to render the same descriptions again.
    """
    if cache is None:
        return _descriptions(corpus, changes)
    from .cache import ResultCache

    store = ResultCache(cache.root, "descriptions", cache.secret)
    topics = tuple((key, topic.name, topic.description) for key, topic in corpus.topics.items())
    inputs = (corpus.deck, corpus.description, topics, None if changes is None else
              (changes.ref, changes.added, changes.changed, changes.retired, changes.moved))
    # assemble.py's deck_name() names the decks the descriptions belong to.
    key = cache.key([Path(__file__).read_bytes(), Path(assemble.__file__).read_bytes(), marshal.dumps(inputs)])
    found = store.get(key, lambda value: type(value) is dict and all(type(k) is str and type(v) is str
                                                                     for k, v in value.items()))
    if found is None:
        found = _descriptions(corpus, changes)
        store.put(key, found)
    return found


def _descriptions(corpus: Corpus, changes: Changes | None) -> dict[str, str]:
    from .markdown_render import MarkdownRenderer
    from .sanitize import sanitize

    renderer = MarkdownRenderer()
    found = {}
    top = sanitize(renderer.convert(corpus.description)) if corpus.description else ""
    if changes is not None:
        top = change_block(changes, renderer) + top
    if top:
        found[corpus.deck] = top
    for key, topic in corpus.topics.items():
        if topic.description:
            found[assemble.deck_name(corpus, key)] = sanitize(renderer.convert(topic.description))
    return found


def change_block(changes: Changes, renderer=None) -> str:
    """The "what changed" list, by question (each rendered like the card's own question);
    ``renderer``: a markdown_render.MarkdownRenderer."""
    from .markdown_render import MarkdownRenderer
    from .sanitize import sanitize

    renderer = renderer or MarkdownRenderer()
    parts = [f"<p><b>本版更新</b>（自 {html.escape(changes.ref)}）：新增 {len(changes.added)}，"
             f"修改 {len(changes.changed)}，退役 {len(changes.retired)}</p>"]
    groups = (("新增 added", changes.added), ("修改 changed", changes.changed), ("退役 retired", changes.retired),
              ("换了子卡组 moved (an .apkg import cannot move your existing cards; build.py push --move can)", changes.moved))
    for label, questions in groups:
        if not questions:
            continue
        items = "".join(f"<li>{_inline(renderer, q)}</li>" for q in questions[:SHOWN])
        more = f"<li>… 另有 {len(questions) - SHOWN} 张</li>" if len(questions) > SHOWN else ""
        parts.append(f"<p>{label}:</p><ul>{items}{more}</ul>")
    return sanitize("".join(parts))


def _inline(renderer, question: str) -> str:
    """A question's first paragraph as inline HTML (the list item holds no <p>)."""
    first = question.strip().split("\n\n", 1)[0]
    rendered = renderer.convert(" ".join(first.split()))
    return rendered.removeprefix("<p>").removesuffix("</p>") if rendered.count("<p>") == 1 else html.escape(first)


def summary(changes: Changes) -> str:
    moved = f"; {len(changes.moved)} moved to another subdeck (an .apkg import cannot move them: use push --move)" \
        if changes.moved else ""
    return (f"changes since {changes.ref}: {len(changes.added)} added, {len(changes.changed)} changed, "
            f"{len(changes.retired)} retired{moved}")


__all__ = ["Card", "Changes", "change_block", "changes_since", "deck_descriptions", "summary"]
