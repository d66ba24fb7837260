"""Decoding: the text of a file's bytes, whatever encoding (or damage) a crawler saved it with."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from . import InvalidRequest


class NotText(InvalidRequest):
    """The bytes of a file are not text in any encoding we can recognise."""


def decode(data: bytes) -> str:
    """The text of a file's bytes (BOM, UTF-8, Western or detected); NotText if it is binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    if (text := _utf16_without_bom(data)) is not None:
        return text
    if b"\x00" in data:
        raise NotText("binary content (NUL bytes)")
    if _controls(data[:8192]) > 0.01:
        raise NotText("binary content (control bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        head, tail = data[: error.start], data[error.start :]
        # A download cut inside its last character, unless it is one Latin-1 byte ("café").
        if error.reason == "unexpected end of data" and (len(tail) > 1 or not head.isascii()):
            return head.decode("utf-8")
    mostly_utf8 = data.decode("utf-8", errors="replace")
    bad = mostly_utf8.count("\ufffd")
    # Byte pairs that happen to be valid UTF-8 are rare in Western 8-bit text, so a file with
    # more good multi-byte characters than stray bytes is UTF-8 with a few bytes pasted in.
    if sum(ord(c) > 127 for c in mostly_utf8) - bad >= 2 * bad:
        return mostly_utf8
    if (text := _western(data)) is not None:
        return text
    best = from_bytes(data).best()
    if best is None:
        raise NotText("binary content (no text encoding fits)")
    return str(best)


# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROLS = bytes(set(range(32)) - {9, 10, 12, 13, 27})
# Polish letters of Windows-1250 (ł ą ż Ł Ą) read as 1252 are symbols inside words: "spotka³".
_CENTRAL_EUROPEAN = re.compile(r"[^\W\d_][¹³¿£¥][^\W\d_]")
# Turkish letters of Windows-1254 sit where Windows-1252 has these Icelandic ones.
_TURKISH_IN_1252 = set("ðÐýÝþÞ")


def _controls(data: bytes) -> float:
    """Share of C0 control bytes (other than tab, newlines, form feed, escape)."""
    return (len(data) - len(data.translate(None, _CONTROLS))) / len(data) if data else 0.0


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: in Latin-script text every other byte is NUL."""
    sample = data[:8192]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, zeros, letters in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and letters.count(0) <= 0.01 * len(letters):
            text = data[: len(data) // 2 * 2].decode(encoding, errors="replace")
            # Binary data with the same pattern (16-bit samples) decodes to control characters.
            if _controls(text[:4096].encode("utf-8", "replace")) <= 0.01:
                return text
    return None


def _western(data: bytes) -> str | None:
    """Windows-1252 (a superset of Latin-1's letters) if the text reads as a Western language."""
    # charset-normalizer guesses wildly on short texts ("café" comes out as UTF-16), while
    # nearly all non-UTF-8 news in Latin script is Windows-1252 or Latin-1; Cyrillic or Greek
    # read as 1252 is almost all accented letters and fails the test below.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if c.isalpha()]
    if sum(ord(c) > 127 for c in letters) > 0.3 * len(letters) or _CENTRAL_EUROPEAN.search(text):
        return None
    if _TURKISH_IN_1252 & set(text):
        return data.decode("cp1254")
    return text
