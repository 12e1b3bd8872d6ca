"""Training management, pure rules: learning paths from gaps, progress and overdue logic, CME credits,
quiz grading and the feedback of results into the competency profile. No database, no Qt."""
