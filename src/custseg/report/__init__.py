"""What people read: terminal renderables (:mod:`.terminal`, :mod:`.rules_grid`), the HTML
report (:mod:`.data` gathers its figures, :mod:`.html` lays them out) and the texts in
English and Chinese (:mod:`.i18n`)."""
