"""Errors that name the argument at fault, so that each interface can name it its own way.

A :class:`ParameterError` is a :class:`ValueError` that knows which keyword argument
was wrong (``error.parameter``). Its message is a template whose fields are
arguments with an optional value; Python callers read them as ``n_scales=4``, the
command line renders the same error with its own flags (``--n-scales 4``) through
:meth:`ParameterError.message`, without parsing the text.

Examples
--------
>>> error = ParameterError("n_scales", "{} is too large for a 20×20 image; use {} or less",
...                        ("n_scales", 5), ("n_scales", 3))
>>> str(error)
'n_scales=5 is too large for a 20×20 image; use n_scales=3 or less'
>>> error.parameter
'n_scales'
>>> error.message(lambda name, *value: "--" + name.replace("_", "-") + "".join(f" {v}" for v in value))
'--n-scales 5 is too large for a 20×20 image; use --n-scales 3 or less'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ArgumentMessage", "ParameterError", "SynthesisError", "python_spelling"]


def python_spelling(name: str, *value: Any) -> str:
    """How Python callers write an argument: ``name`` or ``name=value``.

    Examples
    --------
    >>> python_spelling("seed"), python_spelling("device", "cpu")
    ('seed', "device='cpu'")
    """
    return name if not value else f"{name}={value[0]!r}"


class ArgumentMessage:
    """Mixin: an error message that is a template over arguments (see the module).

    ``template`` has one ``{}`` field per item of ``arguments``: ``(name,)`` or
    ``(name, value)``, an argument with a value when the message shows one.
    """

    def __init__(self, template: str, *arguments: tuple[Any, ...]):
        super().__init__(template, *arguments)
        self.template = template
        self.arguments = arguments

    def message(self, spell: Callable[..., str] = python_spelling) -> str:
        """The message, each argument written by ``spell(name)`` or ``spell(name, value)``."""
        return self.template.format(*(spell(*argument) for argument in self.arguments))

    def __str__(self) -> str:
        return self.message()


class ParameterError(ArgumentMessage, ValueError):
    """A bad argument value; ``parameter`` names the argument at fault.

    Parameters
    ----------
    parameter : str
        The keyword argument at fault, as the Python API spells it.
    template, *arguments
        The message (see :class:`ArgumentMessage`).
    """

    def __init__(self, parameter: str, template: str, *arguments: tuple[Any, ...]):
        super().__init__(template, *arguments)
        self.parameter = parameter
        self.args = (parameter, template, *arguments)  # so that copies (pickle) rebuild it


class SynthesisError(ArgumentMessage, RuntimeError):
    """The optimisation cannot go on (for instance the loss became NaN)."""
