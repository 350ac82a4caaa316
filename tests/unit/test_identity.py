"""Who is calling: bearer credentials on plain ports, partner certificates on the mTLS port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from onestop_common.errors import PermissionDenied, Unauthenticated
from onestop_common.identity import (
    Principal,
    Role,
    bearer,
    issue_token,
    principal_from_context,
    principal_from_metadata,
)
from onestop_common.pki import (
    CrlWatcher,
    PkiStore,
    generate_key,
    issue_partner_certificate,
    issue_tls_certificate,
)

SECRET = "test token secret, long enough for HS256"
KEK = b"test key-encryption key"
CRL_URL = "http://crl.example.test/crl/tls.crl"


class FakeContext:
    """The two things a servicer context tells about the caller."""

    def __init__(
        self, auth: dict[str, list[bytes]], metadata: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._auth = auth
        self._metadata = metadata

    def auth_context(self) -> dict[str, list[bytes]]:
        return self._auth

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata


INSECURE = {"transport_security_type": [b"insecure"]}


def _tls(cert: x509.Certificate) -> dict[str, list[bytes]]:
    # What grpc puts in the auth context after a mutual-TLS handshake.
    common_names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return {
        "transport_security_type": [b"ssl"],
        "x509_common_name": [str(common_names[0].value).encode()],
        "x509_pem_cert": [cert.public_bytes(serialization.Encoding.PEM)],
        "security_level": [b"TSI_PRIVACY_AND_INTEGRITY"],
    }


@pytest.fixture
def store(tmp_path: Path) -> PkiStore:
    pki = PkiStore(tmp_path / "pki", KEK)
    pki.init()
    return pki


@pytest.fixture
def watcher(store: PkiStore) -> CrlWatcher:
    return CrlWatcher(store, "tls")


def _partner_cert(store: PkiStore, partner_id: str, org: str = "") -> x509.Certificate:
    return store.issue_partner(partner_id, org).certificate


def _token(role: Role, subject: str) -> tuple[tuple[str, str], ...]:
    return bearer(issue_token(SECRET, subject=subject, role=role))


def test_plain_port_takes_the_bearer_token(watcher: CrlWatcher) -> None:
    context = FakeContext(INSECURE, _token(Role.OFFICER, "li.ming"))
    assert principal_from_context(context, SECRET, watcher) == Principal("li.ming", Role.OFFICER)
    # Servers without an auth context (or without a partner port) decide the same way.
    assert principal_from_context(FakeContext({}, _token(Role.ENTREPRENEUR, "a")), SECRET) == (
        principal_from_metadata(SECRET, _token(Role.ENTREPRENEUR, "a"))
    )
    with pytest.raises(Unauthenticated, match="no credential"):
        principal_from_context(FakeContext(INSECURE), SECRET, watcher)


def test_a_partner_credential_counts_only_on_the_partner_port(watcher: CrlWatcher) -> None:
    # Else a partner whose certificate is revoked could go round the mTLS port with a token.
    partner = _token(Role.PARTNER, "acme-bank")
    for context in (FakeContext(INSECURE, partner), FakeContext({}, partner)):
        with pytest.raises(Unauthenticated) as caught:
            principal_from_context(context, SECRET, watcher)
        assert "partner port" in caught.value.message and "合作方端口" in caught.value.message_zh
    with pytest.raises(Unauthenticated):
        principal_from_metadata(SECRET, partner)  # the services' plain ports decide the same
    assert principal_from_metadata(SECRET, partner, partner_port=True).subject == "acme-bank"


def test_the_gateways_partner_credential_counts_while_its_certificate_is_not_revoked(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    # The HTTP/JSON gateway checked the client certificate and names its serial in the credential.
    cert = _partner_cert(store, "acme-bank", "Acme Bank")
    via_gateway = bearer(
        issue_token(
            SECRET,
            subject="acme-bank",
            role=Role.PARTNER,
            certificate_serial=cert.serial_number,
            ttl=timedelta(seconds=60),
        )
    )
    principal = principal_from_context(FakeContext(INSECURE, via_gateway), SECRET, watcher)
    assert (principal.subject, principal.role) == ("acme-bank", Role.PARTNER)
    assert principal.certificate_serial == cert.serial_number
    # A server that follows no partner revocation list (a service's plain port) refuses it.
    with pytest.raises(Unauthenticated, match="partner port"):
        principal_from_metadata(SECRET, via_gateway)

    store.revoke_partner(cert.serial_number, "key lost")
    with pytest.raises(Unauthenticated, match="revoked"):
        principal_from_context(FakeContext(INSECURE, via_gateway), SECRET, watcher)


def test_partner_is_named_by_its_certificate_without_a_token(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    cert = _partner_cert(store, "acme-bank", "Acme Bank 股份有限公司")
    principal = principal_from_context(FakeContext(_tls(cert)), SECRET, watcher)
    assert principal == Principal("acme-bank", Role.PARTNER, org="Acme Bank 股份有限公司")


def test_a_token_for_the_same_partner_is_accepted_and_any_other_refused(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    auth = _tls(_partner_cert(store, "acme-bank"))
    same = FakeContext(auth, _token(Role.PARTNER, "acme-bank"))
    assert principal_from_context(same, SECRET, watcher).subject == "acme-bank"
    for role, subject in ((Role.OFFICER, "acme-bank"), (Role.ADMIN, "root"), (Role.PARTNER, "b")):
        context = FakeContext(auth, _token(role, subject))
        with pytest.raises(PermissionDenied) as caught:
            principal_from_context(context, SECRET, watcher)
        assert "does not match the client certificate" in caught.value.message
        assert "客户端证书" in caught.value.message_zh
    forged = FakeContext(
        auth,
        bearer(issue_token("another platform's secret, also long", subject="x", role=Role.ADMIN)),
    )
    with pytest.raises(Unauthenticated):
        principal_from_context(forged, SECRET, watcher)


def test_a_revoked_certificate_is_refused_as_soon_as_the_crl_changes(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    revoked = store.issue_partner("acme-bank")
    other = _partner_cert(store, "globex")
    assert principal_from_context(FakeContext(_tls(revoked.certificate)), SECRET, watcher)
    store.revoke_partner(revoked.serial, "key lost")
    with pytest.raises(Unauthenticated) as caught:
        principal_from_context(FakeContext(_tls(revoked.certificate)), SECRET, watcher)
    assert "revoked" in caught.value.message and "吊销" in caught.value.message_zh
    assert principal_from_context(FakeContext(_tls(other)), SECRET, watcher).subject == "globex"


def test_certificates_that_are_not_partner_certificates_are_refused(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    now = datetime.now(UTC)
    # The TLS server's own certificate chains to the platform too, but is no client.
    server = store.load_certificate("tls-server")
    # A client certificate from another CA of the platform (the registration authority's).
    registration = store.load_identity("registration")
    elsewhere = issue_partner_certificate(
        registration,
        generate_key().public_key(),
        partner_id="acme-bank",
        not_before=now,
        not_after=now + timedelta(days=1),
        crl_url=CRL_URL,
    )
    # From the TLS CA, but for servers only.
    server_only = issue_tls_certificate(
        store.load_identity("tls"),
        generate_key().public_key(),
        common_name="acme-bank",
        not_before=now,
        not_after=now + timedelta(days=1),
        crl_url=CRL_URL,
    )
    for cert in (server, elsewhere, server_only):
        with pytest.raises(Unauthenticated, match="not a partner certificate"):
            principal_from_context(FakeContext(_tls(cert)), SECRET, watcher)


def test_tls_without_a_client_certificate_or_partner_trust_is_refused(
    store: PkiStore, watcher: CrlWatcher
) -> None:
    with pytest.raises(Unauthenticated, match="partner client certificates only"):
        principal_from_context(FakeContext({"transport_security_type": [b"ssl"]}), SECRET, watcher)
    cert = _partner_cert(store, "acme-bank")
    with pytest.raises(Unauthenticated, match="partner client certificates only"):
        principal_from_context(FakeContext(_tls(cert)), SECRET, None)
