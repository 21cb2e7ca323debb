"""K-Means clusters of custseg's customers, made readable.

From a run's per-customer frame: :mod:`.features` (the matrix K-Means sees: log1p and
standardised measures, or standardised scores, in a canonical customer order),
:mod:`.fit` (the seeded samples, the fits over k and the choice of k by silhouette, all
with scikit-learn), :mod:`.describe` (each cluster's medians, shares, readable name and
nearest segment, numbered in order of value) and :mod:`.run` (the whole job:
:func:`cluster_customers`). Nothing here prints; scikit-learn is imported inside functions.
"""
