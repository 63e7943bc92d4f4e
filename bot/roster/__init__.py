"""Official lists (rosters): parsing and validation of the CSV, the import service, the demo roster."""
