"""Wire protocol v1: the one typed contract between the server and every client
(docs/protocol.md, which a test checks against these definitions).

* ``requests``: what clients send, tagged by ``type``, and which role may send which;
* ``shapes``: how the server shows tickets, calls, counters, services, the hall, warnings;
* ``messages``: the envelopes the server sends (welcome, snapshot, result, error, event), the
  one answer shape of each request type and the one data shape of each event topic;
* ``errors``: the registry of error codes (section 8);
* ``faults``: the registry of device fault codes (5.7).

Everything is importable from here (``from hallcall import protocol as p``; ``p.Issue``,
``p.TicketView``, ``p.HallSnapshot``).
"""

from .errors import *  # noqa: F403
from .errors import __all__ as _errors
from .faults import *  # noqa: F403
from .faults import __all__ as _faults
from .messages import *  # noqa: F403
from .messages import __all__ as _messages
from .requests import *  # noqa: F403
from .requests import __all__ as _requests
from .shapes import *  # noqa: F403
from .shapes import __all__ as _shapes

__all__ = [*_requests, *_shapes, *_messages, *_errors, *_faults]
