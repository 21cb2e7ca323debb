"""What custseg does to keep personal data in: which columns look personal
(:mod:`~custseg.privacy.personal`), ids that are masked and collide
(:mod:`~custseg.privacy.masked`), keyed pseudonyms for customer ids
(:mod:`~custseg.privacy.pseudonyms`) and hashed audience lists for ad platforms
(:mod:`~custseg.privacy.audience`).

Engine-free, and never printing: the command line decides what to tell (``cli/privacy.py``).
"""
