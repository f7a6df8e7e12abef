"""The form an owner fills to grant a mandate (parsing only; the rules are licensing/mandates.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.mandate_models import MandateAct, MandateKind
from licensing.scope import Use


class MandateGrantForm(forms.Form):
    representative = forms.CharField(label=_("Representative's user name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("Acts as"),
        choices=[(k.value, k.label) for k in (MandateKind.AGENT, MandateKind.GUARDIAN)],
    )
    acts = forms.MultipleChoiceField(label=_("May"), choices=MandateAct.choices, widget=forms.CheckboxSelectMultiple)
    purposes = forms.MultipleChoiceField(
        label=_("For these uses only (none ticked: every use)"),
        choices=Use.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    valid_until = forms.DateField(
        label=_("Until (required for a guardian)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    require_owner_cosign = forms.BooleanField(label=_("My agent's approvals also need my signature"), required=False)


class MandateEndForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)
