"""A raw table becomes canonical orders, every row accounted for.

:mod:`.columns` finds the columns, :mod:`.values` parses ids, dates and amounts,
:mod:`.cleaning` owns the reasons a row is left out, and :mod:`.load` runs them in order.
"""
