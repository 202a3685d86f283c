"""Layer 5, evaluation: from predictions to numbers and figures.

Takes true and predicted labels (or probabilities) and gives ``metrics`` (accuracy, UAR,
F1, per-class and per-group tables, baselines) and ``plots`` (every figure of the reports,
as matplotlib Figures).
"""
