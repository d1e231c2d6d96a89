"""Forms of the team page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import EmailAddressField
from directory.team.models import MembershipRole


class InvitationForm(forms.Form):
    email = EmailAddressField(label=_("E-mail of the person to invite"))
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER
    )
