"""A file sealed with a passphrase (the encrypted backup): scrypt derives a key from the passphrase and a random
salt, and Fernet (AES-128-CBC with an HMAC-SHA256 tag, from the `cryptography` package) encrypts and authenticates
the content. A wrong passphrase and a damaged file are told apart from neither each other nor a good file's
contents: both are refused. Pure: no database."""

from __future__ import annotations

import base64
import os

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fidelity import passwords

MAGIC = b"IPS-FIDELITY-SEALED/1\n"
SALT_BYTES = 16


class SealError(ValueError):
    """The content cannot be sealed or opened with this passphrase."""


def passphrase_problem(passphrase: str) -> str | None:
    """A backup's passphrase follows the password rules (at least 10 characters, not a common one)."""
    return passwords.problem(passphrase)


def _key(passphrase: str, salt: bytes) -> bytes:
    derived = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


def seal(content: bytes, passphrase: str) -> bytes:
    if problem := passphrase_problem(passphrase):
        raise SealError(f"passphrase: {problem}")
    salt = os.urandom(SALT_BYTES)
    return MAGIC + salt + Fernet(_key(passphrase, salt)).encrypt(content)


def is_sealed(content: bytes) -> bool:
    return content.startswith(MAGIC)


def unseal(content: bytes, passphrase: str) -> bytes:
    if not is_sealed(content):
        raise SealError("not an encrypted backup of this app")
    salt = content[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    try:
        return Fernet(_key(passphrase, salt)).decrypt(content[len(MAGIC) + SALT_BYTES :])
    except InvalidToken as error:
        raise SealError("the passphrase is not right, or the file is damaged") from error
