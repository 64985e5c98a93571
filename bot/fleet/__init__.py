"""Many rooms: the fleet file, one process (or Ray actor) per room, and the supervisor that restarts them."""
