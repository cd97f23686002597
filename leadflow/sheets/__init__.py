"""The team's spreadsheets: reading lead files (.csv in any common encoding, .xlsx, .jsonl)
through header and value maps, importing them in chunks, and exporting the register."""
