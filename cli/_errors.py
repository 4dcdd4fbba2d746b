"""The one place where library errors become command-line errors.

Every command runs inside :func:`library_errors`: the library's ``ValueError``,
``TypeError``, ``OSError`` (``FileNotFoundError``, ``FileExistsError``, ...) and
``SynthesisError`` become a :class:`click.ClickException`, which click prints as a
single ``Error: ...`` line on stderr with exit status 1 — no traceback. The
library's messages name keyword arguments (``n_scales=4``); here they are
rewritten to the matching command-line flags (``--n-scales 4``). Warnings are
printed as one ``Warning: ...`` line each instead of Python's file-and-line form.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import click
import torch

from wavetex import SynthesisError

#: Errors that carry a message meant for the user.
LIBRARY_ERRORS = (ValueError, TypeError, OSError, SynthesisError)

# Keyword arguments of the library that are command-line options of the same name.
_FLAGS = (
    "n_scales",
    "n_orientations",
    "n_phases",
    "delta_j",
    "shifts",
    "n_samples",
    "seed",
    "schedule",
    "max_iter",
    "time_budget",
    "init",
    "device",
    "dtype",
    "bit_depth",
)
# name=value, possibly followed by quoted alternatives: device='cpu' or 'auto'
_KEYWORD = re.compile(
    r"\b(?P<name>" + "|".join(_FLAGS) + r")=(?P<quote>['\"]?)(?P<value>[^\s'\",;)]+)(?P=quote)"
    r"(?P<alternatives>(?(quote)(?:\s*(?:,|or)\s*['\"][^\s'\",;)]+['\"])*|))"
)
# a message that starts with an option's name: "seed must be ..."
_SUBJECT = re.compile(r"^(" + "|".join(_FLAGS) + r")\b(?= must| is| was)")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _as_flags(match: re.Match) -> str:
    flag = _flag(match["name"])
    alternatives = re.findall(r"['\"]([^'\"]+)['\"]", match["alternatives"])
    return " or ".join(f"{flag} {value}" for value in [match["value"], *alternatives])


def one_line(error: BaseException) -> str:
    """The error's message on one line, with keyword arguments spelled as flags.

    Examples
    --------
    >>> one_line(ValueError("no GPU; use device='cpu' or 'auto'"))
    'no GPU; use --device cpu or --device auto'
    >>> one_line(ValueError("seed must be a non-negative integer,\\n got -1"))
    '--seed must be a non-negative integer, got -1'
    >>> one_line(ValueError("too small; use n_scales=4 or less"))
    'too small; use --n-scales 4 or less'
    """
    message = " ".join(str(error).split()) or type(error).__name__
    message = _SUBJECT.sub(lambda m: _flag(m[1]), _KEYWORD.sub(_as_flags, message))
    return message.replace("overwrite=True (--force on the command line)", "--force").replace(
        "overwrite=True (--force)", "--force"
    )


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"Warning: {one_line(Warning(message))}", err=True)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library errors into one-line click errors (usable as a decorator too).

    Examples
    --------
    >>> try:
    ...     with library_errors():
    ...         raise ValueError("use n_scales=4 or less")
    ... except click.ClickException as error:
    ...     print(error.format_message())
    use --n-scales 4 or less
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
        raise click.ClickException(one_line(error)) from None
