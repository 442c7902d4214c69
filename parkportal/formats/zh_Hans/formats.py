# Money in the park's Chinese documents is grouped by thousands with a
# comma (5,000,000.00 元); Django's own Chinese formats group nothing.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
