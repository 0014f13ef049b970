"""Pure wire formats of the supported wearables (``docs/devices.md``, "Wire formats").

Every module here is free of I/O, asyncio and bleak: parsers take ``bytes`` and
return frozen records, builders turn records back into the same bytes, and bad
input raises :class:`devices.errors.ProtocolError`.

- :mod:`devices.wire.gatt`: SIG standard characteristics.
- :mod:`devices.wire.infinitime`: PineTime / InfiniTime motion service.
- :mod:`devices.wire.bangle` and :mod:`devices.wire.bangle_messages`: Bangle.js
  Gadgetbridge protocol over Nordic UART.
- :mod:`devices.wire.huami` and :mod:`devices.wire.huami_fetch`: Mi Band /
  Amazfit auth and history fetch.
"""
