"""The platform PKI: hierarchy, certificate profiles, CRLs, and key protection."""

from __future__ import annotations

import json
import shutil
import stat
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from onestop_cli.main import main as onestop
from onestop_common.pki import (
    CA_NAMES,
    END_ENTITIES,
    INTERMEDIATE_CAS,
    CrlWatcher,
    KeyAlgorithm,
    PkiError,
    PkiStore,
    RevokedEntry,
    SigningIdentity,
    build_crl,
    check_partner_id,
    format_serial,
    generate_key,
    issue_seal_certificate,
    issue_tls_certificate,
    load_private_key,
    parse_serial,
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


def _seal(
    pki: PkiStore,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    valid_for: timedelta = timedelta(days=5 * 365),
) -> x509.Certificate:
    """The sample company's official seal certified by the seal CA from NOW for ``valid_for``."""
    return issue_seal_certificate(
        pki.load_identity("seal"),
        key.public_key(),
        company_name="天津宝坻示例科技有限公司",
        uscc="91120224MA05XXXX1X",
        seal_type="公章",
        seal_code="1202240012345",
        not_before=NOW,
        not_after=NOW + valid_for,
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
        _seal(pki, generate_key(), valid_for=timedelta(days=30 * 365))


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
    # The default: the seal service publishes the lists, on the default settings' host.
    assert _crl_urls(signer.certificate) == ["http://127.0.0.1:8472/crl/registration.crl"]
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


# ---------------------------------------------------------------------- partner certificates


@pytest.fixture
def own_pki(pki: PkiStore, tmp_path: Path) -> PkiStore:
    """A copy of the module's PKI for tests that issue or revoke (the original stays pristine)."""
    shutil.copytree(pki.directory, tmp_path / "own")
    return PkiStore(tmp_path / "own", KEK)


def test_partner_certificate_profile(own_pki: PkiStore) -> None:
    issued = own_pki.issue_partner(
        "acme-bank", "Acme Bank 股份有限公司", now=NOW, crl_base_url=CRL_BASE
    )
    cert, tls_ca, root = (
        issued.certificate,
        own_pki.load_certificate("tls"),
        own_pki.root_certificate(),
    )
    assert cert.subject == x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Bank 股份有限公司"),
            x509.NameAttribute(NameOID.COMMON_NAME, "acme-bank"),
        ]
    )
    eku = _ext(cert, x509.ExtendedKeyUsage)
    assert list(eku.value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert not (usage.value.key_cert_sign or usage.value.content_commitment)
    constraints = _ext(cert, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    assert _ext(cert, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        issued.private_key.public_key()
    )
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == _ext(tls_ca, x509.SubjectKeyIdentifier).value.digest
    assert _crl_urls(cert) == [f"{CRL_BASE}/tls.crl"]
    assert cert.not_valid_before_utc <= NOW
    assert cert.not_valid_after_utc == NOW + timedelta(days=365)
    assert cert.public_key() == issued.private_key.public_key()
    # The chain to the root, checked as a TLS server checks a client (which, unlike the web
    # PKI's profile, needs no subject alternative name: the CN names the partner).
    end_entity = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
    )
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store([root]))
        .time(NOW + timedelta(days=1))
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=end_entity
        )
        .build_client_verifier()
    )
    verified = verifier.verify(cert, [tls_ca])
    assert verified.chain == [cert, tls_ca, root]
    assert x509.load_pem_x509_certificates(issued.certificate_chain_pem()) == [cert, tls_ca]
    assert x509.load_pem_x509_certificates(issued.trust_pem()) == [tls_ca, root]
    assert issued.key_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert "BEGIN" not in repr(issued) and "acme-bank" in repr(issued)


def test_partner_certificate_without_organisation_names_only_the_partner(
    own_pki: PkiStore,
) -> None:
    cert = own_pki.issue_partner("globex", now=NOW).certificate
    assert cert.subject.rfc4514_string() == "CN=globex"


@pytest.mark.parametrize(
    "bad", ["", "a", "A-bank", "-bank", "acme_bank", "acme bank", "acme.bank", "x" * 64, "ü-bank"]
)
def test_partner_ids_outside_the_pattern_are_refused(bad: str) -> None:
    with pytest.raises(PkiError) as caught:
        check_partner_id(bad)
    assert "partner id" in str(caught.value) and "合作方标识" in str(caught.value)


