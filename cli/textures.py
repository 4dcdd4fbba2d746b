"""``wavetex textures``: the example textures bundled with wavetex."""

from __future__ import annotations

import click

from wavetex import textures as bundled

COLUMNS = ("name", "size", "mode", "kind", "source", "licence")


@click.command(short_help="List the bundled example textures.")
def textures() -> None:
    """List the bundled textures; pass a name as INPUT to `wavetex synth` or `wavetex stats`.

    Origins and licences are detailed in SOURCES.md next to the images.
    """
    rows = [
        {**row, "size": f"{row['width']}×{row['height']}"} for row in bundled.info()
    ]
    widths = {column: max(len(column), *(len(str(row[column])) for row in rows)) for column in COLUMNS}
    lines = ["  ".join(column.ljust(widths[column]) for column in COLUMNS).rstrip()]
    for row in rows:
        lines.append("  ".join(str(row[column]).ljust(widths[column]) for column in COLUMNS).rstrip())
    click.echo("\n".join(lines))
