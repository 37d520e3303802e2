"""The generated blocks of README.md and docs/: each console example and table
of figures, produced again by the tool or the reproduce command that made it."""
