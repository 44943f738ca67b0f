"""Industry domains: maintenance, process, quality, energy, battery."""
