# Django's own formats for this language, with the time zone shown (see ../en/formats.py).
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
