"""The one exception type for mistakes a user can make (bad names, bad paths, clashing configs).

The CLI turns it into a single ``error: ...`` line and a non-zero exit; library callers can catch it.
"""


class Sim2ActError(Exception):
    """An error caused by user input; its message names the bad input and is shown as one line."""
