"""Response assessment from lesion measurements: RECIST 1.1 and 1.0, Choi, progression pattern."""
