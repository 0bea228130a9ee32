from django import forms

from corpus.search import SEARCH_MAX_CHARS


class ArticleSearchForm(forms.Form):
    # Django's CharField refuses NUL, which PostgreSQL refuses in a query (a 500 before).
    q = forms.CharField(required=False, strip=True, max_length=SEARCH_MAX_CHARS)
