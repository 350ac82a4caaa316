"""Where the figures come from goes into manifest.json, not onto the official pages: every rule
and rate with its source and how far it was checked, the caveats a service wrote into a text
kept there verbatim; and onestop verify reads the current manifest format and the one before."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from onestop_cli.verify import verify_bundle
from onestop_common.signing import Attachment
from orchestrator.bundle import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    BundleInputs,
    bundle_attachments,
    render_pages,
    sign_bundle,
)
from orchestrator.bundle.provenance import official_text, weakest
from svc_invoice.domain import Rule
from tests.support.bundle import World, platform_signer
from tests.unit.test_bundle_layout import make_worst_inputs


def manifest_of(attachments: tuple[Attachment, ...]) -> dict[str, Any]:
    data = next(a.data for a in attachments if a.name == MANIFEST_NAME)
    manifest = json.loads(data)
    assert isinstance(manifest, dict)
    return manifest


def test_manifest_records_the_provenance_of_every_rule_and_rate(inputs: BundleInputs) -> None:
    manifest = manifest_of(bundle_attachments(inputs))
    assert manifest["format"] == MANIFEST_FORMAT == "onestop-bundle-manifest/2"
    provenance = manifest["provenance"]
    items = {(item["step"], item["figure"]): item for item in provenance["items"]}
    assert items[("invoice", "rules.vat_status")] == {
        "step": "invoice",
        "figure": "rules.vat_status",
        "value": "small_scale",
        "source": "国家税务总局令第43号",
        "verification": "yes",
        "verified": True,
    }
    rate = items[("invoice", "rules.vat_rate")]
    assert rate["source"] == "财政部 税务总局公告2023年第19号"
    assert (rate["verification"], rate["verified"]) == ("partial", False)
    basis = items[("invoice", "vat_status_legal_basis")]
    assert basis["value"] == inputs.taxpayer.vat_status_legal_basis  # it carries no caveat
    assert "caveats" not in basis
    for insurance in ("pension", "medical", "unemployment", "work_injury", "maternity"):
        item = items[("social_insurance", f"rates.{insurance}")]
        assert item["source"] == "social insurance rate table tianjin-2026-v1"
        assert (item["verification"], item["verified"]) == ("unverified", False)
    assert items[("social_insurance", "rates.pension")]["value"] == "employer 0.16, employee 0.08"
    assert len(items) == 2 + 1 + 5
    assert provenance["not_verified"] == 6
    assert provenance["notes"]["social_insurance"] == {
        "rate_table_version": "tianjin-2026-v1",
        "rate_table_note": inputs.employer.rate_table_note,
    }
    assert manifest["clock"]["business_clock_speed"] is None
    assert "business-clock times" in manifest["clock"]["about"]
    assert "wall-clock time" in manifest["clock"]["about"]


def test_what_the_pages_leave_out_is_in_the_manifest(world: World) -> None:
    worst = make_worst_inputs(world)
    manifest = manifest_of(bundle_attachments(worst))
    items = manifest["provenance"]["items"]
    rules = [item for item in items if item["figure"].startswith("rules.")]
    assert [(i["figure"], i["source"], i["verification"]) for i in rules] == [
        (f"rules.{r.rule}", r.source, r.verified) for r in worst.taxpayer.rules
    ]
    assert any("from memory, text not read here" in item["source"] for item in rules)
    basis = next(item for item in items if item["figure"] == "vat_status_legal_basis")
    assert basis["caveats"] == [
        "（核实程度：partial，非确定法规，使用前请核实）",
        "（核实程度：unverified，非确定法规，使用前请核实）",
    ]
    assert (basis["verification"], basis["verified"]) == ("unverified", False)
    assert "核实" not in basis["value"] and basis["value"].startswith("小规模纳税人：")
    note = manifest["provenance"]["notes"]["social_insurance"]["rate_table_note"]
    assert note == worst.employer.rate_table_note and "UNVERIFIED" in note
    assert manifest["clock"]["business_clock_speed"] == 60.0


@pytest.mark.parametrize("level", ["yes", "partial", "unverified", "policy"])
def test_official_text_drops_each_kind_of_caveat(level: str) -> None:
    rule = Rule("r", "v", None, None, level, "s")
    text = f"规定标准为500万元（财税〔2018〕33号）{rule.caveat_zh}；the threshold{rule.caveat_en}。"
    shown, removed = official_text(text)
    assert shown == "规定标准为500万元（财税〔2018〕33号）；the threshold。"
    assert removed == tuple(c.strip() for c in (rule.caveat_zh, rule.caveat_en) if c)


def test_weakest_level() -> None:
    assert weakest([]) == "yes"
    assert weakest(["yes", "policy", "partial"]) == "partial"
    assert weakest(["yes", "unverified", "partial"]) == "unverified"
    assert weakest(["yes", "made-up"]) == "made-up"  # unknown counts as weakest


# --- onestop verify and the manifest formats ----------------------------------------------------


def _signed_with_manifest(world: World, inputs: BundleInputs, manifest: dict[str, Any]) -> bytes:
    attachments = [
        dataclasses.replace(a, data=json.dumps(manifest, ensure_ascii=False).encode())
        if a.name == MANIFEST_NAME
        else a
        for a in bundle_attachments(inputs)
    ]
    return sign_bundle(
        render_pages(inputs, attachments, trust_root=world.root),
        attachments,
        company_name=inputs.company_name,
        signer=platform_signer(world),
        trust_root=world.root,
    )


def test_verify_reports_the_provenance(world: World, inputs: BundleInputs) -> None:
    manifest = manifest_of(bundle_attachments(inputs))
    report = verify_bundle(_signed_with_manifest(world, inputs, manifest), trust_root=world.root)
    assert report.ok, report.pretty()
    detail = next(check.detail for check in report.checks if check.name == "manifest")
    assert detail.startswith(f"{MANIFEST_FORMAT}: case {inputs.case_id}")
    assert detail.endswith("provenance of 8 rule(s) and rate(s), 2 checked against their sources")


def test_verify_reads_a_format_1_manifest(world: World, inputs: BundleInputs) -> None:
    manifest = manifest_of(bundle_attachments(inputs))
    old = {k: v for k, v in manifest.items() if k not in {"provenance", "clock"}}
    old["format"] = "onestop-bundle-manifest/1"
    report = verify_bundle(_signed_with_manifest(world, inputs, old), trust_root=world.root)
    assert report.ok, report.pretty()
    detail = next(check.detail for check in report.checks if check.name == "manifest")
    assert detail.startswith("onestop-bundle-manifest/1: case") and "provenance" not in detail


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"format": "onestop-bundle-manifest/3"}, "is not a manifest of onestop-bundle-manifest/1"),
        ({"provenance": None}, "has no valid provenance section"),
        ({"provenance": {"items": [{"step": "invoice"}]}}, "has no valid provenance section"),
    ],
    ids=["unknown format", "no provenance", "malformed provenance"],
)
def test_verify_refuses_an_unreadable_manifest(
    world: World, inputs: BundleInputs, change: dict[str, Any], expected: str
) -> None:
    manifest = manifest_of(bundle_attachments(inputs)) | change
    report = verify_bundle(_signed_with_manifest(world, inputs, manifest), trust_root=world.root)
    assert not report.ok
    failed = {check.name: check.detail for check in report.checks if not check.ok}
    assert list(failed) == ["manifest"]
    assert expected in failed["manifest"]
