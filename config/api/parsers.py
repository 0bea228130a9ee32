"""The API's JSON parser: DRF's, decoding through config.json_input, so that a body nested
50,000 deep is a 400 in the error shape like any malformed body, not a RecursionError (500)."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.json_input import json_decode


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not %(encoding)s text (byte %(start)s).")
                % {"encoding": encoding, "start": error.start}
            ) from None
        try:
            # Strings are left to the serializers, which refuse NUL and surrogates by field.
            return json_decode(text, check_texts=False)
        except json.JSONDecodeError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
