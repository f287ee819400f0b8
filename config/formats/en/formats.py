"""English dates as Django writes them ("Dec. 5, 2026"), with the 24-hour
clock that staff in China read (and that the Chinese pages use): "4:50 a.m."
also ended a sentence with two full stops."""

DATETIME_FORMAT = "N j, Y, H:i"
TIME_FORMAT = "H:i"
