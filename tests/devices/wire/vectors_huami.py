"""Golden vectors of the Huami auth, fetch control and activity data, as data.

Same conventions as :mod:`tests.devices.wire.vectors`: bytes copied from public
captures, test suites and protocol code, or written by hand
(``hand_built=True``) from the public layout named in ``source``; never
produced with this project's encoders. ``docs/devices.md``, "Huami UUIDs and
auth", "Huami fetch control", "Huami samples and sleep kinds". ``fields``
paths may name the record's class (``__class__.__name__``).
"""

from __future__ import annotations

import datetime as dt

from tests.devices.wire.vectors import Vector

__all__ = [
    "AES_128_ECB",
    "FIPS_CIPHER",
    "FIPS_KEY",
    "FIPS_PLAIN",
    "HUAMI_AUTH_REQUESTS",
    "HUAMI_AUTH_RESPONSES",
    "HUAMI_CRC_FETCH",
    "HUAMI_DATA_PACKETS",
    "HUAMI_FETCH_COMMANDS",
    "HUAMI_FETCH_RESPONSES",
    "HUAMI_KIND_SEQUENCE",
    "HUAMI_SAMPLES",
]

# ------------------------------------------------------------------ sources

GB = "Freeyourgadget/Gadgetbridge (commit a0948ee1), app/src/main/java/nodomain/freeyourgadget/"
GB_INIT = GB + "gadgetbridge/service/devices/huami/operations/init/InitOperation.java"
GB_FETCH = GB + "gadgetbridge/service/devices/huami/operations/fetch/AbstractFetchOperation.java"
GB_TEST = (
    "Freeyourgadget/Gadgetbridge (commit a0948ee1), app/src/test/java/nodomain/freeyourgadget/"
)
GB_TIME_TEST = GB_TEST + "gadgetbridge/test/BLETypeConversionsTest.java, testTimeParsing1"
GB_HUAMI_TEST = (
    GB_TEST + "gadgetbridge/service/devices/huami/HuamiSupportTest.java, "
    "testSetCurrentTimeWithService: HuamiSupport.getTimeBytes(SECONDS) gives "
    "e6 07 0c 0f 14 26 35 04 00 00 04 (date-time, weekday, fractions 0, 00, tz 04)"
)
FIPS_197 = "NIST FIPS 197 (AES), Appendix C.1, AES-128 example vector"
CRC_CHECK = (
    "CRC RevEng catalogue, CRC-32/ISO-HDLC: the check value of ASCII '123456789' is "
    "0xCBF43926, sent little-endian like Gadgetbridge's BLETypeConversions.toUint32"
)

# ------------------------------------------------------------------- Huami auth

FIPS_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
FIPS_PLAIN = bytes.fromhex("00112233445566778899aabbccddeeff")
FIPS_CIPHER = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")
GADGETBRIDGE_DEFAULT_KEY = b"0123456789@ABCDE"

#: (key, plaintext, ciphertext, source) of single AES-128 blocks.
AES_128_ECB = [
    (FIPS_KEY, FIPS_PLAIN, FIPS_CIPHER, FIPS_197),
    (
        bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"),
        bytes.fromhex("3243f6a8885a308d313198a2e0370734"),
        bytes.fromhex("3925841d02dc09fbdc118597196a0b32"),
        "NIST FIPS 197 (AES), Appendix B, cipher example",
    ),
    (
        bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"),
        bytes.fromhex("6bc1bee22e409f96e93d7e117393172a"),
        bytes.fromhex("3ad77bb40d7a3660a89ecaf32466ef97"),
        "NIST SP 800-38A, Appendix F.1.1, ECB-AES128.Encrypt, block #1",
    ),
]

