"""The practice records: reading, checking and exporting them."""
