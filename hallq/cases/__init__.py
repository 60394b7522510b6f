"""Cases (办件) followed to their result (issue 17).

A finish other than 即办件 opens a case: the window has accepted it and owes the
citizen a result. The case knows who answers for it (the window, its department),
when it falls due on the hall's working-day calendar, what it waits for
(materials, other departments, a higher authority), and when its result was
ready and handed out. The assessment reads its completion day (case_completions).
"""
