"""Treatment pathway: evidence-linked knowledge and the advisor."""
