"""One module per public source: metadata, fetch, parse (real file -> tidy table), validate."""
