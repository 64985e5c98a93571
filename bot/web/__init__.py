"""Web: dashboard and the moderator control API."""
