"""Small builders for Block Kit dicts.

Texts passed here are already-safe mrkdwn (rendered content, or user text run through
`escape`). Plain-text fields are cut to Slack's limits so an unusually long title or label can
never make Slack reject a whole message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
MESSAGE_BLOCKS_MAX = 50
FALLBACK_TEXT_MAX = 3000


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters, ending with an ellipsis when anything was dropped."""
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = HEADER_MAX, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": emoji}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields(items: Sequence[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(clip(t, 2000)) for t in items[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    url: str | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value[:2000]
    if style in ("primary", "danger"):
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id:
        block["block_id"] = block_id
    return block


def paragraphs(text: str) -> list[Block]:
    """Section blocks for a long mrkdwn body: split on blank lines, packed up to the section
    limit, and any single over-long paragraph split on line or word boundaries."""
    chunks: list[str] = []
    for para in text.split("\n\n"):
        para = para.strip()
        if not para:
            continue
        while len(para) > SECTION_TEXT_MAX:
            cut = para.rfind("\n", 0, SECTION_TEXT_MAX)
            if cut <= 0:
                cut = para.rfind(" ", 0, SECTION_TEXT_MAX)
            if cut <= 0:
                cut = SECTION_TEXT_MAX
            chunks.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        if chunks and len(chunks[-1]) + 2 + len(para) <= SECTION_TEXT_MAX:
            chunks[-1] = chunks[-1] + "\n\n" + para
        elif para:
            chunks.append(para)
    return [section(chunk) for chunk in chunks]


def message(text: str, blocks: Iterable[Block]) -> dict[str, Any]:
    """A message body: fallback `text` (notifications, screen readers) plus blocks, capped at
    Slack's 50 blocks."""
    block_list = list(blocks)
    if len(block_list) > MESSAGE_BLOCKS_MAX:
        block_list = [*block_list[: MESSAGE_BLOCKS_MAX - 1], context("_(shortened)_")]
    return {"text": clip(text, FALLBACK_TEXT_MAX) or " ", "blocks": block_list}
