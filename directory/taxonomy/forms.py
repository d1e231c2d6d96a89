"""A form field to choose trades: the trade picker.

Checkboxes grouped by sector (native inputs: it works without JavaScript,
and nothing is unselected by a click without Ctrl), each trade carrying
its search terms (names and synonyms, accent-free) for the filter box of
``static/js/trade-picker.js``, which also counts the trades chosen. Used by
the application (step 2) and the pro profile ("Other trades").
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.text import normalize
from directory.taxonomy.models import Profession


class SectorGroupedChoices(forms.models.ModelChoiceIterator):
    """The trades of the queryset as ``(sector name, [(value, label), …])``
    groups, sectors in their position order, trades by name within each
    (in the active language, accents ignored: "Électricien" before
    "Plombier", which a database's byte order would not do)."""

    def __iter__(self) -> Iterator[Any]:
        queryset = self.queryset.select_related("sector").order_by(
            "sector__position", "sector__name_fr", "pk"
        )
        for sector, professions in groupby(queryset, key=lambda p: p.sector):
            ordered = sorted(professions, key=lambda p: normalize(p.name))
            yield (sector.name, [self.choice(profession) for profession in ordered])


class NamedInLanguageChoices(forms.models.ModelChoiceIterator):
    """The rows of the queryset by name in the active language, accents
    ignored ("Électricien" between "Couvreur" and "Plombier"; "Plumber"
    after "Electrician" in English), after the empty choice."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in sorted(self.queryset, key=lambda row: normalize(row.name)):
            yield self.choice(row)


class BilingualChoiceField(forms.ModelChoiceField):
    """One sector or trade, shown by its name in the active language (a
    model's ``str`` is its French name). ``by_name``: in the alphabetical
    order of that name instead of the queryset's."""

    def __init__(self, *args: Any, by_name: bool = False, **kwargs: Any) -> None:
        if by_name:
            self.iterator = NamedInLanguageChoices
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class TradePicker(forms.CheckboxSelectMultiple):
    """Checkboxes grouped by sector, with a filter box and a live count.

    Rendered with the project's templates (``templates/widgets/
    trade_picker.html``) rather than the form renderer's, which does not
    see them."""

    template_name = "widgets/trade_picker.html"
    # The field's label names the whole group (a <fieldset>'s legend).
    use_fieldset = True

    class Media:
        js = ("js/trade-picker.js",)

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        option["terms"] = " ".join(instance.search_terms()) if instance is not None else ""
        return option

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = [
            str(option["label"])
            for _group, options, _index in context["widget"]["optgroups"]
            for option in options
            if option["selected"]
        ]
        context["chosen"] = chosen
        context["count_text"] = count_text(len(chosen))
        context["count_texts"] = {
            "zero": count_text(0),
            "one": count_text(1),
            # The script puts the number in place of "{n}".
            "many": ngettext("%(count)s trade chosen", "%(count)s trades chosen", 2)
            % {"count": "{n}"},
        }
        return context

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        html = render_to_string(self.template_name, self.get_context(name, value, attrs))
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escapes


def count_text(count: int) -> str:
    """ "No trade chosen yet", "1 trade chosen", "3 trades chosen"."""
    if count == 0:
        return str(_("No trade chosen yet"))
    return ngettext("%(count)s trade chosen", "%(count)s trades chosen", count) % {"count": count}


class TradesField(forms.ModelMultipleChoiceField):
    """Several trades among ``queryset``, chosen in a :class:`TradePicker`."""

    iterator = SectorGroupedChoices
    widget = TradePicker

    def label_from_instance(self, obj: Profession) -> str:
        return obj.name
