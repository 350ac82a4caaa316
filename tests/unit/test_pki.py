"""The platform PKI: hierarchy, certificate profiles, CRLs, and key protection."""

from __future__ import annotations

import shutil
import stat
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from onestop_common.pki import (
    CA_NAMES,
    END_ENTITIES,
    INTERMEDIATE_CAS,
    KeyAlgorithm,
    PkiError,
    PkiStore,
    RevokedEntry,
    SigningIdentity,
    build_crl,
    generate_key,
    issue_seal_certificate,
    load_private_key,
    serialize_private_key,
)

KEK = b"test key-encryption key"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CRL_BASE = "http://crl.example.test:8470/crl"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiStore:
    store = PkiStore(tmp_path_factory.mktemp("pki") / "pki", KEK)
    store.init(now=NOW, crl_base_url=CRL_BASE)
    return store


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def _crl_urls(cert: x509.Certificate) -> list[str]:
    points = _ext(cert, x509.CRLDistributionPoints).value
    return [name.value for point in points for name in point.full_name]


def test_init_writes_every_file_with_private_keys_owner_only(pki: PkiStore) -> None:
    files = {path.name for path in pki.directory.iterdir()}
    assert set(pki.expected_files()) == files
    assert {"root.pem", "root.key.pem", "seal.crl.der", "tsa-signer.key.pem"} <= files
    for path in pki.directory.glob("*.key.pem"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_init_is_idempotent(pki: PkiStore) -> None:
    before = {p.name: p.read_bytes() for p in pki.directory.iterdir()}
    PkiStore(pki.directory, KEK).init(algorithm=KeyAlgorithm.RSA_2048)
    assert {p.name: p.read_bytes() for p in pki.directory.iterdir()} == before


def test_partial_pki_is_refused(pki: PkiStore, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(pki.directory, partial)
    (partial / "platform-signer.key.pem").unlink()
    with pytest.raises(PkiError, match="incomplete"):
        PkiStore(partial, KEK).init()


def test_wrong_kek_names_the_fix_and_leaks_no_key_material(pki: PkiStore) -> None:
    key_pem = (pki.directory / "registration-signer.key.pem").read_bytes()
    secret = pki.load_identity("registration-signer").private_key
    assert isinstance(secret, ec.EllipticCurvePrivateKey)
    with pytest.raises(PkiError) as caught:
        PkiStore(pki.directory, b"not the kek").load_identity("registration-signer")
    message = str(caught.value)
    assert "key-encryption key does not open" in message
    assert "ONESTOP_KEK" in message
    assert "not the kek" not in message and KEK.decode() not in message
    assert "BEGIN" not in message and key_pem.decode()[40:80] not in message
    assert str(secret.private_numbers().private_value) not in message
    assert caught.value.__suppress_context__


def test_reinit_with_wrong_kek_fails_early(pki: PkiStore) -> None:
    with pytest.raises(PkiError, match="ONESTOP_KEK"):
        PkiStore(pki.directory, b"wrong").init()


def test_identity_repr_hides_the_key(pki: PkiStore) -> None:
    identity = pki.load_identity("platform-signer")
    text = repr(identity)
    assert "Platform Bundle Signer" in text
    assert str(identity.private_key.private_numbers().private_value) not in text  # type: ignore[union-attr]
    assert "private" not in text.lower()


def test_hierarchy_and_ca_profiles(pki: PkiStore) -> None:
    root = pki.root_certificate()
    assert root.issuer == root.subject
    root.verify_directly_issued_by(root)
    assert _ext(root, x509.BasicConstraints).value.path_length == 1
    assert not root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).critical
    for name in INTERMEDIATE_CAS:
        ca = pki.load_certificate(name)
        ca.verify_directly_issued_by(root)
        constraints = _ext(ca, x509.BasicConstraints)
        assert constraints.critical and constraints.value.ca
        assert constraints.value.path_length == 0
        usage = _ext(ca, x509.KeyUsage)
        assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
        assert not usage.value.digital_signature
        assert _crl_urls(ca) == [f"{CRL_BASE}/root.crl"]
        aki = _ext(ca, x509.AuthorityKeyIdentifier).value.key_identifier
        assert aki == _ext(root, x509.SubjectKeyIdentifier).value.digest
        assert ca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
        assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
            "OneStop Platform"
        )


