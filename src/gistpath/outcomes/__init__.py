"""Clinical endpoints per treatment line (PFS, TTF, OS, best response) from cases."""
