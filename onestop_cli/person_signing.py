"""The demo's stand-ins for the persons an application names: each confirms and signs the case
as the portal lets a person do after real-name sign-in (here with a credential carrying the
person's verified ID number, as the identity provider's sign-in gives the portal)."""

from __future__ import annotations

from collections.abc import Callable

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.identity import Role, bearer, issue_token
from orchestrator.signatures import persons_to_sign, role_text


def person_credential(token_secret: str, name: str, id_number: str) -> tuple[tuple[str, str], ...]:
    """What the portal sends for a person signed in through the real-name provider."""
    token = issue_token(
        token_secret,
        subject=f"person-{id_number[-6:]}",
        role=Role.ENTREPRENEUR,
        name=name,
        person_id=id_number,
    )
    return bearer(token)


def sign_as_persons(
    stub: pb_grpc.OneStopServiceStub,
    token_secret: str,
    case_id: str,
    form: application_pb2.ApplicationForm,
    say: Callable[[str], None] | None = None,
) -> pb.Application | None:
    """Every person of ``form`` reads the application and signs it; the case as the last
    signature left it (None when nobody had to sign)."""
    application = None
    for person in persons_to_sign(form):
        metadata = person_credential(token_secret, person.name, person.id_number)
        shown = stub.GetApplicationToSign(
            pb.GetApplicationToSignRequest(case_id=case_id), metadata=metadata, timeout=60
        )
        if shown.request.state != pb.SIGNATURE_STATE_WAITING:
            continue
        signed = stub.SignApplication(
            pb.SignApplicationRequest(case_id=case_id, form_sha256=shown.form_sha256),
            metadata=metadata,
            timeout=60,
        )
        application = signed.application
        if say:
            say(f"  signed by {person.name} ({role_text(person.roles, 'en')})")
    return application


def awaits_signatures(application: pb.Application) -> bool:
    return application.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
