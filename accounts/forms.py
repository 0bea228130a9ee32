from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text=_(
            "Name it after the tool that will use it, e.g. “notebook” or “nightly import”."
        ),
    )


def language_choices() -> list[tuple[str, str]]:
    """Each language named in itself, as the header's switcher names it (Django's LANG_INFO):
    a reader lost in a foreign interface finds their own."""
    return [("", _("The browser's language"))] + [
        (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
    ]


class ProfileSettingsForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=language_choices,
        help_text=_(
            "The language of the pages. With the browser's language, the language switcher "
            "and then your browser's settings decide."
        ),
    )
