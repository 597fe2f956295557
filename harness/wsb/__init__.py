"""Windows Server Backup: typed backup sets and jobs, error codes, backup selection, job polling."""
