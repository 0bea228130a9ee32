# Django's own short date for Arabic (right-to-left marks after the day and month), with a time
# and its zone (see ../en/formats.py).
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i T"
