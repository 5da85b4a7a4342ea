"""The evaluation pillar: `ftgov evaluate`.

Results files are read by adapters (results/) into a MetricTable, judged against the round's
cumulative stack with honest intervals (statistics, compare), and written as a verdict (evaluate).
"""
