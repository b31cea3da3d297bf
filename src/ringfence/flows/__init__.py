"""Workflows that cross domains: one function per reaction (a scan opens a case, a buyer's report
opens a case, the preview of an exception reads the kept verdicts, ...), called alike by the
API, the pages, the CLI and the worker. A flow uses the domains' public services; the domains
never import a flow (docs/architecture.md)."""
