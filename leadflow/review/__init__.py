"""The periodic pipeline review: its numbers, and its HTML, Markdown, JSON and XLSX forms."""
