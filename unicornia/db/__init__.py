"""SQLite storage: schema and migrations, named statements, and the store that runs them off the event loop."""
