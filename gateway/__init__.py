"""The HTTP/JSON gateway: the public gRPC API (``OneStopService``) as JSON over HTTP, transcoded by
the ``google.api.http`` rules in the contract, with an OpenAPI document generated from it."""
