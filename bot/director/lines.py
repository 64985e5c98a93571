"""The director's own lines (greetings, thanks, prompts, disclosure, script), filled from
prompts/templates.yaml and the catalog; every figure in them is a count or a catalog fact."""

from __future__ import annotations

import re

from bot.agent.offline import display_name, viewer_address
from bot.catalog.model import Product
from bot.events import Comment, Lang, Viewer
from bot.frames import GiftStreak, MergedMoment
from bot.language.money import format_money
from bot.language.templates import join_names, render_greeting, render_template
from bot.prompts.book import PromptBook

_FIELD = re.compile(r"\{(\w+)\}")


def product_name(product: Product, lang: Lang) -> str:
    """The product's name in the viewer's language (name_en, name_zh columns, aliases)."""

    return display_name(product, lang)


def address(viewer: Viewer, lang: Lang) -> str:
    """A viewer's name as the host says it: no emoji, digits or controls (a nickname is never a number)."""

    return viewer_address(Comment(t=0.0, user=viewer, text=""), lang)


class LineWriter:
    def __init__(self, prompts: PromptBook) -> None:
        self.prompts = prompts

    def greeting(self, moment: MergedMoment, lang: Lang, seed: int) -> str:
        names = [address(v, lang) for v in moment.viewers]
        return render_greeting(self.prompts, lang, names, moment.others, seed)

    def thanks_gift(self, streak: GiftStreak, lang: Lang, seed: int) -> str:
        gift = " ".join(streak.gift.split())[:32]  # the platform's text: never read a novel aloud
        return render_template(self.prompts, "thanks_gift", lang, seed, name=address(streak.user, lang),
                               gift=gift, count=streak.count)

    def thanks_gifts(self, streaks: list[GiftStreak], lang: Lang, seed: int, named: int = 3) -> tuple[str, int]:
        """One line thanking several gifters ("cảm ơn Minh, Hoa và 3 bạn đã tặng quà"); returns (line, others)."""

        names: list[str] = []
        for st in streaks:
            name = address(st.user, lang)
            if name not in names:
                names.append(name)
        others = max(0, len(names) - named)
        who = join_names(names[:named], lang)
        if others:
            return render_template(self.prompts, "thanks_gifts_more", lang, seed, names=who, others=others), others
        return render_template(self.prompts, "thanks_gifts", lang, seed, names=who), 0

    def asked_earlier(self, names: str, lang: Lang, seed: int) -> str:
        """The lead-in for a question asked a while ago ("Lúc nãy Hoa có hỏi nè.")."""
        return render_template(self.prompts, "asked_earlier", lang, seed, name=names)

    def thanks_moment(self, moment: MergedMoment, lang: Lang, seed: int) -> str:

        names = [address(v, lang) for v in moment.viewers]
        who = join_names(names, lang)
        return render_template(self.prompts, f"thanks_{moment.kind}", lang, seed, name=who)

    def quiet_prompt(self, lang: Lang, seed: int, product: Product | None = None) -> str:
        name = product_name(product, lang) if product is not None else None
        return render_template(self.prompts, "quiet_prompt", lang, seed, product=name)

    def disclosure(self, lang: Lang, seed: int) -> str:
        return render_template(self.prompts, "disclosure", lang, seed)

    def filler(self, lang: Lang, seed: int) -> str:
        return render_template(self.prompts, "filler", lang, seed)

    def fill_product(self, text: str, product: Product, lang: Lang) -> str:
        """Fill a script line's {product} {price} {promo_price} {stock} {voucher} from the catalog.

        Unknown placeholders are left out rather than spoken as braces.
        """
        values = {
            "product": product_name(product, lang),
            "name": product_name(product, lang),
            "price": format_money(product.price, product.currency),
            "promo_price": format_money(product.promo_price, product.currency) if product.promo_price is not None
            else format_money(product.price, product.currency),
            "stock": str(product.stock) if product.stock is not None else "",
            "voucher": product.voucher,
        }
        return _FIELD.sub(lambda m: values.get(m.group(1), ""), text).strip()
