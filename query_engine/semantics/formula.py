"""Calculated metrics: arithmetic over the model's measures ("revenue - spend"), parsed by sqlglot."""
from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from query_engine.errors import FormulaError

ALLOWED_NODES = (exp.Column, exp.Identifier, exp.Literal, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Paren, exp.Neg)




def parse_formula(formula: str, measures: set[str]) -> exp.Expr:
    """Parse `formula`, allowing only + - * / ( ), numbers and the names in `measures`."""
    try:
        tree = sqlglot.parse_one(formula, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise FormulaError(f"'{formula}' is not a formula Clarify can read.") from exc
    if tree is None:
        raise FormulaError("The formula is empty.")
    for node in tree.walk():
        if not isinstance(node, ALLOWED_NODES):
            raise FormulaError(f"'{formula}' uses {node.key.upper()}; only + - * / and parentheses are allowed.")
        if isinstance(node, exp.Column) and (node.table or node.name.lower() not in measures):
            known = ", ".join(sorted(measures))
            raise FormulaError(f"'{node.sql()}' is not a measure of this data. Use: {known}.")
    return tree


def formula_measures(formula: str, measures: set[str]) -> tuple[str, ...]:
    """The measures a formula uses, in order of first use."""
    names = [c.name.lower() for c in parse_formula(formula, measures).find_all(exp.Column)]
    return tuple(dict.fromkeys(names))


def expand_formula(formula: str, measures: set[str], aggregate: Callable[[str], exp.Expr]) -> exp.Expr:
    """The formula with each measure replaced by its aggregate, and division guarded against zero."""
    tree = parse_formula(formula, measures)

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            return aggregate(node.name.lower())
        if isinstance(node, exp.Div):
            # Changed in place: transform does not descend into a node it was handed back anew.
            node.set("expression", exp.Nullif(this=node.expression, expression=exp.Literal.number(0)))
        return node

    return exp.Paren(this=tree.transform(replace))
