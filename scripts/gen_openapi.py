"""Writes the HTTP/JSON API's OpenAPI document, generated from the protos' descriptors and
google.api.http rules, to docs/openapi.json (a test fails when the committed copy is stale)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "proto")]

from gateway.app import SERVICE  # noqa: E402
from gateway.openapi import openapi_document  # noqa: E402

TARGET = ROOT / "docs" / "openapi.json"


def main() -> int:
    TARGET.parent.mkdir(exist_ok=True)
    text = json.dumps(openapi_document(SERVICE), indent=2, ensure_ascii=False) + "\n"
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
