"""Vietnamese dates as the province writes them in its documents and workbooks: day first, with
slashes ("05/01/2025"). Django's Vietnamese locale names no input formats, so its forms (the admin's
deadlines, pledges and programme dates) would fall back to the American default and read a typed
05/01/2025 as the 1st of May; and it shows short dates with dashes (05-01-2025)."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
