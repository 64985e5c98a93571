"""Director: decides what the host says next."""