HUAMI_AUTH_REQUESTS = [
    Vector(
        "request-random-mi-band-3",
        bytes.fromhex("0200"),
        {"__class__.__name__": "AuthRequestRandom", "flags": 0x00, "encrypted": False},
        GB_INIT + ", requestAuthNumber (authFlags 00, cryptFlags 00)",
    ),
    Vector(
        "request-random-mi-band-2",
        bytes.fromhex("0208"),
        {"__class__.__name__": "AuthRequestRandom", "flags": 0x08, "encrypted": False},
        GB_INIT + ", requestAuthNumber with HuamiService.AUTH_BYTE 08",
    ),
    Vector(
        "request-random-encrypted-firmware",
        bytes.fromhex("8200020100"),
        {"__class__.__name__": "AuthRequestRandom", "flags": 0x00, "encrypted": True},
        GB_INIT + ", requestAuthNumber with cryptFlags 80: 82 <flags> 02 01 00",
    ),
    Vector(
        "set-default-key",
        bytes.fromhex("0108") + GADGETBRIDGE_DEFAULT_KEY,
        {"__class__.__name__": "AuthSetKey", "key": GADGETBRIDGE_DEFAULT_KEY, "flags": 0x08},
        GB_INIT + ", doPerform with needsAuth: 01 <flags> <key>; getSecretKey's default "
        "key is 30 31 ... 39 40 41 ... 45",
    ),
    Vector(
        "answer-fips-197",
        bytes.fromhex("0300") + FIPS_CIPHER,
        {
            "__class__.__name__": "AuthSendEncrypted",
            "ciphertext": FIPS_CIPHER,
            "flags": 0,
            "encrypted": False,
        },
        GB_INIT + ", onCharacteristicChanged: 03|cryptFlags, authFlags, then "
        "AES/ECB/NoPadding(key, random); the block is " + FIPS_197,
    ),
    Vector(
        "answer-fips-197-encrypted-firmware",
        bytes.fromhex("8300") + FIPS_CIPHER,
        {
            "__class__.__name__": "AuthSendEncrypted",
            "ciphertext": FIPS_CIPHER,
            "flags": 0,
            "encrypted": True,
        },
        GB_INIT + " with cryptFlags 80; block per " + FIPS_197,
    ),
]

HUAMI_AUTH_RESPONSES = [
    Vector(
        "random-number",
        bytes.fromhex("100201") + FIPS_PLAIN,
        {"op": 2, "status": 1, "payload": FIPS_PLAIN, "encrypted": False, "random": FIPS_PLAIN},
        GB_INIT + ", onCharacteristicChanged: 10, op 02, status 01, random in bytes 3-18; "
        "the random number is the plaintext of " + FIPS_197,
        hand_built=True,
    ),
    Vector(
        "random-number-encrypted-firmware",
        bytes.fromhex("108201") + FIPS_PLAIN,
        {"op": 2, "status": 1, "payload": FIPS_PLAIN, "encrypted": True, "random": FIPS_PLAIN},
        GB_INIT + ": the op byte is compared as (value[1] & 0x0f), so 82 is accepted",
        hand_built=True,
    ),
    Vector(
        "authenticated",
        bytes.fromhex("100301"),
        {"op": 3, "status": 1, "ok": True, "payload": b"", "encrypted": False},
        GB_INIT + " and HuamiService.AUTH_SUCCESS (01)",
    ),
    Vector(
        "wrong-key",
        bytes.fromhex("100304"),
        {"op": 3, "status": 4, "ok": False, "payload": b"", "encrypted": False},
        GB_INIT + " and HuamiService.AUTH_FAIL (04)",
    ),
    Vector(
        "key-accepted",
        bytes.fromhex("100101"),
        {"op": 1, "status": 1, "ok": True, "payload": b"", "encrypted": False},
        GB_INIT + ": 10 01 01 answers the key write",
    ),
]

# ------------------------------------------------------------ Huami fetch control

