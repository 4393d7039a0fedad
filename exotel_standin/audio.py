"""Small, real WAV files for recordings: 8 kHz mono 16-bit, a quiet tone per call."""

from __future__ import annotations

import functools
import hashlib
import io
import math
import struct
import wave

RATE = 8000
AMPLITUDE = 1200  # about -29 dBFS: audible in a player, not startling


# Recordings are as long as the calls (up to ~14 MB each): keep only the last few built.
@functools.lru_cache(maxsize=8)
def wav_bytes(seed: str, seconds: int) -> bytes:
    """A `seconds`-long WAV whose pitch depends only on `seed` (the call SID)."""
    digest = hashlib.sha256(seed.encode()).digest()
    # An integer frequency repeats exactly once a second at 8 kHz, so one second of
    # samples, repeated, makes the whole file without a click at the joins.
    freq = 300 + int.from_bytes(digest[:2], "big") % 500
    second = struct.pack(
        f"<{RATE}h",
        *(round(AMPLITUDE * math.sin(2 * math.pi * freq * n / RATE)) for n in range(RATE)),
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(second * max(1, seconds))
    return buf.getvalue()
