"""Randomised trials: designs, eligibility, allocation, blinding, crossover (pure rules)."""