HUAMI_FETCH_COMMANDS = [
    Vector(
        "gadgetbridge-issue-1469",
        bytes.fromhex("0101e207051f0b110020"),
        {
            "__class__.__name__": "FetchStartRequest",
            "data_type": 1,
            "since": dt.datetime(2018, 5, 31, 11, 17),
            "tz_quarters": 32,
            "with_seconds": False,
        },
        "Freeyourgadget/Gadgetbridge issue #1469 (github.com/Freeyourgadget/Gadgetbridge/"
        "issues/1469): a Mi Band 2 user's activity fetch write 01 01 E2 07 05 1F 0B 11 00 20",
    ),
    Vector(
        "gadgetbridge-requested-minutes",
        bytes.fromhex("0101" + "e1070a1d001c0008"),
        {
            "__class__.__name__": "FetchStartRequest",
            "data_type": 1,
            "since": dt.datetime(2017, 10, 29, 0, 28),
            "tz_quarters": 8,
            "with_seconds": False,
        },
        GB_FETCH + ", startFetching: 01 <type> getTimeBytes(since, MINUTES); the time "
        "bytes are the 'requested' array of " + GB_TIME_TEST,
    ),
    Vector(
        "gadgetbridge-seconds",
        bytes.fromhex("0101" + "e6070c0f1426350400" + "0004"),
        {
            "__class__.__name__": "FetchStartRequest",
            "data_type": 1,
            "since": dt.datetime(2022, 12, 15, 20, 38, 53),
            "tz_quarters": 4,
            "with_seconds": True,
        },
        GB_FETCH + ", startFetching with the SECONDS time unit; " + GB_HUAMI_TEST,
    ),
    Vector("data", bytes.fromhex("02"), {"__class__.__name__": "FetchDataRequest"}, GB_FETCH),
    Vector(
        "ack-legacy",
        bytes.fromhex("03"),
        {"__class__.__name__": "FetchAck", "mode": None, "drops_data": True},
        GB_FETCH + ", sendAck (not Zepp OS)",
    ),
    Vector(
        "ack-keep",
        bytes.fromhex("0309"),
        {"__class__.__name__": "FetchAck", "mode": 0x09, "drops_data": False},
        GB_FETCH + ", sendAck(keepDataOnDevice=true): 03 09",
    ),
    Vector(
        "ack-drop",
        bytes.fromhex("0301"),
        {"__class__.__name__": "FetchAck", "mode": 0x01, "drops_data": True},
        GB_FETCH + ", sendAck(keepDataOnDevice=false): 03 01",
    ),
]

HUAMI_FETCH_RESPONSES = [
    Vector(
        "start-reply-received",
        bytes.fromhex("100101" + "10000000" + "e1070a1c171c0004"),
        {
            "__class__.__name__": "FetchStartReply",
            "status": 1,
            "count": 16,
            "start": dt.datetime(2017, 10, 28, 23, 28),
            "tz_quarters": 4,
        },
        GB_FETCH + ", handleStartDateResponse: 10 01 01, uint32 LE count at 3, time bytes "
        "at 7-14; the time bytes are the 'received' array of "
        + GB_TIME_TEST
        + "; count 16 by hand",
        hand_built=True,
    ),
    Vector(
        "start-reply-same-instant-in-summer-time",
        bytes.fromhex("100101" + "10000000" + "e1070a1d001c0008"),
        {
            "__class__.__name__": "FetchStartReply",
            "status": 1,
            "count": 16,
            "start": dt.datetime(2017, 10, 29, 0, 28),
            "tz_quarters": 8,
        },
        GB_TIME_TEST + " asserts that both arrays are the same instant, 2017-10-28 22:28 UTC",
        hand_built=True,
    ),
    Vector(
        "start-reply-nothing-new",
        bytes.fromhex("100101" + "00000000" + "e1070a1d001c0008"),
        {
            "__class__.__name__": "FetchStartReply",
            "status": 1,
            "count": 0,
            "start": dt.datetime(2017, 10, 29, 0, 28),
            "tz_quarters": 8,
        },
        GB_FETCH + ": a count of 0 means nothing to fetch",
        hand_built=True,
    ),
    Vector(
        "complete",
        bytes.fromhex("100201"),
        {"__class__.__name__": "FetchComplete", "status": 1, "crc32": None},
        GB_FETCH + ", handleFetchDataResponse (3 bytes)",
    ),
    Vector(
        "complete-with-crc32",
        bytes.fromhex("100201" + "2639f4cb"),
        {"__class__.__name__": "FetchComplete", "status": 1, "crc32": 0xCBF43926},
        GB_FETCH + ", handleFetchDataResponse (7 bytes, CRC32 at 3); " + CRC_CHECK,
        hand_built=True,
    ),
]

# ------------------------------------------------------------------ Huami data

