"""Date and time formats of the site's languages, where Django's differ from
what staff read (``FORMAT_MODULE_PATH``)."""
