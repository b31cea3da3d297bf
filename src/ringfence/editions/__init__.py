"""Editions as tenants: the lifecycle of a Games edition, read-only archives, hand-over between
organising committees, and portable bundles of one edition's data."""