SATCAR_57 = (
    "satcar77/miband4 issue #57 (github.com/satcar77/miband4/issues/57): Wireshark "
    "capture of a Mi Band 5 activity-data notification"
)
SAMPLE_LOG = (
    "satcar77/miband4 issues #53 and #55: decoded Mi Band 4 log lines ('category: 80; "
    "intensity 30; steps 0; heart rate 255' ...); bytes rebuilt by hand in the order of "
    + GB
    + "gadgetbridge/service/devices/huami/operations/fetch/FetchActivityOperation.java "
    "createSample (kind, intensity, steps, heart rate)"
)

HUAMI_DATA_PACKETS = [
    Vector(
        "mi-band-5-capture",
        bytes.fromhex("01" + "501900ff04008000" + "500f00ff04008000"),
        {"counter": 1, "payload": bytes.fromhex("501900ff04008000500f00ff04008000")},
        SATCAR_57,
    ),
]

HUAMI_SAMPLES = [
    Vector(
        "mi-band-5-capture-first",
        bytes.fromhex("501900ff04008000"),
        {
            "raw_kind": 0x50,
            "kind": 0,
            "intensity": 25,
            "steps": 0,
            "heart_rate_raw": 255,
            "heart_rate": None,
            "extended": bytes.fromhex("04008000"),
        },
        SATCAR_57,
    ),
    Vector(
        "mi-band-5-capture-second",
        bytes.fromhex("500f00ff04008000"),
        {
            "raw_kind": 0x50,
            "intensity": 15,
            "steps": 0,
            "heart_rate_raw": 255,
            "extended": bytes.fromhex("04008000"),
        },
        SATCAR_57,
    ),
    Vector(
        "log-walking",
        bytes.fromhex("01400fff"),
        {
            "raw_kind": 1,
            "kind": 1,
            "intensity": 64,
            "steps": 15,
            "heart_rate_raw": 255,
            "heart_rate": None,
            "extended": None,
        },
        SAMPLE_LOG + ": 'category: 1; intensity 64; steps 15; heart rate 255'",
        hand_built=True,
    ),
    Vector(
        "log-heart-rate-76",
        bytes.fromhex("500f004c"),
        {
            "raw_kind": 80,
            "kind": 0,
            "intensity": 15,
            "steps": 0,
            "heart_rate_raw": 76,
            "heart_rate": 76,
            "extended": None,
        },
        SAMPLE_LOG + ": 'category: 80; intensity 15; steps 0; heart rate 76'",
        hand_built=True,
    ),
    Vector(
        "log-ignore-kind",
        bytes.fromhex("5a0000ff"),
        {
            "raw_kind": 90,
            "kind": 10,
            "intensity": 0,
            "steps": 0,
            "heart_rate_raw": 255,
            "extended": None,
        },
        SAMPLE_LOG + ": 'category: 90; intensity 0; steps 0; heart rate 255'",
        hand_built=True,
    ),
]

#: Raw kinds in time order, the device states they give (no state before them)
#: and the source of the rule.
HUAMI_KIND_SEQUENCE = (
    (0x5A, 0x50, 0x01, 0x10, 0x60, 0x09, 0x00, 0x0B, 0x0A, 0x03, 0x06, 0x0C),
    (
        "unknown",
        "unknown",
        "awake",
        "awake",
        "awake",
        "sleep_light",
        "sleep_light",
        "sleep_deep",
        "sleep_deep",
        "not_worn",
        "not_worn",
        "awake",
    ),
    GB + "gadgetbridge/devices/miband/MiBand2SampleProvider.java postprocess (raw & 0x0f; "
    "0 and 10 repeat the last valid kind) with the kinds of HuamiConst.java (1 activity, "
    "3 non-wear, 6 charging = not worn, 9 light sleep, 11 deep sleep, 12 wake-up); "
    "90, 80, 16 and 96 are kinds seen in the logs of satcar77/miband4 issue #53",
)

#: Packets, announced count, completion and the payload they assemble to.
HUAMI_CRC_FETCH = (
    (bytes.fromhex("0031323334"), bytes.fromhex("013536373839")),
    9,
    bytes.fromhex("100201" + "2639f4cb"),
    b"123456789",
    GB_FETCH + " (counter byte first, from 0, +1 per packet; CRC32 of the payload in the "
    "completion); " + CRC_CHECK,
)
