"""The documents: objectives, registers and policies read with the line of every key, what they mean, and the rules that check them.

The bottom of the chain: nothing here imports another pillar. What a register round *means*
(its lifecycle, its corrections applied, the cumulative stack of criteria it inherits) lives
here too, because the rules that check a register need it; what is *done* to a register
(appending rounds, recording runs and decisions) is the register pillar's.
"""
