"""The one catalog of Chinese labels a person reads: phases, grades, statuses, flag kinds, roles,
task kinds and error messages. Templates and documents take every label from here
(``labels.PHASES``…); its parts are split by the pages that use them."""

from api.console.labels.common import *  # noqa: F403
from api.console.labels.features import *  # noqa: F403
from api.console.labels.organizer import *  # noqa: F403
from api.console.labels.pages import *  # noqa: F403
