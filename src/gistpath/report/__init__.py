"""Human-facing documents: the HTML case summary and its charts (edge: builds strings)."""
