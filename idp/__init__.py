"""The platform's local OpenID Connect provider: verified test identities for development and
tests, in place of the national or provincial real-name provider production signs citizens in
with (ONESTOP_OIDC_ISSUER)."""
