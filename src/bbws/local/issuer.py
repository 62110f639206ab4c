"""The local development issuer: RS256 tokens shaped like Cognito's, and their verification.

In AWS a Cognito user pool issues the tokens and API Gateway's Cognito authorizer verifies them;
locally this issuer does both, with a key pair kept with the local state (`local.state`, so a
token outlives a restart, as a Cognito token outlives a deploy; a fresh start makes a new key),
and publishes its public key as a JWKS.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bbws.core.identity import ADMIN_GROUP, GROUPS_CLAIM, TENANT_CLAIM

log = logging.getLogger("bbws.local.issuer")

ALGORITHM = "RS256"
CLIENT_ID = "bbws-local-client"
TOKEN_LIFETIME_SECONDS = 3600


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, or not signed by this issuer. The
    message is the platform's own (it reaches the caller in a 401); the library's reason is
    only logged."""


# The caller's reason for each way PyJWT refuses a token, in the platform's words: a library's
# text (`Invalid header string: 'utf-8' codec can't decode byte 0xe1 ...`) never reaches a 401.
# The most specific class first (ExpiredSignatureError is an InvalidTokenError too).
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAudienceError, "the token was not issued for this API's client"),
    (jwt.InvalidIssuerError, "the token was not issued by the local issuer"),
    (jwt.InvalidSignatureError, "the token's signature does not match"),
    (jwt.InvalidAlgorithmError, f"the token is not signed with {ALGORITHM}"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim (exp, iss, sub, aud, token_use)"),
    (jwt.InvalidIssuedAtError, "the token's issue time is not valid"),
    (jwt.DecodeError, "the token is not a well-formed signed JWT"),
)
_NOT_VALID = "the token is not valid"


def _reason(error: Exception) -> str:
    return next((reason for kind, reason in _REASONS if isinstance(error, kind)), _NOT_VALID)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class DevelopmentIssuer:
    """Issues and verifies id tokens for the local stack's callers."""

    issuer: str
    client_id: str = CLIENT_ID
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.key_id, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [jwk]}

    def mint(
        self, role: str, tenant_id: str | None = None, *, lifetime: int = TOKEN_LIFETIME_SECONDS, subject: str = ""
    ) -> str:
        """An id token for an admin (`cognito:groups` ["admin"]) or a tenant (`custom:tenantId`)."""
        if role == "admin":
            extra: dict[str, Any] = {GROUPS_CLAIM: [ADMIN_GROUP]}
        elif role == "tenant":
            if not tenant_id:
                raise ValueError("a tenant token needs a tenantId")
            extra = {TENANT_CLAIM: tenant_id}
        else:
            raise ValueError("role must be 'admin' or 'tenant'")
        now = int(time.time())
        sub = subject or str(uuid.uuid4())
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime,
            "cognito:username": f"{role}-{sub[:8]}",
            "email": f"{role}@bbws.local",
            **extra,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, if this issuer signed it for this client and it has not expired."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key_id:
                raise InvalidToken("the token was not signed by the local issuer's key")
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key.public_key(),
                algorithms=[ALGORITHM],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "aud", "token_use"]},
            )
        except jwt.PyJWTError as error:
            log.info("token refused: %s: %s", type(error).__name__, error)
            raise InvalidToken(_reason(error)) from None
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # whatever else a crafted token trips
            log.info("token refused: %s: %s", type(error).__name__, error)
            raise InvalidToken(_NOT_VALID) from None
        if claims.get("token_use") != "id":
            raise InvalidToken("only id tokens are accepted")
        return claims


def authorizer_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's Cognito user pool authorizer passes them to a REST proxy
    integration: every value a string, a list as its items between brackets separated by single
    spaces (`["admin"]` -> `"[admin]"`), so handler code reads locally exactly what it reads in
    AWS (`bbws.core.identity.groups_of`; docs/security.md)."""
    flattened: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            flattened[name] = "[" + " ".join(str(item) for item in value) + "]"
        else:
            flattened[name] = str(value)
    return flattened
