"""Application services: the use cases the command line and the dashboard share.

Each function reads from the :class:`~ipsrt.store.Store`, calls the pure
domain (:mod:`ipsrt.rhythm`, :mod:`ipsrt.srm`, :mod:`ipsrt.mood`,
:mod:`ipsrt.alerts`, :mod:`ipsrt.minutes`) and writes results back. Neither
the CLI nor the dashboard holds SQL or metric code; the store computes no
metric; the domain never touches the store or the clock (``now`` is an
argument here too).

* :mod:`~ipsrt.reports.accounts`: logins (password policy, hashing).
* :mod:`~ipsrt.reports.diary`: SRM diary import, stored entries, rating scales.
* :mod:`~ipsrt.reports.wearable`: the minutes that count and the last data.
* :mod:`~ipsrt.reports.summaries`: daily summaries kept up to date, rebuilt, read.
* :mod:`~ipsrt.reports.nights`: nights and estimated anchors from the summaries.
* :mod:`~ipsrt.reports.metrics`: the rhythm panel of a client's stored data.
* :mod:`~ipsrt.reports.srm`: SRM scores of stored and estimated anchors.
* :mod:`~ipsrt.reports.alerts`: daily tables, alert runs, listing, acknowledgement.
"""
