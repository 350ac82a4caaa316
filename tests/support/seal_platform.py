"""Helpers for the seal service's integration tests: a seal service as a real process (with the
platform signing server beside it) and the calls the saga, the seal maker, owners and
authorised users make to it."""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.pki import PkiStore
from onestop_common.protoconv import rejections_from_status, timestamp
from onestop_common.settings import Settings
from svc_seal.impression import SealKind
from tests.support.identities import new_uscc
from tests.support.infra import PlatformFactory, fresh_platform, settings_for, signing_server
from tests.support.participant import CommandDriver, channel_to, credential, nameko_rpc
from tests.unit.test_seal_impression import regen

Outcome = common_pb2.Outcome
K = application_pb2
STANDARD = (K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE, K.SEAL_KIND_INVOICE, K.SEAL_KIND_LEGAL_REP)
KIND_NAMES = {
    K.SEAL_KIND_OFFICIAL: SealKind.OFFICIAL,
    K.SEAL_KIND_FINANCE: SealKind.FINANCE,
    K.SEAL_KIND_INVOICE: SealKind.INVOICE,
    K.SEAL_KIND_LEGAL_REP: SealKind.LEGAL_REP,
    K.SEAL_KIND_CONTRACT: SealKind.CONTRACT,
}
MAKER = "001"
SEAL_RED = (0xD0, 0, 0)


