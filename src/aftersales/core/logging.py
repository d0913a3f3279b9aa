"""Logging: personal data never reaches a log line in clear."""

import logging

from aftersales.core.pii import mask_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
