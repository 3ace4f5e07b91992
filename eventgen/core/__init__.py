"""The ground floor: errors, settings declarations and parsers, time helpers, jobs and batches."""
