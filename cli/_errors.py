"""The one place where library errors become command-line errors.

Every command runs inside :func:`library_errors`: the library's ``ValueError``,
``TypeError``, ``OSError`` (``FileNotFoundError``, ``FileExistsError``, ...) and
``SynthesisError`` become a :class:`click.ClickException`, which click prints as a
single ``Error: ...`` line on stderr with exit status 1 — no traceback. Errors that
name arguments (:class:`wavetex.errors.ArgumentMessage`, such as
:class:`~wavetex.errors.ParameterError`) are rendered with the running command's own
option names (``--n-scales 4`` for ``n_scales=4``), looked up in the command's click
parameters; no message text is parsed. Warnings are printed as one ``Warning: ...``
line each instead of Python's file-and-line form.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import torch

from wavetex.errors import ArgumentMessage, SynthesisError, python_spelling

from ._options import SizeType

#: Errors that carry a message meant for the user.
LIBRARY_ERRORS = (ValueError, TypeError, OSError, SynthesisError)


def _spelling(command: click.Command | None) -> Callable[..., str]:
    """``spell(name[, value])`` with the options of ``command``: ``--n-scales 4``.

    Arguments the command has no option for keep their Python spelling.
    """
    parameters = {parameter.name: parameter for parameter in (command.params if command else [])}

    def spell(name: str, *value: Any) -> str:
        parameter = parameters.get(name)
        if parameter is None:
            return python_spelling(name, *value)
        if isinstance(parameter, click.Argument):
            return parameter.human_readable_name if not value else str(value[0])
        flag = max(parameter.opts, key=len)
        if isinstance(parameter, click.Option) and parameter.is_flag and parameter.secondary_opts and value:
            return flag if value[0] else max(parameter.secondary_opts, key=len)
        if not value or (isinstance(parameter, click.Option) and parameter.is_flag):
            return flag
        shown = value[0]
        if isinstance(parameter.type, SizeType) and isinstance(shown, tuple):
            shown = f"{shown[1]}x{shown[0]}"  # (height, width) -> WxH, as --size is written
        return f"{flag} {shown}"

    return spell


def one_line(error: BaseException, command: click.Command | None = None) -> str:
    """The error's message on one line; arguments it names are spelled as ``command``'s flags.

    Examples
    --------
    >>> from wavetex.errors import ParameterError
    >>> command = click.Command("synth", params=[click.Option(["--n-scales", "n_scales"])])
    >>> one_line(ParameterError("n_scales", "too small;\\n use {} or less", ("n_scales", 4)), command)
    'too small; use --n-scales 4 or less'
    >>> one_line(ValueError("two\\n lines"))
    'two lines'
    """
    message = error.message(_spelling(command)) if isinstance(error, ArgumentMessage) else str(error)
    return " ".join(message.split()) or type(error).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"Warning: {one_line(Warning(message))}", err=True)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library errors into one-line click errors (usable as a decorator too).

    Examples
    --------
    >>> try:
    ...     with library_errors():
    ...         raise ValueError("the image is\\n too small")
    ... except click.ClickException as error:
    ...     print(error.format_message())
    the image is too small
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    except torch.cuda.OutOfMemoryError as error:
        raise click.ClickException(
            f"out of memory ({one_line(error)[:120]}); ask for a smaller --size, fewer "
            "--n-samples or --n-scales, or use --device cpu"
        ) from None
    except LIBRARY_ERRORS as error:
        context = click.get_current_context(silent=True)
        raise click.ClickException(one_line(error, context.command if context else None)) from None
