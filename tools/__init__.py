"""Developer tools of the course (notebook chrome, corrections table, peak memory); run as scripts or imported by the tests."""
