"""The seal service's use cases, each one state change in one unit of work: order a seal set,
the seal maker's desk (accept, engrave, complete, reject), revoke a case's seals, keep the seal
CA's CRL fresh, authorise users to sign, and seal a PDF with an electronic seal (entered in the
seal usage register).

``env`` holds what every use case needs, ``saga`` IssueSeals, CheckApplication and RevokeSeals,
``seal_maker`` the seal maker's desk, ``crl`` the CRL, ``reading`` seals and police filings,
``signers`` authorised users and the usage register, ``sealing`` SignPdf. Every name is
importable from here.
"""

from svc_seal.actions.crl import (
    CrlCopy,
    current_crl,
    current_crl_number,
    fresh_crl,
    get_crl,
    issue_crl,
)
from svc_seal.actions.env import Env, business_calendar
from svc_seal.actions.reading import list_seals, seal_filing
from svc_seal.actions.saga import (
    AUTO_DECISION,
    TASK_KIND,
    TASK_PREFIX,
    check_application,
    issue_seals,
    revoke_seals,
    seal_maker_name,
)
from svc_seal.actions.seal_maker import (
    claim_task,
    complete_task,
    get_task,
    list_tasks,
    mark_engraved,
    reject_task,
)
from svc_seal.actions.sealing import sign_pdf
from svc_seal.actions.signers import authorise_signer, list_seal_usages, list_signers, revoke_signer

__all__ = [
    "AUTO_DECISION",
    "TASK_KIND",
    "TASK_PREFIX",
    "CrlCopy",
    "Env",
    "authorise_signer",
    "business_calendar",
    "check_application",
    "claim_task",
    "complete_task",
    "current_crl",
    "current_crl_number",
    "fresh_crl",
    "get_crl",
    "get_task",
    "issue_crl",
    "issue_seals",
    "list_seal_usages",
    "list_seals",
    "list_signers",
    "list_tasks",
    "mark_engraved",
    "reject_task",
    "revoke_seals",
    "revoke_signer",
    "seal_filing",
    "seal_maker_name",
    "sign_pdf",
]
