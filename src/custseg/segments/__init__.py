"""Measures become scores and segments: :mod:`.scoring` cuts R, F and M into levels,
:mod:`.rules` reads rule tables (TOML) and assigns segments, :mod:`.rulecheck` checks them,
:mod:`.summary` sums customers and revenue per segment."""
