"""Logging: personal data never reaches a log line in clear."""

import logging

from aftersales.core.pii import mask_text


class MaskPersonalData(logging.Filter):
    """On every handler (settings.LOGGING): masks phone numbers in the message and in the
    traceback, whose exception messages quote input as often as log calls do."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A malformed log call: let the handler report it as logging does, not crash here.
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set, so the masked traceback is what gets written.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
