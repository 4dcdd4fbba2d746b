"""Entry point of the ``wavetex`` command."""

import click

import wavetex


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(wavetex.__version__, prog_name="wavetex")
def cli() -> None:
    """wavetex: texture synthesis with wavelet covariance statistics."""


def main() -> None:
    cli()
