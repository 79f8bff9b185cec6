# The English UI keeps Vietnamese conventions (dd/mm/yyyy, "." for thousands): same formats.
from config.formats.vi.formats import *  # noqa: F403