@pytest.mark.parametrize(
    ("name", "issuer"),
    [("registration-signer", "registration"), ("platform-signer", "platform")],
)
def test_document_signer_profile(pki: PkiStore, name: str, issuer: str) -> None:
    cert = pki.load_certificate(name)
    ca = pki.load_certificate(issuer)
    cert.verify_directly_issued_by(ca)
    constraints = _ext(cert, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert _ext(cert, x509.SubjectKeyIdentifier).value.digest
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == _ext(ca, x509.SubjectKeyIdentifier).value.digest
    assert _crl_urls(cert) == [f"{CRL_BASE}/{issuer}.crl"]
    identity = pki.load_identity(name)
    assert identity.chain == (ca,)
    assert identity.algorithm is KeyAlgorithm.ECDSA_P256


def test_tsa_signer_is_rsa_with_critical_timestamping_only(pki: PkiStore) -> None:
    identity = pki.load_identity("tsa-signer")
    assert identity.algorithm is KeyAlgorithm.RSA_2048
    assert isinstance(identity.private_key, rsa.RSAPrivateKey)
    eku = _ext(identity.certificate, x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_tls_server_certificate_names_localhost(pki: PkiStore) -> None:
    cert = pki.load_certificate("tls-server")
    cert.verify_directly_issued_by(pki.load_certificate("tls"))
    san = _ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [IPv4Address("127.0.0.1")]
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert _ext(cert, x509.KeyUsage).value.digital_signature


def test_validity_periods(pki: PkiStore) -> None:
    def years(name: str) -> float:
        cert = pki.load_certificate(name)
        return (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365

    assert round(years("root")) == 20
    assert all(round(years(name)) == 10 for name in INTERMEDIATE_CAS)
    assert round(years("registration-signer")) == 3
    assert pki.root_certificate().not_valid_before_utc <= NOW


def test_initial_crls_are_empty_and_signed_by_their_ca(pki: PkiStore) -> None:
    for name in CA_NAMES:
        crl = pki.load_crl(name)
        assert len(crl) == 0
        assert crl.is_signature_valid(pki.load_certificate(name).public_key())  # type: ignore[arg-type]
        assert crl.next_update_utc == NOW + timedelta(days=30)
        assert _crl_number(crl) == 1


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_every_identity_loads(pki: PkiStore) -> None:
    for name in (*CA_NAMES, *END_ENTITIES):
        identity = pki.load_identity(name)
        assert identity.certificate == pki.load_certificate(name)
        assert pki.root_certificate() not in identity.chain
    with pytest.raises(PkiError, match="unknown PKI identity"):
        pki.load_identity("nobody")


def _seal(pki: PkiStore, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> x509.Certificate:
    return issue_seal_certificate(
        pki.load_identity("seal"),
        key.public_key(),
        company_name="天津宝坻示例科技有限公司",
        uscc="91120224MA05XXXX1X",
        seal_type="公章",
        seal_code="1202240012345",
        not_before=NOW,
        not_after=NOW + timedelta(days=5 * 365),
        crl_url=f"{CRL_BASE}/seal.crl",
    )


def test_seal_certificate_names_company_uscc_type_and_code(pki: PkiStore) -> None:
    cert = _seal(pki, generate_key())
    cert.verify_directly_issued_by(pki.load_certificate("seal"))

    def attr(oid: x509.ObjectIdentifier) -> str:
        return str(cert.subject.get_attributes_for_oid(oid)[0].value)

    assert attr(NameOID.COUNTRY_NAME) == "CN"
    assert attr(NameOID.ORGANIZATION_NAME) == "天津宝坻示例科技有限公司"
    assert attr(NameOID.SERIAL_NUMBER) == "91120224MA05XXXX1X"
    assert attr(NameOID.COMMON_NAME) == "天津宝坻示例科技有限公司 公章"
    assert attr(NameOID.ORGANIZATIONAL_UNIT_NAME) == "1202240012345"
    usage = _ext(cert, x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not _ext(cert, x509.BasicConstraints).value.ca
    assert _crl_urls(cert) == [f"{CRL_BASE}/seal.crl"]
    assert 0 < cert.serial_number < 2**159


def test_seal_certificate_cannot_outlive_its_ca(pki: PkiStore) -> None:
    with pytest.raises(PkiError, match="outlive"):
        issue_seal_certificate(
            pki.load_identity("seal"),
            generate_key().public_key(),
            company_name="X",
            uscc="91120224MA05XXXX1X",
            seal_type="公章",
            seal_code="1",
            not_before=NOW,
            not_after=NOW + timedelta(days=30 * 365),
            crl_url=f"{CRL_BASE}/seal.crl",
        )


def test_build_crl_lists_revoked_serials_with_reasons(pki: PkiStore) -> None:
    ca = pki.load_identity("seal")
    revoked = [
        RevokedEntry(1234, NOW, x509.ReasonFlags.cessation_of_operation),
        RevokedEntry(5678, NOW),
    ]
    crl = build_crl(ca, revoked, this_update=NOW, next_update=NOW + timedelta(days=7), crl_number=2)
    assert crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]
    assert _crl_number(crl) == 2
    assert crl.issuer == ca.certificate.subject
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _ext(ca.certificate, x509.SubjectKeyIdentifier).value.digest
    first = crl.get_revoked_certificate_by_serial_number(1234)
    assert first is not None
    reason = first.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.cessation_of_operation
    second = crl.get_revoked_certificate_by_serial_number(5678)
    assert second is not None and len(second.extensions) == 0


def test_renew_crl_publishes_the_next_number(pki: PkiStore, tmp_path: Path) -> None:
    store_dir = tmp_path / "copy"
    shutil.copytree(pki.directory, store_dir)
    store = PkiStore(store_dir, KEK)
    later = NOW + timedelta(days=20)
    store.renew_crl("seal", [RevokedEntry(42, later)], now=later)
    renewed = store.load_crl("seal")
    assert renewed.get_revoked_certificate_by_serial_number(42) is not None
    assert _crl_number(renewed) == 2
    assert renewed.next_update_utc == later + timedelta(days=30)
    assert _crl_number(store.renew_crl("root", now=later)) == 2


def test_private_key_round_trip_with_kek() -> None:
    key = generate_key()
    data = serialize_private_key(key, KEK)
    loaded = load_private_key(data, KEK)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert loaded.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    with pytest.raises(PkiError, match="ONESTOP_KEK"):
        load_private_key(data, b"other", what="seal key 7")


def test_empty_kek_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="ONESTOP_KEK"):
        PkiStore(tmp_path, b"")


def test_naive_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="naive"):
        PkiStore(tmp_path / "naive", KEK).init(now=datetime(2025, 1, 1))


def test_rsa_hierarchy(tmp_path: Path) -> None:
    store = PkiStore(tmp_path / "rsa", KEK)
    store.init(algorithm=KeyAlgorithm.RSA_2048, now=NOW)
    assert isinstance(store.root_certificate().public_key(), rsa.RSAPublicKey)
    signer = store.load_identity("registration-signer")
    assert signer.algorithm is KeyAlgorithm.RSA_2048
    assert _crl_urls(signer.certificate) == ["http://127.0.0.1:8470/crl/registration.crl"]
    tls = _ext(store.load_certificate("tls-server"), x509.KeyUsage).value
    assert tls.key_encipherment
    pem = store.load_certificate("tls-server").public_bytes(serialization.Encoding.PEM)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")


def test_identity_refuses_a_key_that_does_not_match(pki: PkiStore) -> None:
    identity = pki.load_identity("registration-signer")
    with pytest.raises(PkiError, match="does not match"):
        SigningIdentity(generate_key(), identity.certificate, identity.chain, identity.algorithm)
    with pytest.raises(PkiError, match="not RSA_2048"):
        SigningIdentity(
            identity.private_key, identity.certificate, identity.chain, KeyAlgorithm.RSA_2048
        )
