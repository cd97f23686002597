"""Normalising contact details so that one person arriving twice is recognised."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import NamedTuple

# Same person, other spelling: compare the last 10 digits, which drops any country code
# and trunk 0 for the common 10- and 11-digit national plans (US, UK, China mobile, ...).
PHONE_MATCH_DIGITS = 10
_MIN_PHONE_DIGITS = 7
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d+\s*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# An address the outbox can mail to: no characters that would break its mailto URL, and a
# domain of dotted labels. Reps' and managers' addresses are checked against it when given.
_MAILBOX = re.compile(r"[^@\s/,;:<>\"'?&=]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# The key columns' lengths (models: email_key, company_key). Case folding and NFKC can
# lengthen text ("ß" -> "ss", one ligature -> 18 letters), so a key of a name that fits its
# column may not; such a key keeps its start and ends in a digest of the whole.
EMAIL_KEY_LENGTH, COMPANY_KEY_LENGTH = 254, 300
_LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "bv",
    "co",
    "corp",
    "corporation",
    "company",
    "plc",
    "pty",
    "srl",
    "spa",
    "oy",
    "ab",
    "kg",
}


def email_key(email: str | None) -> str | None:
    """Lower-cased, trimmed email, or None when it is not a plausible address."""
    if not email:
        return None
    cleaned = email.strip().lower()
    return fitted(cleaned, EMAIL_KEY_LENGTH) if _EMAIL.match(cleaned) else None


def is_mailbox(address: str) -> bool:
    """Whether the outbox can send mail to `address` (a plain email address)."""
    return _MAILBOX.fullmatch(address) is not None


def fitted(key: str, limit: int) -> str:
    """The key itself when it has at most `limit` characters; else its start and a
    digest of the whole, `limit` characters long (equal keys stay equal, others apart)."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def phone_key(phone: str | None) -> str | None:
    """The phone's last digits with separators and country code dropped, or None."""
    if not phone:
        return None
    number = _EXTENSION.split(unicodedata.normalize("NFKC", phone), maxsplit=1)[0]
    digits = re.sub(r"\D", "", number)
    if len(digits) < _MIN_PHONE_DIGITS or len(digits) > 15:
        return None
    return digits[-PHONE_MATCH_DIGITS:]


def company_key(name: str | None) -> str | None:
    """Company name without case, punctuation, spacing or legal suffix."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name).casefold()
    words = re.findall(r"\w+", text)
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return fitted(" ".join(words), COMPANY_KEY_LENGTH) if words else None


class MatchKeys(NamedTuple):
    """How a person is recognised: email, phone, or a name at a company (both needed)."""

    email: str | None
    phone: str | None
    company: str | None  # kept only with a contact name: a company alone is no person
    name: str | None  # the contact name, case folded, when the company is kept

    def tokens(self) -> list[tuple[str, str]]:
        """The keys a person is matched by, each as (kind, text): e, p or c."""
        person = f"{self.company}\x1f{self.name}" if self.company and self.name else None
        pairs = (("e", self.email), ("p", self.phone), ("c", person))
        return [(kind, text) for kind, text in pairs if text is not None]

    def columns(self) -> dict[str, str | None]:
        """The lead columns that hold these keys."""
        return {"email_key": self.email, "phone_key": self.phone, "company_key": self.company}


# The lead fields the match keys are made of: a change of one changes the keys.
CONTACT_FIELDS = ("email", "phone", "company_name", "contact_name", "customer_type")


def match_keys(
    email: str | None,
    phone: str | None,
    company_name: str | None,
    contact_name: str | None,
    customer_type: str | None = "company",
) -> MatchKeys:
    """The match keys of a lead's contact fields (the columns email_key, phone_key and
    company_key hold the first three). An individual's company name is their own name, so
    it is no company to match or to hold an account by."""
    company = company_key(company_name) if customer_type != "individual" else None
    name = " ".join(unicodedata.normalize("NFKC", contact_name or "").casefold().split()) or None
    if company is None or name is None:
        company = name = None
    return MatchKeys(email_key(email), phone_key(phone), company, name)


def contact_verifiable(phone: str | None, email: str | None) -> bool:
    """A contact can be verified when its phone or its email is well formed."""
    return phone_key(phone) is not None or email_key(email) is not None


# "Name, phone or email": the first comma (ASCII or full-width) ends the name.
_NAME_END = re.compile(r"\s*[,，]\s*")


def contact_parts(text: str) -> tuple[str, str | None]:
    """A contact written as "name, phone or email": its name and how to reach them."""
    name, *reach = _NAME_END.split(text.strip(), maxsplit=1)
    return name, (reach[0] if reach and reach[0] else None)
