"""Renderers: rich terminal tables, CSV and JSON. Data in, text out; no computation here."""