@dataclass
class SealPlatform:
    settings: Settings
    driver: CommandDriver
    channel: grpc.Channel
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    @property
    def service(self) -> seal_pb2_grpc.SealServiceStub:
        return seal_pb2_grpc.SealServiceStub(self.channel)

    @property
    def desk(self) -> seal_pb2_grpc.SealDeskStub:
        return seal_pb2_grpc.SealDeskStub(self.channel)

    def maker(self, org: str = MAKER, subject: str = "maker-wang") -> Any:
        return credential(self.settings, "seal_maker", subject, org=org)

    def owner(self, applicant: str) -> Any:
        return credential(self.settings, "entrepreneur", applicant)

    def deadline(self, workdays: str) -> common_pb2.Deadline:
        now = self.settings.clock().now()
        due = self.calendar.add_working_time(now, Decimal(workdays))
        deadline = common_pb2.Deadline(limit_workdays=workdays)
        deadline.started_at.CopyFrom(timestamp(now))
        deadline.due_at.CopyFrom(timestamp(due))
        deadline.warn_at.CopyFrom(timestamp(self.calendar.warning_at(now, due)))
        return deadline

    def order(
        self,
        uscc: str,
        kinds: tuple[int, ...] = STANDARD,
        *,
        applicant: str = "alice",
        physical: bool = True,
        electronic: bool = True,
        company: str = regen.SAMPLE_COMPANY,
        person: str = regen.SAMPLE_PERSON,
        workdays: str = "0.5",
        case_id: str = "",
    ) -> tuple[str, str, Any]:
        """Sends IssueSeals as the saga does; returns (idempotency key, case id, first result)."""
        case_id = case_id or f"OS-SEAL-{uuid.uuid4().hex[:8].upper()}"
        request = seal_pb2.IssueSealsRequest(
            uscc=uscc,
            company_name=company,
            legal_representative_name=person,
            division_code="120115",
            seals=[K.SealRequest(kind=k, physical=physical, electronic=electronic) for k in kinds],
        )
        key = self.driver.send(
            "seal",
            "IssueSeals",
            request,
            case_id=case_id,
            step="seal",
            applicant_id=applicant,
            deadline=self.deadline(workdays),
        )
        return key, case_id, self.driver.result(key)

    def complete(self, key: str, task_id: str) -> seal_pb2.IssueSealsResponse:
        self.desk.ClaimTask(desk_pb2.ClaimTaskRequest(task_id=task_id), metadata=self.maker())
        self.desk.MarkEngraved(seal_pb2.MarkEngravedRequest(task_id=task_id), metadata=self.maker())
        self.desk.CompleteTask(seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=self.maker())
        return self.driver.result(key, outcome=Outcome.OUTCOME_DONE)  # type: ignore[no-any-return]

    def company_with_seals(self, applicant: str = "alice", **kw: Any) -> tuple[str, str, Any]:
        uscc = new_uscc()
        key, case_id, first = self.order(uscc, applicant=applicant, **kw)
        assert first.status.outcome == Outcome.OUTCOME_ACCEPTED
        return uscc, case_id, self.complete(key, first.status.task_id)

    def authorise(
        self,
        uscc: str,
        subject: str,
        *,
        owner: str,
        kinds: tuple[int, ...] = (),
        valid_until: datetime | None = None,
        note: str = "",
    ) -> seal_pb2.Signer:
        request = seal_pb2.AuthoriseSignerRequest(
            uscc=uscc, subject=subject, kinds=kinds, note=note
        )
        if valid_until is not None:
            request.valid_until.CopyFrom(timestamp(valid_until))
        return self.service.AuthoriseSigner(request, metadata=self.owner(owner)).signer

    def sign_as(
        self, who: str, uscc: str, pdf: bytes, kind: int = K.SEAL_KIND_OFFICIAL, **fields: Any
    ) -> seal_pb2.SignPdfResponse:
        values: dict[str, Any] = {"x": 300, "y": 120}
        request = seal_pb2.SignPdfRequest(uscc=uscc, kind=kind, pdf=pdf, **(values | fields))
        return self.service.SignPdf(request, metadata=self.owner(who))  # type: ignore[no-any-return]

    def signers(self, uscc: str, who: str, *, include_revoked: bool = False) -> list[Any]:
        request = seal_pb2.ListSignersRequest(uscc=uscc, include_revoked=include_revoked)
        return list(self.service.ListSigners(request, metadata=self.owner(who)).signers)

    def usages(self, uscc: str, who: str, page_size: int = 0) -> list[Any]:
        found, token = [], ""
        while True:
            page = self.service.ListSealUsages(
                seal_pb2.ListSealUsagesRequest(uscc=uscc, page_size=page_size, page_token=token),
                metadata=self.owner(who),
            )
            found += page.usages
            token = page.next_page_token
            if not token:
                return found

    def revoke(self, case_id: str, round_: int = 1) -> seal_pb2.RevokeSealsResponse:
        key = self.driver.send(
            "seal",
            "RevokeSeals",
            seal_pb2.RevokeSealsRequest(reason="the bank refused the account"),
            case_id=case_id,
            step="seal",
            key=f"{case_id}:seal:RevokeSeals:{round_}",
        )
        return self.driver.result(key)  # type: ignore[no-any-return]

    def event_for(self, case_id: str, routing_key: str) -> Any:
        deadline = time.monotonic() + 20
        while True:
            events = self.driver.events(routing_key, timeout=max(0.1, deadline - time.monotonic()))
            mine = [e for e in events if e.headers.get(m.H_CASE) == case_id]
            if mine:
                return m.decode_body(mine[-1].proto_type, mine[-1].body)
            count = len(events) + 1
            events = self.driver.events(
                routing_key, timeout=max(0.1, deadline - time.monotonic()), count=count
            )

    def http_crl(self) -> bytes:
        with urllib.request.urlopen(f"{self.settings.crl_base_url}/seal.crl", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/pkix-crl"
            return r.read()  # type: ignore[no-any-return]

    def pki(self) -> PkiStore:
        return PkiStore(self.settings.pki_dir, self.settings.kek)

    def root_crl(self) -> bytes:
        with urllib.request.urlopen(f"{self.settings.crl_base_url}/root.crl", timeout=10) as r:
            return r.read()  # type: ignore[no-any-return]

    def looked_up_filing(self, seal_code: str) -> seal_pb2.LookUpSealFilingResponse:
        """The bank's lookup: the seal_filing RPC with a serialized LookUpSealFilingRequest. In
        nameko's json the bytes travel as kombu encodes them: base64, or text when UTF-8."""
        asked = seal_pb2.LookUpSealFilingRequest(seal_code=seal_code).SerializeToString()
        packed = {"__type__": "base64", "__value__": base64.b64encode(asked).decode()}
        reply = nameko_rpc(self.settings, "seal", "seal_filing", packed, timeout=10)
        if reply["__type__"] == "bytes":
            answer = reply["__value__"].encode("utf-8")
        else:
            assert reply["__type__"] == "base64", reply
            answer = base64.b64decode(reply["__value__"])
        return seal_pb2.LookUpSealFilingResponse.FromString(answer)


@contextmanager
def start_seal_service(factory: PlatformFactory, **extra: str) -> Iterator[SealPlatform]:
    settings = settings_for(factory.env(**extra))
    # The PKI and the signing server exist before the service, as under `onestop up`.
    with signing_server(settings):
        supervisor = factory.start(("seal",), **extra)
        driver = CommandDriver(supervisor.settings)
        channel = channel_to(supervisor.settings, "seal")
        try:
            yield SealPlatform(supervisor.settings, driver, channel)
        finally:
            channel.close()
            driver.close()
            factory.stop()


@contextmanager
def seal_service(tmp: Path, **extra: str) -> Iterator[SealPlatform]:
    """A seal service on a fresh vhost and fresh databases under ``tmp``."""
    with fresh_platform(tmp) as factory, start_seal_service(factory, **extra) as found:
        yield found


def grpc_error(call: Any) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found = [] if status is None else [(r.field, r.rule) for r in rejections_from_status(status)]
    return error.code(), found  # type: ignore[attr-defined]
