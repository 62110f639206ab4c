"""The local development issuer: tokens shaped like Cognito's, verified like the authorizer does."""

from __future__ import annotations

import jwt
import pytest

from bbws.local.issuer import DevelopmentIssuer, InvalidToken, authorizer_claims

ISSUER = "http://127.0.0.1:3000/_local"


@pytest.fixture(scope="module")
def issuer() -> DevelopmentIssuer:
    return DevelopmentIssuer(issuer=ISSUER)


def test_admin_token_verifies_with_the_admin_group(issuer: DevelopmentIssuer) -> None:
    claims = issuer.verify(issuer.mint("admin"))
    assert claims["cognito:groups"] == ["admin"]
    assert claims["token_use"] == "id"
    assert claims["iss"] == ISSUER


def test_tenant_token_carries_its_tenant(issuer: DevelopmentIssuer) -> None:
    assert issuer.verify(issuer.mint("tenant", "t-9"))["custom:tenantId"] == "t-9"


def test_tenant_token_without_tenant_is_refused(issuer: DevelopmentIssuer) -> None:
    with pytest.raises(ValueError, match="tenantId"):
        issuer.mint("tenant")


def test_unknown_role_is_refused(issuer: DevelopmentIssuer) -> None:
    with pytest.raises(ValueError, match="role"):
        issuer.mint("root")


def test_expired_token_is_invalid(issuer: DevelopmentIssuer) -> None:
    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify(issuer.mint("admin", lifetime=-10))


def test_token_of_another_issuer_instance_is_invalid(issuer: DevelopmentIssuer) -> None:
    # Given a token from a stack started earlier (a different key pair)
    other = DevelopmentIssuer(issuer=ISSUER)
    # Then this stack does not accept it
    with pytest.raises(InvalidToken):
        issuer.verify(other.mint("admin"))


def test_token_signed_with_another_key_under_our_kid_is_invalid(issuer: DevelopmentIssuer) -> None:
    other = DevelopmentIssuer(issuer=ISSUER, key_id=issuer.key_id)
    with pytest.raises(InvalidToken, match="signature does not match"):
        issuer.verify(other.mint("admin"))


def test_token_for_another_issuer_url_is_invalid(issuer: DevelopmentIssuer) -> None:
    other = DevelopmentIssuer(issuer="http://elsewhere", key=issuer.key, key_id=issuer.key_id)
    with pytest.raises(InvalidToken, match="issuer"):
        issuer.verify(other.mint("admin"))


def test_access_tokens_are_not_accepted(issuer: DevelopmentIssuer) -> None:
    token = jwt.encode(
        {"sub": "s", "iss": ISSUER, "aud": issuer.client_id, "exp": 9_999_999_999, "token_use": "access"},
        issuer.key,
        algorithm="RS256",
        headers={"kid": issuer.key_id},
    )
    with pytest.raises(InvalidToken, match="id tokens"):
        issuer.verify(token)


def test_garbage_is_invalid(issuer: DevelopmentIssuer) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify("not-a-jwt")


def test_jwks_verifies_the_issued_tokens(issuer: DevelopmentIssuer) -> None:
    # Given the published JWKS
    key = jwt.PyJWKSet.from_dict(issuer.jwks()).keys[0]
    # Then a token verifies with it alone
    claims = jwt.decode(issuer.mint("admin"), key.key, algorithms=["RS256"], audience=issuer.client_id)
    assert key.key_id == issuer.key_id
    assert claims["sub"]


def test_authorizer_claims_are_strings_like_api_gateway_passes_them() -> None:
    flattened = authorizer_claims({"cognito:groups": ["admin", "staff"], "exp": 12, "sub": "s"})
    assert flattened == {"cognito:groups": "[admin staff]", "exp": "12", "sub": "s"}


def _forged(issuer: DevelopmentIssuer, claims: dict[str, object], **headers: object) -> str:
    return jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": issuer.key_id, **headers})


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Library words that must never reach a caller (PyJWT's and the codecs' messages).
LIBRARY_TEXT = ("codec", "decode byte", "Invalid header", "Invalid payload", "padding", "Not enough segments",
                "must be", "json", "Signature verification", "Expecting value", "alg value")  # fmt: skip


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("\u00e1\u00e1.\u00e1.\u00e1", "not a well-formed signed JWT"),  # the codec text of issue 11
        (_b64(b"\xe1\xff") + ".e30.c2ln", "not a well-formed signed JWT"),  # a header that is not UTF-8
        (_b64(b"[1]") + ".e30.c2ln", "not a well-formed signed JWT"),  # a header that is not an object
        ("a.b", "not a well-formed signed JWT"),
        ("", "not a well-formed signed JWT"),
        (_b64(b'{"alg":"none","kid":"K"}') + "." + _b64(b"{}") + ".", "not signed by the local issuer's key"),
    ],
)
def test_a_malformed_token_is_refused_in_the_issuers_words(issuer: DevelopmentIssuer, token: str, reason: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        issuer.verify(token)
    assert reason in str(refused.value)
    assert not [text for text in LIBRARY_TEXT if text in str(refused.value)]


def test_each_way_a_signed_token_is_wrong_has_its_own_reason(issuer: DevelopmentIssuer) -> None:
    good = {"sub": "s", "iss": ISSUER, "aud": issuer.client_id, "exp": 9_999_999_999, "token_use": "id"}
    cases = {
        "the token lacks a required claim": {k: v for k, v in good.items() if k != "sub"},
        "the token was not issued for this API's client": {**good, "aud": "someone-else"},
        "the token is not valid yet": {**good, "nbf": 9_999_999_000},
        "the token's issue time is not valid": {**good, "iat": "yesterday"},
        "the token is not a well-formed signed JWT": {**good, "exp": "never"},
    }
    for reason, claims in cases.items():
        with pytest.raises(InvalidToken) as refused:
            issuer.verify(_forged(issuer, claims))
        assert str(refused.value).startswith(reason), (reason, str(refused.value))
        assert not [text for text in LIBRARY_TEXT if text in str(refused.value)]
    hs256 = jwt.encode(good, "s" * 32, algorithm="HS256", headers={"kid": issuer.key_id})
    with pytest.raises(InvalidToken, match="not signed with RS256"):
        issuer.verify(hs256)
