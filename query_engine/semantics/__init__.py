"""What the data means: the semantic model, metric formulas, the data profile and calculated metrics."""
