"""Command text strategies for the parser's property and fuzz tests."""

from __future__ import annotations

from hypothesis import strategies as st

MARKUP = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0TEAM|@leads>",
    "<@U0123ABC>",
    "<@U0123ABC|bob>",
    "<#C0123ABC|general>",
    "<#C0123ABC>",
    "<https://example.com|click>",
    "<http://evil.test>",
    "<mailto:a@b.test|mail>",
    "<!date^1392734382^{date_num}|Feb 18, 2014>",
    "<!subteam^S0TEAM>",
    "&lt;!channel&gt;",
    "<",
    ">",
    "&",
    "|",
]


ODD = [
    "🙂",
    "🚀🔥",
    ":question:",
    "❓",
    "日本語",
    "Задача",
    "مهمة",
    "```",
    "```py\nx = 1\n```",
    "`",
    "*bold*",
    "_it_",
    "~s~",
    "\n",
    "\t",
    "\u200b",
    "\x00",
    " ",
]


WORDS = [
    "check",
    "checklist",
    "topics",
    "advice",
    "assess",
    "reading",
    "help",
    "ladder",
    "director",
    "cto",
    "ic",
    "em",
    "to",
    "launch",
    "review",
    "deadline",
    "nobody",
    "blocking",
    "the",
    "migration",
    "payload",  # Bolt reads a form body containing this word as a payload (bot/slack/http_guard.py)
    "zzz",
    "CHECK",
    "Advice",
]


fragment = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(ODD),
    st.sampled_from(WORDS),
    st.text(max_size=30),
)


huge = st.builds(
    lambda piece, n: piece * n, st.sampled_from(MARKUP + ODD + WORDS), st.integers(100, 1200)
)

COMMAND_WORDS = [
    "",
    "check",
    "checklist",
    "❓",
    "?",
    "topics",
    "advice",
    "assess",
    "reading",
    "help",
    "ladder",
    "director",
    "cto",
    "ic",
    "em",
    "rusty",
    "lader",
    "xyzzy",
]


rest = st.one_of(
    st.lists(fragment, max_size=12).map(" ".join),
    st.lists(fragment, max_size=12).map("".join),
    huge,
    st.text(max_size=300),
)

command_text = st.one_of(
    st.builds(lambda w, r: f"{w} {r}", st.sampled_from(COMMAND_WORDS), rest),
    rest,
)
