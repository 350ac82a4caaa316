"""What a bundle is made from: the inputs the caller gathers and the names fixed in the file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2

SIGNATURE_FIELD = "OneStopPlatform"
# The application as every person it names signed it (orchestrator.bundle.application).
APPLICATION_NAME = "application-signed.pdf"
MANIFEST_NAME = "manifest.json"
LICENSE_NAME = "license.pdf"
CERTIFICATE_DIR = "certificates/"
CRL_DIR = "crls/"


class BundleError(ValueError):
    """The inputs cannot make a bundle; the message names what is wrong."""


@dataclass(frozen=True)
class StepTiming:
    """One saga step's business time: its limit and the working hours it actually took."""

    name: str
    title_zh: str
    limit_workdays: Decimal
    started_at: datetime
    finished_at: datetime
    working_hours: Decimal


@dataclass(frozen=True)
class PersonSigned:
    """One person's confirmation of the application, as the case recorded it."""

    name: str
    masked_id_number: str
    roles: tuple[str, ...]
    signed_at: datetime
    certificate_serial: str
    field_name: str


@dataclass(frozen=True)
class BundleInputs:
    """Everything a bundle shows and embeds; ``license_pdf`` is the authority's signed original.

    ``certificates`` maps a name to a certificate (DER or PEM): the CA certificates and the seal
    certificates (a seal's own ``certificate_pem`` is embedded too if no entry holds it).
    ``crls`` maps a name to a DER CRL: every CA whose certificates appear (root, registration,
    seal, platform, tsa) so the bundle verifies offline.

    The times (``submitted_at``, ``completed_at``, the timings) are business-clock times.
    ``business_clock_speed`` is how many times faster than the wall clock that clock ran for
    this case (1 in production; a demo runs faster); None when the caller does not know.
    """

    case_id: str
    company_name: str
    submitted_at: datetime
    completed_at: datetime
    case_limit_workdays: Decimal
    case_working_hours: Decimal
    timings: tuple[StepTiming, ...]
    form: application_pb2.ApplicationForm
    license: registration_pb2.License
    license_pdf: bytes
    seals: tuple[seal_pb2.Seal, ...]
    taxpayer: invoice_pb2.Taxpayer
    employer: social_insurance_pb2.Employer
    account: bank_pb2.Account
    certificates: Mapping[str, bytes]
    crls: Mapping[str, bytes]
    business_clock_speed: float | None = None
    # The application PDF with every named person's signature, and who signed it when; empty
    # when the platform asked for no signatures.
    signed_application: bytes = b""
    person_signatures: tuple[PersonSigned, ...] = ()
    # The portal's public verification page of the license (onestop_common.verification);
    # empty: the license's own QR payload when that is a web address.
    verification_url: str = ""

    @property
    def public_url(self) -> str:
        """Where a reader checks the license's current status; empty when nothing says."""
        if self.verification_url:
            return self.verification_url
        payload = self.license.qr_payload
        return payload if payload.startswith(("https://", "http://")) else ""
