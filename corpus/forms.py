from django import forms


class ArticleSearchForm(forms.Form):
    # Django's CharField refuses NUL, which PostgreSQL refuses in a query (a 500 before).
    q = forms.CharField(required=False, strip=True)
