"""What each registration entrypoint does, inside the one transaction the service opens for it:
decode, apply the domain's rules, write through the store, stage events and saga results.

Saga actions run under ``run_saga_action`` (a repeated command gets the stored result and no
second effect); a staff decision that finishes a saga step later emits that step's result with
the command context stored on its task.

One module per area; this package exports what the service calls:

- ``env``: :class:`Env`, what every handler gets besides its request
- ``assessment``: the form assessed (rules, name holds, credit list, automatic decision)
- ``review``: the officer's review task and the step status of a case waiting on it
- ``signing``: signing the license outside the transaction, and RETRY when PKI or TSA is down
- ``granting``: the license's facts and the grant itself
- ``issue``, ``correct``, ``supply``, ``revoke``: the saga actions IssueLicense,
  ApplyCorrection, SupplyMaterial and RevokeLicense
- ``change``: ChangeLicense, a change registration (变更登记), and the officer's decision on it
- ``checks``: ValidateApplication, CheckApplication, CheckName
- ``licenses``: reading licenses and their public status
- ``tasks``: the officer's desk and ExplainDecision
- ``credit``: the bad-credit list
"""

from svc_registration.actions.assessment import Assessment, assess
from svc_registration.actions.change import CHANGE_TASK_PREFIX, change_license
from svc_registration.actions.checks import (
    check_application,
    check_name,
    read_only,
    rule_set,
    validate_application,
)
from svc_registration.actions.correct import apply_correction
from svc_registration.actions.credit import add_credit, list_credit, remove_credit
from svc_registration.actions.env import Env
from svc_registration.actions.granting import grant, license_facts
from svc_registration.actions.issue import issue_license
from svc_registration.actions.licenses import get_license, get_license_status
from svc_registration.actions.review import TASK_PREFIX, submitted_at
from svc_registration.actions.revoke import revoke_license
from svc_registration.actions.signing import (
    NeedsSignature,
    PreparedLicense,
    prepare_license,
    retry_later,
)
from svc_registration.actions.supply import MATERIAL_TASK_PREFIX, supply_material
from svc_registration.actions.tasks import (
    approve_task,
    claim_task,
    explain_decision,
    get_task,
    list_tasks,
    reject_task,
    request_correction,
)

__all__ = [
    "CHANGE_TASK_PREFIX",
    "MATERIAL_TASK_PREFIX",
    "TASK_PREFIX",
    "Assessment",
    "Env",
    "NeedsSignature",
    "PreparedLicense",
    "add_credit",
    "apply_correction",
    "approve_task",
    "assess",
    "change_license",
    "check_application",
    "check_name",
    "claim_task",
    "explain_decision",
    "get_license",
    "get_license_status",
    "get_task",
    "grant",
    "issue_license",
    "license_facts",
    "list_credit",
    "list_tasks",
    "prepare_license",
    "read_only",
    "reject_task",
    "remove_credit",
    "request_correction",
    "retry_later",
    "revoke_license",
    "rule_set",
    "submitted_at",
    "supply_material",
    "validate_application",
]
