"""Granting the license: its printed facts, and registering USCC, license, name and commitment
in the caller's transaction once the license is signed."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime
from decimal import Decimal

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.participant import UnitOfWork
from svc_registration import domain, grpc_api, store
from svc_registration.actions.env import Env
from svc_registration.actions.signing import NeedsSignature
from svc_registration.domain import Application
from svc_registration.models import CommittedMaterialRow, License

log = logging.getLogger(__name__)


def license_facts(
    app: Application, env: Env, uscc: str, number: str, version: int = 1
) -> domain.LicenseFacts:
    wordings = [domain.normalise_wording(item.name_zh) for item in app.scope]
    return domain.LicenseFacts(
        uscc=uscc,
        license_number=number,
        company_name=app.name.full,
        enterprise_type=app.enterprise_type,
        legal_representative=app.legal_representative.name.strip(),
        registered_capital=Decimal(app.capital_amount.strip()),
        date_of_establishment=env.today,
        operating_term_years=app.operating_term_years,
        domicile=app.domicile.text,
        business_scope=domain.business_scope_text(wordings, env.ref),
        registration_authority=domain.REGISTRATION_AUTHORITY_ZH,
        issued_on=env.today,
        qr_payload=domain.qr_payload(env.settings.verification_base_url, uscc, number, version),
    )


def _new_license_number(env: Env) -> str:
    return domain.license_number_for(
        domain.REGISTRATION_AREA, env.today, secrets.token_hex(3).upper()
    )


def grant(
    uow: UnitOfWork,
    env: Env,
    ctx: common_pb2.CommandContext,
    app: Application,
    form: application_pb2.ApplicationForm,
    *,
    decided_by: str,
    committed_at: datetime | None,
) -> tuple[License, list[CommittedMaterialRow]]:
    """Registers the USCC, stores the signed license, registers the name, opens the commitment,
    and announces LicenseIssued: all in the caller's transaction. Without a matching signed
    license (``env.prepared``) it asks for one (:class:`NeedsSignature`).

    ``committed_at`` is when the applicant made the commitment (see
    ``domain.commitment_made_at``): its 60 days run from that day, not from this grant.
    """
    if app.commitment.used and committed_at is None:
        raise ValueError(f"case {ctx.case_id}: a commitment needs the time it was made")
    session = uow.session
    prepared = env.prepared
    if prepared is None or prepared.case_id != ctx.case_id:
        uscc = store.draw_uscc(session, app.enterprise_type)
        raise NeedsSignature(ctx.case_id, license_facts(app, env, uscc, _new_license_number(env)))
    facts = prepared.facts
    if facts != license_facts(app, env, facts.uscc, facts.license_number):
        # The form or the date changed since it was signed: sign what is true now.
        raise NeedsSignature(ctx.case_id, license_facts(app, env, facts.uscc, facts.license_number))
    if not store.reserve_uscc(session, facts.uscc, ctx.case_id, env.now):
        uscc = store.draw_uscc(session, app.enterprise_type)
        raise NeedsSignature(ctx.case_id, license_facts(app, env, uscc, facts.license_number))
    pdf, uscc, number, capital = (
        prepared.pdf,
        facts.uscc,
        facts.license_number,
        facts.registered_capital,
    )
    terms = domain.commitment_terms(committed_at) if app.commitment.used and committed_at else None
    due = terms.due_at if terms else None
    row = License(
        uscc=uscc,
        case_id=ctx.case_id,
        applicant_id=ctx.applicant_id,
        license_number=number,
        company_name=facts.company_name,
        enterprise_type=app.enterprise_type.value,
        legal_representative=facts.legal_representative,
        legal_rep_id_type=app.legal_representative.id_type.value,
        legal_rep_id_number=app.legal_representative.id_number,
        registered_capital=format(capital, "f"),
        currency=domain.CURRENCY,
        date_of_establishment=env.today,
        operating_term_years=app.operating_term_years,
        operating_term=facts.term_text,
        domicile=facts.domicile,
        division_code=app.domicile.division_code,
        business_scope=facts.business_scope,
        registration_authority=facts.registration_authority,
        issued_at=env.now,
        decided_by=decided_by,
        qr_payload=facts.qr_payload,
        status="valid",
        revocation_reason="",
        commitment_state="open" if terms else "none",
        committed_at=terms.committed_at if terms else None,
        commitment_due_at=due,
        form=form.SerializeToString(deterministic=True),
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    store.add_license(session, row)
    store.settle_names(session, ctx.case_id, store.REGISTERED, env.now)
    materials = [
        CommittedMaterialRow(
            case_id=ctx.case_id,
            uscc=uscc,
            code=m.code,
            name_zh=m.name_zh,
            name_en=m.name_en,
            state="outstanding",
            due_at=due,
        )
        for m in app.commitment.materials
    ]
    session.add_all(materials)
    session.flush()
    message = grpc_api.license_message(row, materials)
    uow.emit_event(
        pb.LicenseIssued(case_id=ctx.case_id, license=message), "LicenseIssued", case_id=ctx.case_id
    )
    log.info("case %s: license %s issued by %s", ctx.case_id, uscc, decided_by)
    if terms is not None:
        log.info(
            "case %s: commitment made %s, materials due by the end of %s (granted %s)",
            ctx.case_id,
            terms.committed_at.isoformat(),
            terms.last_day.isoformat(),
            env.now.isoformat(),
        )
    return row, materials
