"""Catalog: products, prices and stock — the only source of facts the host may state."""
