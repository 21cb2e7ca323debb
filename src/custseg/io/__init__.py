"""Bytes in and out: order files read into raw tables (:mod:`.readers`) and results written
completely or not at all (:mod:`.writers`). Nothing here knows what an order is."""
