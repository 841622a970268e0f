"""Guided why-investigations: the plan, its steps and the model-planned variant."""
