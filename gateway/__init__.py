"""The HTTP/JSON gateway: the public partner API (``onestop.partner.v1.ApplicationService``) as
JSON over HTTP, transcoded by the ``google.api.http`` rules in the contract, with an OpenAPI
document generated from it."""
