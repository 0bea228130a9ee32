from django import forms


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Name it after the tool that will use it, e.g. “notebook” or “nightly import”.",
    )
