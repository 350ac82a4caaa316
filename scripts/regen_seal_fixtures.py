"""Regenerates the seal fixture PNGs on purpose, after a deliberate change to how seals look.

Run `python scripts/regen_seal_fixtures.py`, then look at every PNG before committing it:
the fixtures are what tests/unit/test_seal_impression.py holds the drawing to.
"""

from __future__ import annotations

import sys
from pathlib import Path

from svc_seal.impression import SealKind, SealSpec, render_seal_png

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seals"
FIXTURE_DPI = 150

SAMPLE_COMPANY = "天津宝坻示例科技有限公司"
# 120115 is Baodi district's division code; the seven digits after it are the serial.
SAMPLE_SEAL_CODE = "1201150010017"
# Check digit computed as GB 32100 prescribes.
SAMPLE_USCC = "91120115MA05L7XY3R"
SAMPLE_PERSON = "张三丰"


def sample_spec(kind: SealKind, company_name: str = SAMPLE_COMPANY) -> SealSpec:
    return SealSpec(
        kind=kind,
        company_name=company_name,
        seal_code=SAMPLE_SEAL_CODE,
        uscc=SAMPLE_USCC,
        person_name=SAMPLE_PERSON,
    )


def fixture_path(kind: SealKind) -> Path:
    return FIXTURE_DIR / f"{kind.value}.png"


def main() -> int:
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for kind in SealKind:
        path = fixture_path(kind)
        path.write_bytes(render_seal_png(sample_spec(kind), dpi=FIXTURE_DPI))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
