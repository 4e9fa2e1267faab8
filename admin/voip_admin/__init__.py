"""voip_admin: the operators' command-line tool (`voip-admin`)."""
