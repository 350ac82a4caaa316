"""Logging for every OneStop process: one line per record with the process name and case id,
optionally JSON, and citizen ID numbers, bank account numbers and mobile phone numbers masked
wherever they appear in a message."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from onestop_common.errors import OneStopError
from onestop_common.identifiers import mask_account_number, mask_id_number, mask_phone

# 17 digits and a digit or X: the shape of a citizen ID (GB 11643). Masking a lookalike too is
# the safe side.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# The basic accounts the bank service opens have 17 digits; mainland mobile numbers 11, from 13.
_ACCOUNT_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    return _ID_NUMBER.sub(lambda match: mask_id_number(match.group(0)), text)


def mask_numbers(text: str) -> str:
    """``text`` with ID numbers, account numbers and mobile numbers masked (what logs carry)."""
    text = _ACCOUNT_NUMBER.sub(lambda match: mask_account_number(match.group(0)), mask_ids(text))
    return _MOBILE.sub(lambda match: mask_phone(match.group(0)), text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's final message with ID, account and phone numbers masked (args
    included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "case_id"):
            record.case_id = ""
        _downgrade_expected(record)
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and record.exc_text is None:
            record.exc_text = mask_numbers(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _downgrade_expected(record: logging.LogRecord) -> None:
    """nameko logs every exception a worker raises at ERROR with a traceback; a OneStopError is
    an answer to the caller (bad input, not allowed), not a fault: one WARNING line suffices."""
    if not record.exc_info or not isinstance(record.exc_info[1], OneStopError):
        return
    record.levelno, record.levelname = logging.WARNING, "WARNING"
    record.msg = f"{record.getMessage()}: {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
    record.args = None
    record.exc_info = None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "process": _process_name,
            "case": getattr(record, "case_id", ""),
            "message": record.getMessage(),
        }
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


_process_name = "onestop"


def configure(process_name: str, level: str = "INFO", as_json: bool = False) -> None:
    global _process_name
    _process_name = process_name
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                f"%(asctime)s %(levelname)s {process_name} %(name)s [%(case_id)s]: %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that narrate every connection at INFO.
    for noisy in ("pika", "kombu", "amqp", "nameko", "h2", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # pika reports every refused (re)connection at ERROR, several lines each; the consumer or
    # publisher that retries says what happened at WARNING.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
