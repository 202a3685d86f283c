"""Layer 3, preparation: from features to leak-free model inputs.

Takes a :class:`~ser_utils.features.FeatureSet` and gives the training, validation and
test arrays: ``split`` first (random or by actor), then, on the training part only,
``augment``, ``normalise`` (statistics fitted on training) and ``balance``; ``prepare``
runs those steps in that order.
"""
