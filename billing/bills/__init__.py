"""Bills and bill runs: calculating draft bills (``calculate``), the stages of a run
(``runs``: calculate, review, post) and the proof register (``register``)."""
