"""Use custseg from Python (a notebook, a script): load, score, segment, summarise.

python examples/python_api.py [ORDERS_FILE]
"""

import sys

import custseg

path = sys.argv[1] if len(sys.argv) > 1 else "data/sample_orders.csv"

loaded = custseg.read_orders(path)  # canonical orders + row accounting
report = loaded.report
print(f"{report.rows_read} rows read, {report.rows_used} used, as of {report.as_of}")

rfm = custseg.rfm_table(loaded.orders, as_of=loaded.report.as_of)  # measures + scores
segmented = custseg.assign_segments(rfm, custseg.builtin_rules("default"))
print(custseg.segment_summary(segmented, custseg.builtin_rules("default").segment_names()))

# The repeat buyers a shop owner would reward: at least 2 orders and more than 40 yuan.
repeat = segmented[(segmented["frequency"] >= 2) & (segmented["monetary"] > 40)]
print(f"{len(repeat)} repeat buyers")
