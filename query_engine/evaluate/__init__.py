"""How well Clarify reads questions: accuracy on question sets and statistics of the query log."""
