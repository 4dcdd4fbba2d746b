"""Entry point of the ``wavetex`` command: the group, to which each command is added."""

import click

import wavetex

from .constrained import extend, inpaint, tile
from .probe import probe
from .report import report
from .stats import stats
from .survey import survey
from .sweep import sweep
from .synth import synth
from .textures import textures


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(wavetex.__version__, "--version", prog_name="wavetex", message="%(prog)s %(version)s")
def cli() -> None:
    """wavetex: texture synthesis with wavelet covariance statistics (the ALPHA model).

    Run `wavetex COMMAND -h` for the options of a command.
    """


cli.add_command(synth)
cli.add_command(stats)
cli.add_command(textures)
cli.add_command(probe)
cli.add_command(report)
cli.add_command(sweep)
cli.add_command(survey)
cli.add_command(inpaint)
cli.add_command(extend)
cli.add_command(tile)


def main() -> None:
    """Run the commands (the console script is :func:`wavetex_cli._entry.main`)."""
    cli()
