"""Patient safety: CTCAE grading from labs, CYP3A4 interactions, label dose modifications."""
