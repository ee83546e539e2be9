"""The Web Push wire: the server's VAPID key pair (RFC 8292) and one encrypted message (RFC 8291).

The VAPID private key is made on first use into the data dir (``vapid_private.pem``, mode 0600) and is
never sent anywhere; only its public half is given out (``applicationServerKey`` in the browser). The
JWT is signed by ``py_vapid``. The payload is encrypted with ``aes128gcm`` (RFC 8188 framing, RFC 8291
keys) from ``cryptography`` primitives here: the usual library for it, ``http_ece``, ships no wheel (a
Raspberry Pi would need to build it), and the scheme is one ECDH, two HKDFs and one AES-GCM record.
The tests decrypt with ``http_ece`` itself, so both ends are checked against the reference code.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from py_vapid import Vapid02  # type: ignore[import-untyped]

from llm_router.core.settings import VAPID_KEY_FILE_NAME

KEY_FILE = VAPID_KEY_FILE_NAME
RECORD_SIZE = 4096  # one record holds the whole message: payloads are kept well under it
MAX_PAYLOAD = 3000  # what push services accept (4096 minus the header, tag and padding) with room to spare
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VapidKeys:
    """The server's VAPID identity, loaded from (or first made into) ``data_dir/vapid_private.pem``."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, contact: str) -> None:
        self._vapid = Vapid02(private_key)
        self.contact = contact
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = b64url(raw)  # the browser's applicationServerKey

    @classmethod
    def load_or_create(cls, data_dir: Path, contact: str) -> VapidKeys:
        path = data_dir / KEY_FILE
        if not path.is_file():
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            data_dir.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two workers starting together keep one key (the loser reads the winner's)
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as file:
                    file.write(pem)
                return cls(key, contact)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} does not hold an EC private key")
        return cls(loaded, contact)

    def authorization(self, endpoint: str) -> str:
        """The ``Authorization: vapid t=<JWT>,k=<public key>`` header for one push service."""
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + JWT_LIFETIME,
            "sub": self.contact,
        }
        header: dict[str, str] = self._vapid.sign(claims)
        return header["Authorization"]


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    """``payload`` as one ``aes128gcm`` record for the browser holding ``p256dh``/``auth`` (RFC 8291)."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"push payload of {len(payload)} bytes is over {MAX_PAYLOAD}")
    receiver_raw = b64url_decode(p256dh)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver_raw)
    sender = ec.generate_private_key(ec.SECP256R1())
    sender_raw = sender.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = sender.exchange(ec.ECDH(), receiver)
    ikm = _hkdf(b64url_decode(auth), shared, b"WebPush: info\x00" + receiver_raw + sender_raw, 32)
    salt = os.urandom(16)
    key = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    record = AESGCM(key).encrypt(nonce, payload + b"\x02", None)  # 0x02: the last (and only) record
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(sender_raw)]) + sender_raw
    return header + record


@dataclass(frozen=True, slots=True)
class PushRequest:
    """One HTTP request to a push service, ready to send."""

    endpoint: str
    headers: dict[str, str]
    body: bytes


def push_request(
    keys: VapidKeys, endpoint: str, p256dh: str, auth: str, payload: bytes, *, ttl: int, topic: str | None
) -> PushRequest:
    headers = {
        "Authorization": keys.authorization(endpoint),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(ttl),
        "Urgency": "normal",
    }
    if topic:  # a newer message with the same topic replaces an undelivered older one
        headers["Topic"] = topic[:32]
    return PushRequest(endpoint, headers, encrypt(payload, p256dh, auth))
