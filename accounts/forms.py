from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text=_(
            "Name it after the tool that will use it, e.g. “notebook” or “nightly import”."
        ),
    )


class ProfileSettingsForm(forms.Form):
    # Each language named in itself: a reader lost in a foreign interface finds their own.
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The browser's language")), *settings.LANGUAGES],
        help_text=_(
            "The language of the pages. With the browser's language, the language switcher "
            "and then your browser's settings decide."
        ),
    )
