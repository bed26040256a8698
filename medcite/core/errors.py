"""User-facing errors: raised for bad input or configuration, printed without a stack trace."""


class MedciteError(Exception):
    """An error the user can fix; the message says what is wrong and how to fix it."""


class ConfigError(MedciteError):
    """A setting (model spec, path, URL) is invalid or points at something missing."""


class ModelUnavailableError(ConfigError):
    """Model weights or a model server cannot be reached from this machine."""


class InputError(MedciteError):
    """An input file or resource is malformed; the message names the file and location."""


class LimitError(MedciteError):
    """A run reached one of its limits; the message names the ``MEDCITE_*`` setting that sets it."""


class ModelTimeoutError(LimitError):
    """One model call took longer than ``MEDCITE_REQUEST_TIMEOUT_S``."""


class ToolCallLimitError(LimitError):
    """A run asked for more tool calls than ``MEDCITE_MAX_TOOL_CALLS``."""
