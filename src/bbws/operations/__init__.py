"""Operating a deployed environment from the command line: status, logs, backups, notices."""
