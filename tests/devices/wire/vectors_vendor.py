"""Golden vectors of the Bangle.js (Gadgetbridge JSON) and Huami formats, as data.

Same conventions as :mod:`tests.devices.wire.vectors`: bytes copied from public
captures, test suites and protocol code, or written by hand
(``hand_built=True``) from the public layout named in ``source``; never produced
with this project's encoders. ``fields`` paths may name the record's class
(``__class__.__name__``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.devices.wire.vectors import Vector

__all__ = [
    "AES_128_ECB",
    "BANGLE_PHONE_LINES",
    "BANGLE_STREAMS",
    "BANGLE_WATCH_LINES",
    "HUAMI_AUTH_REQUESTS",
    "HUAMI_AUTH_RESPONSES",
    "HUAMI_CRC_FETCH",
    "HUAMI_DATA_PACKETS",
    "HUAMI_FETCH_COMMANDS",
    "HUAMI_FETCH_RESPONSES",
    "HUAMI_KIND_SEQUENCE",
    "HUAMI_SAMPLES",
    "NotificationStream",
]

# ------------------------------------------------------------------ sources

BANGLE_APPS = "espruino/BangleApps, apps/android/"
GBSEND = (
    BANGLE_APPS + "lib.js (commit 276eaa22): gbSend prints an empty line, then "
    "JSON.stringify(message), with Bluetooth.println (CR LF line ends)"
)
ACTFETCH = GBSEND + "; the 'actfetch' handler sends start, one 'act' per record, end+count"
HEALTH2 = (
    "espruino/BangleApps, apps/health/lib.js (commit 091edf7c): a HEALTH2 record stores "
    "bpmMin and bpmMax and reads back bpm = (bpmMin+bpmMax)/2, movement = byte 4 x 8, "
    "activity = ACTIVITY[byte 7 >> 5]"
)
HEALTH1 = (
    "espruino/BangleApps, apps/health/lib.js (commit 091edf7c): a HEALTH1 record has "
    "steps, bpm and movement only, so 'act' is undefined and JSON.stringify omits it"
)
BOOT_2V26 = (
    BANGLE_APPS + "boot.js (2v26 form): the 10-minute 'health' event sends "
    "{t:'act', stp, hrm, mov, act}"
)
BOOT_OLD = (
    BANGLE_APPS + "boot.js (commit 4f6a2452 and later, before 'mov' was added): the "
    "'health' event sends {t:'act', stp, hrm}"
)
ESPRUINO_DOC = (
    "espruino/EspruinoDocs, info/Gadgetbridge.md (commit 00007923), 'Messages from "
    "Bangle.js to Phone'"
)
GB = "Freeyourgadget/Gadgetbridge (commit a0948ee1), app/src/main/java/nodomain/freeyourgadget/"
GB_BANGLE = GB + "gadgetbridge/service/devices/banglejs/BangleJSDeviceSupport.java"
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

# ------------------------------------------------------------ Bangle.js lines


def _line(json_text: str) -> bytes:
    return b"\r\n" + json_text.encode("ascii") + b"\r\n"


BANGLE_WATCH_LINES = [
    Vector(
        "actfetch-start",
        _line('{"t":"actfetch","state":"start"}'),
        {"__class__.__name__": "ActFetchStart"},
        ACTFETCH,
    ),
    Vector(
        "act-record-2v26",
        _line('{"t":"act","ts":1671134400000,"stp":523,"hrm":72,"mov":1504,"act":"WALKING"}'),
        {
            "__class__.__name__": "ActRecord",
            "ts": 1671134400000,
            "steps": 523,
            "heart_rate": 72,
            "movement": 1504,
            "activity": "WALKING",
            "block_start_ms": 1671133800000,
            "state.label": "awake",
        },
        ACTFETCH + ": ts = record start + 600000 ms, then stp, hrm, mov, act; values by hand",
        hand_built=True,
    ),
    Vector(
        "act-record-half-bpm",
        _line('{"t":"act","ts":1671135000000,"stp":0,"hrm":62.5,"mov":16,"act":"LIGHT_SLEEP"}'),
        {
            "__class__.__name__": "ActRecord",
            "ts": 1671135000000,
            "steps": 0,
            "heart_rate": 62.5,
            "movement": 16,
            "activity": "LIGHT_SLEEP",
            "state.label": "sleep_light",
        },
        HEALTH2 + " (bpmMin 61, bpmMax 64 give 62.5); line layout per " + ACTFETCH,
        hand_built=True,
    ),
    Vector(
        "act-record-health1",
        _line('{"t":"act","ts":1671135600000,"stp":12,"hrm":0,"mov":0}'),
        {
            "__class__.__name__": "ActRecord",
            "ts": 1671135600000,
            "steps": 12,
            "heart_rate": 0,
            "movement": 0,
            "activity": None,
            "state.label": "unknown",
        },
        HEALTH1 + "; line layout per " + ACTFETCH,
        hand_built=True,
    ),
    Vector(
        "actfetch-end",
        _line('{"t":"actfetch","state":"end","count":3}'),
        {"__class__.__name__": "ActFetchEnd", "count": 3},
        ACTFETCH,
    ),
    Vector(
        "realtime",
        _line('{"t":"act","stp":3,"hrm":81,"rt":1}'),
        {"__class__.__name__": "ActRealtime", "steps": 3, "heart_rate": 81},
        GBSEND + "; the 'act' handler sends {t:'act', stp: steps since last, hrm, rt:1}",
        hand_built=True,
    ),
    Vector(
        "live-2v26",
        _line('{"t":"act","stp":1234,"hrm":70,"mov":800,"act":"EXERCISE"}'),
        {
            "__class__.__name__": "ActLive",
            "steps": 1234,
            "heart_rate": 70,
            "movement": 800,
            "activity": "EXERCISE",
        },
        BOOT_2V26,
        hand_built=True,
    ),
    Vector(
        "live-before-mov",
        _line('{"t":"act","stp":1234,"hrm":70}'),
        {
            "__class__.__name__": "ActLive",
            "steps": 1234,
            "heart_rate": 70,
            "movement": None,
            "activity": None,
        },
        BOOT_OLD,
        hand_built=True,
    ),
    Vector(
        "status",
        _line('{"t":"status","bat":64,"chg":0}'),
        {"__class__.__name__": "Status", "battery": 64, "charging": False},
        BANGLE_APPS + "boot.js sendBattery: {t:'status', bat: E.getBattery(), chg: 0 or 1}",
        hand_built=True,
    ),
    Vector(
        "status-with-volt",
        _line('{"t":"status","bat":100,"volt":4.1,"chg":1}'),
        {"__class__.__name__": "Status", "battery": 100, "charging": True},
        ESPRUINO_DOC + ": t:'status', bat:0..100, volt:float, chg:0/1 (volt is not kept)",
        hand_built=True,
        builds=False,
    ),
    Vector(
        "ver",
        _line('{"t":"ver","fw":"2v26","hw":"BANGLEJS2"}'),
        {"__class__.__name__": "Version", "firmware": "2v26", "hardware": "BANGLEJS2"},
        ESPRUINO_DOC + ": t:'ver', fw:string, hw:string",
        hand_built=True,
    ),
]

BANGLE_PHONE_LINES = [
    Vector(
        "gadgetbridge-actfetch",
        b'\x10GB({"t":"actfetch","ts":1671133133000})\n',
        {"kind": "gb", "message": {"t": "actfetch", "ts": 1671133133000}},
        GB_BANGLE + ": fetchActivityData puts t then ts; uartTxJSON writes "
        "'\\u0010GB(' + JSON + ')\\n'; ts value by hand",
        hand_built=True,
    ),
    Vector(
        "gadgetbridge-realtime",
        b'\x10GB({"t":"act","hrm":true,"stp":true,"int":10})\n',
        {"kind": "gb", "message": {"t": "act", "hrm": True, "stp": True, "int": 10}},
        GB_BANGLE + ": transmitActivityStatus puts t, hrm, stp, int",
        hand_built=True,
    ),
    Vector(
        "gadgetbridge-set-time",
        b"\x10setTime(1671133133);E.setTimeZone(1.0);(s=>s&&(s.timezone=1.0,require('Storage')"
        b".write('setting.json',s)))(require('Storage').readJSON('setting.json',1))\n",
        {"kind": "set_time", "unix_s": 1671133133, "tz_hours": 1.0},
        GB_BANGLE + ": transmitTime (seconds, then the zone as a Java float, then a "
        "settings write); values by hand",
        hand_built=True,
        builds=False,
    ),
    Vector(
        "set-time-half-hour-zone",
        b"\x10setTime(1671133133);E.setTimeZone(5.5);\n",
        {"kind": "set_time", "unix_s": 1671133133, "tz_hours": 5.5},
        GB_BANGLE + ": transmitTime's first two statements (this project does not "
        "write the watch settings file)",
        hand_built=True,
    ),
]


@dataclass(frozen=True)
class NotificationStream:
    """Watch → phone notifications and what line reassembly must make of them."""

    name: str
    notifications: tuple[bytes, ...]
    messages: tuple[dict[str, object], ...]
    flow: tuple[int, ...]
    paused: bool
    garbage_reasons: tuple[str, ...]
    source: str


_FLOW_SOURCE = (
    GB_BANGLE + ", onCharacteristicChanged: XOFF (19) and XON (17) may sit anywhere in a "
    "notification and are removed before lines are split on LF; the character before "
    "LF (println's CR) is dropped"
)

BANGLE_STREAMS = [
    NotificationStream(
        "split-lines-with-flow-control",
        (
            b'\r\n{"t":"act',
            b'fetch",\x13"state":"start"}\r',
            b'\n\x11\r\n{"t":"actfetch","state":"end","count":0}\r\n',
        ),
        ({"t": "actfetch", "state": "start"}, {"t": "actfetch", "state": "end", "count": 0}),
        (0x13, 0x11),
        False,
        (),
        _FLOW_SOURCE,
    ),
    NotificationStream(
        "xoff-holds",
        (b'\r\n{"t":"status","bat":64,"chg":0}\r\n\x13',),
        ({"t": "status", "bat": 64, "chg": 0},),
        (0x13,),
        True,
        (),
        _FLOW_SOURCE,
    ),
    NotificationStream(
        "console-noise",
        (b'>Uncaught ReferenceError: "GB" is not defined\r\n', b'{"bat":64}\r\n'),
        (),
        (),
        False,
        ("not a JSON line", 'no "t" key'),
        GB_BANGLE + ", handleUartRxLine: that console line (Android Integration missing) "
        "and JSON without 't' are not messages",
    ),
]

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
