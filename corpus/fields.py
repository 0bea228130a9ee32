from django.core.validators import URLValidator
from django.db import models


class WebURLField(models.URLField):
    """A URL a browser may open: http or https only, checked once (no duplicate messages)."""

    default_validators = [URLValidator(schemes=["http", "https"])]
