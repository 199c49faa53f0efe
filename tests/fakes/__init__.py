"""In-memory fakes of the repositories, for unit tests only."""
