"""The IPT side of IPSRT: treatment course, interpersonal inventory, life events, relapse plan.

Pure domain code (no I/O, no clock): the store keeps these records, the
services in :mod:`ipsrt.reports` authorize and combine them, and the
dashboard and the command line show them (docs/clinicians.md).
"""