def test_partner_ids_within_the_pattern_pass() -> None:
    for good in ("ab", "acme-bank", "0" + "a" * 62, "a-"):
        assert check_partner_id(good) == good


def test_revoking_a_partner_lists_it_on_the_tls_crl_once(own_pki: PkiStore) -> None:
    first = own_pki.issue_partner("acme-bank", now=NOW)
    second = own_pki.issue_partner("globex", "Globex", now=NOW)
    before = _crl_number(own_pki.load_crl("tls"))
    later = NOW + timedelta(days=3)
    record = own_pki.revoke_partner(
        first.serial, "key lost", now=later, crl_reason=x509.ReasonFlags.key_compromise
    )
    assert (record.partner_id, record.revoked_at, record.reason) == ("acme-bank", later, "key lost")
    crl = own_pki.load_crl("tls")
    assert crl.is_signature_valid(own_pki.load_certificate("tls").public_key())  # type: ignore[arg-type]
    assert _crl_number(crl) == before + 1
    entry = crl.get_revoked_certificate_by_serial_number(first.serial)
    assert entry is not None and entry.revocation_date_utc == later
    assert crl.get_revoked_certificate_by_serial_number(second.serial) is None
    # Again: same record, no new CRL.
    assert own_pki.revoke_partner(first.serial, "again", now=later + timedelta(1)) == record
    assert _crl_number(own_pki.load_crl("tls")) == before + 1
    index = {r.partner_id: r for r in own_pki.partner_certificates()}
    assert index["acme-bank"].revoked_at == later
    assert index["globex"].revoked_at is None and index["globex"].org == "Globex"
    assert index["globex"].not_after == second.certificate.not_valid_after_utc
    stored = json.loads((own_pki.directory / "partners.json").read_text())
    assert {item["serial"] for item in stored["certificates"]} == {
        format_serial(first.serial),
        format_serial(second.serial),
    }


def test_revoking_an_unknown_serial_is_refused(own_pki: PkiStore) -> None:
    own_pki.issue_partner("acme-bank", now=NOW)
    before = own_pki.load_crl("tls")
    with pytest.raises(PkiError) as caught:
        own_pki.revoke_partner(0xABC, "whatever")
    assert "no partner certificate has serial abc" in str(caught.value)
    assert "序列号" in str(caught.value)
    # A platform certificate is no partner certificate either.
    with pytest.raises(PkiError):
        own_pki.revoke_partner(own_pki.load_certificate("tls-server").serial_number, "no")
    assert own_pki.load_crl("tls") == before


def test_serials_parse_as_printed() -> None:
    assert parse_serial(format_serial(0x1F2E3D)) == 0x1F2E3D
    assert parse_serial(" 0x1f:2e:3d ") == 0x1F2E3D
    for bad in ("", "xyz", "12-34", "0x"):
        with pytest.raises(PkiError, match="hexadecimal"):
            parse_serial(bad)


def test_crl_watcher_reloads_when_the_list_changes(own_pki: PkiStore) -> None:
    issued = own_pki.issue_partner("acme-bank", now=NOW)
    watcher = CrlWatcher(own_pki, "tls")
    assert watcher.revoked_serials() == frozenset()
    assert watcher.issuer_key_id == (
        _ext(own_pki.load_certificate("tls"), x509.SubjectKeyIdentifier).value.digest
    )
    own_pki.revoke_partner(issued.serial, "key lost")
    assert watcher.revoked_serials() == {issued.serial}
    # A list signed by another CA is not believed.
    own_pki.save_crl(
        "tls",
        build_crl(
            own_pki.load_identity("seal"),
            [],
            this_update=NOW,
            next_update=NOW + timedelta(days=7),
            crl_number=99,
        ),
    )
    with pytest.raises(PkiError, match="not signed by its CA"):
        watcher.revoked_serials()


