"""Order attribution: which spoken lines named the product a viewer then bought.

A line counts when it named the order's SKU within `window_s` seconds before the order
(both on the session timeline). `attributed_to` lists every such line; first touch and last
touch pick the earliest and the latest. Orders with no such line are unattributed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_WINDOW_S = 600.0


@dataclass(frozen=True, slots=True)
class SpokenLine:
    """A reply as attribution sees it: its index in the report, when it was heard, what it named."""

    index: int
    t: float
    skus: tuple[str, ...]
    kind: str = ""
    viewer_id: str | None = None  # platform id of the viewer it answered
    viewer_unique_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderFacts:
    sku: str
    t: float | None
    viewer_id: str | None = None  # platform id, when the buyer is known as a viewer
    buyer: str | None = None  # the platform username on the order


@dataclass(slots=True)
class Attribution:
    status: str  # attributed | unattributed | no_time (order time unknown or outside the session)
    attributed_to: list[int] = field(default_factory=list)
    first_touch: int | None = None
    last_touch: int | None = None
    answered_buyer: list[int] = field(default_factory=list)  # lines that answered this buyer before the order
    unknown_sku: bool = False
    pinned_before: bool = False


def attribute_order(order: OrderFacts, lines: list[SpokenLine], *, pins: Sequence[tuple[str, float]] = (),
                    known_skus: set[str] | None = None, window_s: float = DEFAULT_WINDOW_S) -> Attribution:
    """Attribute one order to the lines (by report index) that named its SKU in the window."""
    unknown = known_skus is not None and order.sku not in known_skus
    if order.t is None:
        return Attribution(status="no_time", unknown_sku=unknown)
    lo, hi = order.t - window_s, order.t
    hits = sorted((ln for ln in lines if order.sku in ln.skus and lo <= ln.t <= hi),
                  key=lambda ln: (ln.t, ln.index))
    answered = [ln.index for ln in lines if ln.t <= hi and _same_buyer(order, ln)]
    pinned = any(sku == order.sku and lo <= t <= hi for sku, t in pins)
    if not hits:
        return Attribution(status="unattributed", answered_buyer=answered, unknown_sku=unknown,
                           pinned_before=pinned)
    return Attribution(status="attributed", attributed_to=sorted(ln.index for ln in hits),
                       first_touch=hits[0].index, last_touch=hits[-1].index, answered_buyer=answered,
                       unknown_sku=unknown, pinned_before=pinned)


def _same_buyer(order: OrderFacts, line: SpokenLine) -> bool:
    if order.viewer_id and line.viewer_id and order.viewer_id == line.viewer_id:
        return True
    uid = line.viewer_unique_id
    return bool(order.buyer and uid and order.buyer.lower() == uid.lower())
