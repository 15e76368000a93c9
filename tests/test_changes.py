"""Deck descriptions from topics.yaml and the "what changed" block, read back from real Anki decks."""
from __future__ import annotations

from pathlib import Path

from anki_helpers import fresh_import
from conftest import run_cli
from test_ledger import GONE, OUT, build, remove_card

ROOT_DECK = "AI 大模型面试题"


def describe(checkout) -> None:
    path = checkout.root / "cards/topics.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("slug: ai-interview\n", "slug: ai-interview\ndescription: |\n  面试题卡组，**每卡一问**。<script>alert(1)</script>\n")
    text = text.replace("{name: 硬件 Hardware,", "{name: 硬件 Hardware, description: 'GPU、显存与带宽',")
    path.write_text(text, encoding="utf-8")


def deck_descriptions(tmp_path: Path, apkg: Path) -> dict[str, str]:
    col, _ = fresh_import(tmp_path, apkg, name=f"{apkg.stem}.anki2")
    try:
        return {d.name: col.decks.get(d.id)["desc"] for d in col.decks.all_names_and_ids()}
    finally:
        col.close()


def test_descriptions_become_sanitised_deck_descriptions(checkout, tmp_path):
    describe(checkout)
    checkout.commit("describe")
    found = deck_descriptions(tmp_path, build("--changes-since", ""))
    assert "<strong>每卡一问</strong>" in found[ROOT_DECK]
    assert "<script" not in found[ROOT_DECK] and "&lt;script&gt;" in found[ROOT_DECK]  # shown as text, never run
    assert found[f"{ROOT_DECK}::硬件 Hardware"] == "<p>GPU、显存与带宽</p>"
    assert found[f"{ROOT_DECK}::训练 Training"] == ""


def test_change_block_lists_added_changed_and_retired_since_the_newest_tag(checkout, tmp_path, capsys):
    build()
    checkout.commit("ledger")
    checkout.git("tag", "v1")
    deploy = checkout.root / "cards/deploy.yaml"
    remove_card(deploy, GONE)
    scaling = checkout.root / "cards/scaling.yaml"
    scaling.write_text(scaling.read_text(encoding="utf-8").replace("3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。")
                       .replace("topics: [hardware, training]", "topics: [training, hardware]")
                       + "  - id: new-card\n    question: 新增的问题是什么？\n    answer: 一个新答案。\n    topics: [training]\n",
                       encoding="utf-8")
    checkout.commit("v2")
    capsys.readouterr()
    found = deck_descriptions(tmp_path, build())
    assert "changes since v1: 1 added, 2 changed, 1 retired; 1 moved to another subdeck" in capsys.readouterr().out
    top = found[ROOT_DECK]
    assert "本版更新</b>（自 v1）：新增 1，修改 2，退役 1" in top
    assert "新增的问题是什么？" in top and "push --move" in top
    assert top.count("<li>") == 5
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", OUT, "--changes-since", "no-such-ref") == 2
    assert "'no-such-ref' is not a commit or tag" in capsys.readouterr().err


def test_no_tag_and_no_ref_means_no_block(checkout, tmp_path, capsys):
    found = deck_descriptions(tmp_path, build())
    assert found[ROOT_DECK] == ""
    assert "changes since" not in capsys.readouterr().out