def test_a_tls_server_certificate_without_names_is_reissued(own_pki: PkiStore) -> None:
    assert not own_pki.ensure_tls_server_names()
    # What an older PKI could hold: a server certificate without subject alternative names.
    key = generate_key()
    bare = issue_tls_certificate(
        own_pki.load_identity("tls"),
        key.public_key(),
        common_name="localhost",
        not_before=NOW,
        not_after=NOW + timedelta(days=30),
        crl_url=f"{CRL_BASE}/tls.crl",
    )
    (own_pki.directory / "tls-server.pem").write_bytes(
        bare.public_bytes(serialization.Encoding.PEM)
    )
    (own_pki.directory / "tls-server.key.pem").write_bytes(serialize_private_key(key, KEK))
    assert own_pki.ensure_tls_server_names(now=NOW)
    identity = own_pki.load_identity("tls-server")
    assert identity.certificate != bare and identity.chain == (own_pki.load_certificate("tls"),)
    san = _ext(identity.certificate, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [IPv4Address("127.0.0.1")]
    assert _crl_urls(identity.certificate) == [f"{CRL_BASE}/tls.crl"]
    assert stat.S_IMODE((own_pki.directory / "tls-server.key.pem").stat().st_mode) == 0o600
    assert not own_pki.ensure_tls_server_names()


# ---------------------------------------------------------------------- `onestop pki partner`


@pytest.fixture
def cli_pki(own_pki: PkiStore, monkeypatch: pytest.MonkeyPatch) -> PkiStore:
    """The CLI reads its settings from the environment: point it at a copy of the PKI."""
    data_dir = own_pki.directory.parent / "data"
    data_dir.mkdir()
    own_pki.directory.rename(data_dir / "pki")
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ONESTOP_KEK", KEK.decode())
    return PkiStore(data_dir / "pki", KEK)


def test_cli_issues_revokes_and_lists_partner_certificates(
    cli_pki: PkiStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "handover"
    assert (
        onestop(["pki", "partner", "issue", "acme-bank", "--org", "Acme", "-o", str(out_dir)]) == 0
    )
    serial = capsys.readouterr().out.splitlines()[0]
    key_file, cert_file = out_dir / "acme-bank.key.pem", out_dir / "acme-bank.cert.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    leaf, issuer = x509.load_pem_x509_certificates(cert_file.read_bytes())
    assert format_serial(leaf.serial_number) == serial
    assert leaf.public_key() == key.public_key()
    assert issuer == cli_pki.load_certificate("tls")
    trusted = x509.load_pem_x509_certificates((out_dir / "ca.pem").read_bytes())
    assert trusted == [cli_pki.load_certificate("tls"), cli_pki.root_certificate()]
    # The platform keeps no copy of the partner's key.
    assert not list(cli_pki.directory.glob("acme-bank*"))

    assert onestop(["pki", "partner", "list"]) == 0
    listing = capsys.readouterr().out
    assert serial in listing and "acme-bank" in listing and "valid" in listing

    assert onestop(["pki", "partner", "revoke", serial, "--reason", "contract ended"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert cli_pki.load_crl("tls").get_revoked_certificate_by_serial_number(int(serial, 16))
    assert onestop(["pki", "partner", "list"]) == 0
    assert "contract ended" in capsys.readouterr().out


def test_cli_refuses_bad_input_in_both_languages(
    cli_pki: PkiStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "handover"
    assert onestop(["pki", "partner", "issue", "Acme_Bank", "-o", str(out_dir)]) == 1
    error = capsys.readouterr().err
    assert "partner id 'Acme_Bank' is not valid" in error and "合作方标识" in error
    assert not out_dir.exists() and cli_pki.partner_certificates() == []

    assert onestop(["pki", "partner", "revoke", "abc123", "--reason", "x"]) == 1
    error = capsys.readouterr().err
    assert "no partner certificate has serial abc123" in error and "序列号" in error
    assert onestop(["pki", "partner", "revoke", "not-hex", "--reason", "x"]) == 1
    assert "hexadecimal" in capsys.readouterr().err

    assert onestop(["pki", "partner", "issue", "acme-bank", "-o", str(out_dir)]) == 0
    capsys.readouterr()
    # A second issue into the same directory would overwrite the first key: refused.
    assert onestop(["pki", "partner", "issue", "acme-bank", "-o", str(out_dir)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert len(cli_pki.partner_certificates()) == 1


def test_cli_without_a_pki_says_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("ONESTOP_KEK", KEK.decode())
    assert onestop(["pki", "partner", "list"]) == 1
    error = capsys.readouterr().err
    assert "run `onestop pki init` first" in error and "没有平台 PKI" in error


def test_a_damaged_partner_index_is_reported_not_guessed(own_pki: PkiStore) -> None:
    (own_pki.directory / "partners.json").write_text('{"certificates": [{"serial": "zz"}]}')
    with pytest.raises(PkiError, match=r"partners\.json cannot be read"):
        own_pki.partner_certificates()
