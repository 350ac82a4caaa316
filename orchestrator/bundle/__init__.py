"""The e-license bundle: one PDF with the company's license, seals, tax, social insurance and bank
pages, the registration authority's signed original, the certificates, CRLs and a JSON manifest
embedded, and one platform signature (PAdES B-LT, B-LTA with a document timestamp) over all of it.

Pure apart from the signature: no broker, no database, no gRPC. The caller gathers the step
results and the validation material; ``onestop_cli.verify`` checks the result offline.

``model`` holds the inputs, ``manifest`` and ``provenance`` the embedded files, ``layout``,
``cover`` and ``pages`` the pages, ``assemble`` the signing.
"""

from onestop_common.identifiers import mask_account_number
from orchestrator.bundle.assemble import (
    SignatureSpan,
    build_bundle,
    sign_bundle,
    signature_spans,
)
from orchestrator.bundle.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_FORMATS,
    build_manifest,
    bundle_attachments,
    sha256_hex,
)
from orchestrator.bundle.model import (
    APPLICATION_NAME,
    CERTIFICATE_DIR,
    CRL_DIR,
    LICENSE_NAME,
    MANIFEST_NAME,
    SIGNATURE_FIELD,
    BundleError,
    BundleInputs,
    PersonSigned,
    StepTiming,
)
from orchestrator.bundle.pages import render_pages

__all__ = [
    "APPLICATION_NAME",
    "CERTIFICATE_DIR",
    "CRL_DIR",
    "LICENSE_NAME",
    "MANIFEST_FORMAT",
    "MANIFEST_FORMATS",
    "MANIFEST_NAME",
    "SIGNATURE_FIELD",
    "BundleError",
    "BundleInputs",
    "PersonSigned",
    "SignatureSpan",
    "StepTiming",
    "build_bundle",
    "build_manifest",
    "bundle_attachments",
    "mask_account_number",
    "render_pages",
    "sha256_hex",
    "sign_bundle",
    "signature_spans",
]
