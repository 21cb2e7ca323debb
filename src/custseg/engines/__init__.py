"""The same steps run on all the rows at once (:mod:`.memory`) or customer partition by
customer partition (:mod:`.partitioned`)."""
