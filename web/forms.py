"""Forms check the shape of what a page sends (types, lengths, required fields) and nothing else:
whether it is allowed is the service's decision."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from licensing.models import MediaType, RightKind, WorkKind
from licensing.scope import Use
from render.models import FaceSelection
from web.codes import WebCode


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


def territory_list(value: str) -> list[str]:
    """'fr, de gb' -> ['FR', 'DE', 'GB']; the service decides which codes are valid."""
    return [part.upper() for part in re.split(r"[\s,;]+", value.strip()) if part]


def end_of_day(value: date) -> datetime:
    return datetime.combine(value, time(23, 59, 59), tzinfo=UTC)


def start_of_day(value: date) -> datetime:
    return datetime.combine(value, time(0, 0), tzinfo=UTC)


def sha256_of(upload: UploadedFile[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


class LikenessCreateForm(forms.Form):
    display_name = forms.CharField(label=_("Name of this likeness"), max_length=200)


class EnrolForm(forms.Form):
    photos = MultipleFileField(
        label=_("Photos of your face"), help_text=_("One to five clear photos, one face in each (JPEG or PNG).")
    )


class LicensableForm(forms.Form):
    licensable = forms.BooleanField(label=_("Studios may request licences"), required=False)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that erasure is permanent and ends every licence of this likeness."), required=True
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("Only you will see it. The studio and the public learn that and when you revoked, never why."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("Yes, revoke this licence. Renders not yet started will be refused."), required=True
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class WorkFileForm(forms.Form):
    file = forms.FileField(label=_("Media file"), help_text=_("Its fingerprint (SHA-256) is computed on upload."))
    media_type = forms.ChoiceField(label=_("Media type"), choices=MediaType.choices)


class WorkRegisterForm(WorkFileForm):
    holder = forms.ChoiceField(label=_("Rights holder"))
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.TypedChoiceField(label=_("Kind of work"), choices=WorkKind.choices, coerce=WorkKind)
    rights = forms.TypedMultipleChoiceField(
        coerce=RightKind,
        label=_("Rights you hold"),
        choices=RightKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[RightKind.REPRODUCE, RightKind.ADAPT, RightKind.DISTRIBUTE],
    )
    territories = forms.CharField(label=_("Territories"), initial="WORLD", max_length=200)

    def __init__(self, *args: Any, holders: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].choices = holders  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    studio = forms.ChoiceField(
        label=_("Studio"),
        required=False,
        help_text=_("Studios that asked for a licence on your works, or you granted before."),
    )
    studio_name = forms.CharField(label=_("…or another studio, by its exact name"), max_length=200, required=False)
    territories = forms.CharField(label=_("Territories"), initial="WORLD", max_length=200)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, studios: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["studio"].choices = [("", "—"), *studios]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("studio") and not (data.get("studio_name") or "").strip():
            self.add_error("studio", _("Choose a studio, or type its exact name."))
        return data


class LicenseRequestForm(forms.Form):
    invitation = forms.CharField(
        label=_("Invitation link"), max_length=300, help_text=_("The owner sends you this link or its code.")
    )
    studio = forms.ChoiceField(label=_("Studio"))
    works = forms.MultipleChoiceField(label=_("Works"), widget=forms.CheckboxSelectMultiple)
    purposes = forms.MultipleChoiceField(label=_("Purposes"), choices=Use.choices, widget=forms.CheckboxSelectMultiple)
    media_types = forms.MultipleChoiceField(
        label=_("Media types"), choices=MediaType.choices, widget=forms.CheckboxSelectMultiple
    )
    territories = forms.CharField(label=_("Territories"), help_text=_("Country codes, e.g. FR, DE"), max_length=200)
    valid_until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    max_renders = forms.IntegerField(label=_("Maximum number of renders"), min_value=1, max_value=1_000_000)
    max_output_seconds = forms.IntegerField(label=_("Maximum output length (seconds)"), min_value=1, required=False)
    label_text = forms.CharField(label=_("Visible label"), max_length=200, required=False)
    attribution = forms.CharField(label=_("Credit"), max_length=200, required=False)

    def __init__(self, *args: Any, studios: list[tuple[str, str]], works: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["studio"].choices = studios  # type: ignore[attr-defined]
        self.fields["works"].choices = works  # type: ignore[attr-defined]


class SelectWithDisabled(forms.Select):
    """A select whose options listed in `disabled` cannot be chosen (shown greyed, with their reason)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.disabled: set[str] = set()

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class RenderSubmitForm(forms.Form):
    license = forms.ChoiceField(label=_("Licence"), widget=SelectWithDisabled)
    file = forms.FileField(label=_("Target file"), help_text=_("A still or video registered to a licensed work."))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Use.choices)
    territory = forms.CharField(label=_("Release territory"), max_length=8, help_text=_("A country code, e.g. FR"))
    faces = forms.ChoiceField(label=_("Faces to replace"), choices=FaceSelection.choices)

    def __init__(
        self, *args: Any, licenses: list[tuple[str, str]], unusable: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unusable = unusable or {}
        self.fields["license"].choices = licenses  # type: ignore[attr-defined]
        self.fields["license"].widget.disabled = set(self.unusable)

    def clean_license(self) -> str:
        value = str(self.cleaned_data["license"])
        if value in self.unusable:
            raise forms.ValidationError(self.unusable[value], code=WebCode.LICENCE_UNUSABLE)
        return value


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Image or video to check"))


class AgreeForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read every term above and I agree to license my likeness on these terms."),
        required=True,
        error_messages={"required": _("Tick this box to say that you have read and agree to the terms.")},
    )


class SignatureForm(forms.Form):
    """A self-custody owner's detached Ed25519 signature, pasted or uploaded (base64url)."""

    signature = forms.CharField(
        label=_("Your signature (base64url)"),
        help_text=_("Made with the key you registered as your own, over the document exactly as downloaded."),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
    )
    signature_file = forms.FileField(label=_("…or upload the signature file"), required=False)

    def given_signature(self) -> str:
        upload = self.cleaned_data.get("signature_file")
        if upload is not None:
            return bytes(upload.read(512)).decode("ascii", errors="replace").strip()
        return str(self.cleaned_data.get("signature") or "").strip()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])


class InvitationForm(forms.Form):
    note = forms.CharField(
        label=_("For whom (only you see this)"), max_length=200, required=False, help_text=_("e.g. the studio's name")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=14)
