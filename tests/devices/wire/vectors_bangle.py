"""Golden vectors of the Bangle.js Gadgetbridge protocol (JSON lines over NUS), as data.

Same conventions as :mod:`tests.devices.wire.vectors`: lines copied from or
written by hand (``hand_built=True``) after public protocol code and
documentation named in ``source``, never produced with this project's
encoders; ``docs/devices.md``, "Bangle.js transport" and "Bangle.js messages".
``fields`` paths may name the record's class (``__class__.__name__``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.devices.wire.vectors import Vector

__all__ = ["BANGLE_PHONE_LINES", "BANGLE_STREAMS", "BANGLE_WATCH_LINES", "NotificationStream"]

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
