"""The platform's private PKI: root and intermediate CAs, signer, seal and TLS certificates, CRLs.

Layout of a PKI directory (``PkiStore``)::

    root.pem  root.key.pem  root.crl.der               platform root CA
    <ca>.pem  <ca>.key.pem  <ca>.crl.der               registration, seal, platform, tsa, tls
    <ee>.pem  <ee>.key.pem                             registration-signer, platform-signer,
                                                       tsa-signer, tls-server
    partners.json                                      index of partner client certificates
    .lock                                              serialises read-modify-write updates

Certificates are PEM, CRLs DER, private keys PKCS#8 PEM encrypted with the key-encryption
key (KEK) and readable by the owner only. The seal CA issues one certificate per company
seal at run time (``issue_seal_certificate``); the seal service keeps those keys itself.

Modules: ``certs`` (profiles, keys, building and issuing certificates), ``store`` (the
directory: ``PkiStore``, KEK-wrapped keys), ``partners`` (partner client certificates for
mutual TLS), ``crl`` (building CRLs, ``CrlWatcher``). Import from ``onestop_common.pki``.
"""

from onestop_common.pki.certs import (
    CA_NAMES,
    END_ENTITIES,
    INTERMEDIATE_CAS,
    PERSON_CONSENT_POLICY,
    PLATFORM_ORGANIZATION,
    ROOT,
    TLS_CA,
    TLS_SERVER,
    TLS_SERVER_NAMES,
    CertKind,
    KeyAlgorithm,
    PkiError,
    PrivateKey,
    PublicKey,
    SigningIdentity,
    Validity,
    certificates_pem,
    crl_urls,
    generate_key,
    issue_person_certificate,
    issue_seal_certificate,
    issue_tls_certificate,
    key_algorithm,
    private_key_pem,
)
from onestop_common.pki.crl import CrlWatcher, RevokedEntry, build_crl
from onestop_common.pki.partners import (
    PARTNER_ID_PATTERN,
    PARTNER_INDEX,
    PARTNER_VALIDITY,
    PartnerCertificate,
    PartnerCredentials,
    check_partner_id,
    format_serial,
    issue_partner_certificate,
    parse_serial,
)
from onestop_common.pki.store import (
    DEFAULT_CRL_BASE_URL,
    PkiStore,
    load_private_key,
    rewrapped_private_key,
    serialize_private_key,
)

__all__ = [
    "CA_NAMES",
    "DEFAULT_CRL_BASE_URL",
    "END_ENTITIES",
    "INTERMEDIATE_CAS",
    "PARTNER_ID_PATTERN",
    "PARTNER_INDEX",
    "PARTNER_VALIDITY",
    "PERSON_CONSENT_POLICY",
    "PLATFORM_ORGANIZATION",
    "ROOT",
    "TLS_CA",
    "TLS_SERVER",
    "TLS_SERVER_NAMES",
    "CertKind",
    "CrlWatcher",
    "KeyAlgorithm",
    "PartnerCertificate",
    "PartnerCredentials",
    "PkiError",
    "PkiStore",
    "PrivateKey",
    "PublicKey",
    "RevokedEntry",
    "SigningIdentity",
    "Validity",
    "build_crl",
    "certificates_pem",
    "check_partner_id",
    "crl_urls",
    "format_serial",
    "generate_key",
    "issue_partner_certificate",
    "issue_person_certificate",
    "issue_seal_certificate",
    "issue_tls_certificate",
    "key_algorithm",
    "load_private_key",
    "parse_serial",
    "private_key_pem",
    "rewrapped_private_key",
    "serialize_private_key",
]
