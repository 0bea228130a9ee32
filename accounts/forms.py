from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text=_(
            "Name it after the tool that will use it, e.g. “notebook” or “nightly import”."
        ),
    )
