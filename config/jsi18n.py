"""Django's JavaScript catalog at a URL per language, so browsers may keep it: every page loads
it before the app's modules, and refetching it on each page delayed them."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.i18n import JavaScriptCatalog

# New translations reach a cached browser within this time.
CATALOG_MAX_AGE_S = 3600


def javascript_catalog(request: HttpRequest, language: str) -> HttpResponse:
    try:  # en-us (settings.LANGUAGE_CODE, outside a request) is served as en
        language = translation.get_supported_language_variant(language)
    except LookupError:
        raise Http404("No such language.") from None
    with translation.override(language):
        response = JavaScriptCatalog.as_view()(request)
    patch_cache_control(response, public=True, max_age=CATALOG_MAX_AGE_S)
    return response
