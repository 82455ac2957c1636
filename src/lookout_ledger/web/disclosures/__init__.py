"""Pages of the disclosure workflow: the approvers' queue, the disclosure log, remediation."""
