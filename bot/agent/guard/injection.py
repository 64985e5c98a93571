"""Heuristics for prompt injection in viewers' comments, in Vietnamese, Chinese and English.

A hit does not block the viewer; the caller down-ranks the comment or answers from the catalog only.
The output guard is what makes a successful injection harmless; this is the early warning.
"""

from __future__ import annotations

import re

from bot.language.text import fold

_EN = (
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,30}\b(?:instructions?|rules?|prompts?|guidelines|"
    r"directions|system|previous|above|everything)\b",
    r"\byou are (?:now|no longer)\b",
    r"\b(?:act|behave|respond) as (?:if|an?|the)\b",
    r"\bpretend (?:to be|you)\b",
    r"\b(?:reveal|show|print|repeat|tell me|what is|what are)\b.{0,25}"
    r"\b(?:system prompt|your (?:prompt|instructions|rules))\b",
    r"\bsystem prompt\b",
    r"\b(?:developer|dan|god) mode\b",
    r"\bjailbreak",
    r"\bnew instructions?\b",
    r"\b(?:sell|give) (?:it|this|them|me)\b.{0,20}\b(?:for (?:free|\$?\d+)|free)\b",
    r"<\|?(?:system|im_start|im_end)\|?>|\[/?(?:system|inst)\]",
)
# Vietnamese, matched on folded text so "bo qua huong dan" (typed without diacritics) also hits.
_VI = (
    r"\b(?:bo qua|phot lo|quen|lo di|vuot qua)\b.{0,30}\b(?:huong dan|chi dan|chi thi|lenh|quy tac|luat|"
    r"prompt|nhac|truoc do|o tren)\b",
    r"\b(?:ban|em|shop)\s+(?:bay gio|gio)\s+la\b",
    r"\bdong vai\b",
    r"\bgia vo (?:la|lam)\b",
    r"\b(?:tiet lo|cho (?:toi|minh|tui) (?:xem|biet)|doc (?:lai|ra))\b.{0,30}"
    r"\b(?:prompt|huong dan|chi dan|loi nhac|"
    r"cau lenh)\b",
    r"\b(?:prompt|loi nhac|chi dan) he thong\b",
    r"\bban (?:0|khong) dong\b|\bban (?:voi )?gia 1 ?(?:d|dong|k)\b",
)
_ZH = (
    r"(?:忽略|无视|忘记|忘掉|跳过|不要理会).{0,12}(?:指令|指示|规则|提示|设定|要求|之前|以上|上面)",
    r"你现在是|从现在起你是|从现在开始你是",
    r"扮演|假装你是|假装成",
    r"系统提示|提示词|系统指令|系统消息",
    r"(?:告诉|透露|显示|输出|重复).{0,10}(?:你的)?(?:指令|设定|规则|提示)",
    r"越狱|开发者模式",
    r"(?:免费送|一元卖|0元卖|零元卖)",
)
_EN_RE = re.compile("|".join(_EN), re.IGNORECASE | re.DOTALL)
_VI_RE = re.compile("|".join(_VI), re.DOTALL)
_ZH_RE = re.compile("|".join(_ZH), re.DOTALL)


def looks_like_injection(text: str) -> bool:
    """True when a comment reads like an attempt to steer the host's instructions (vi, zh, en)."""
    if not text:
        return False
    if _ZH_RE.search(text) or _EN_RE.search(text):
        return True
    return bool(_VI_RE.search(fold(text)))
