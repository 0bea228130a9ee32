# The pages' date formats by language (FORMAT_MODULE_PATH; whatever is not set here comes from
# Django's own locale formats). English keeps the day-month order the pages always had; every
# date-time shows its zone (the desk issue: times are in UTC unless the site says otherwise).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
