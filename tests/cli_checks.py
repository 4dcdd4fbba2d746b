"""Driving the ``wavetex`` command line as a user would, for the CLI tests."""

from click.testing import CliRunner
from wavetex_cli.main import cli


def invoke(*args):
    """Run ``wavetex ARGS...`` in-process; arguments are turned into strings."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_ok(result):
    assert result.exit_code == 0, (result.output, result.exception)


def assert_error(result, *fragments, absent=()):
    """Non-zero exit, one ``Error:`` line on stderr holding the fragments (and none of
    ``absent``), no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0], error_lines[0]
    for fragment in absent:
        assert fragment not in error_lines[0], error_lines[0]
