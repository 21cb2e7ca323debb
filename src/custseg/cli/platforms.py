"""The ``platforms`` command: the platform tables custseg reads exports with."""

from __future__ import annotations

import click

from custseg.cli.output import handle_errors, make_console


@click.command()
@click.argument("name", required=False)
@handle_errors
def platforms(name: str | None) -> None:
    """List the platforms whose exports custseg knows, or show one platform's table.

    A platform is recognised from the header (at least two of its marking column names);
    --platform NAME on the loading commands forces one. Each table gives the platform's
    column names per role (most preferred first), its status values, its placeholder
    customer ids and where its order-level values sit on item rows.

    \b
    Examples:
      custseg platforms
      custseg platforms pinduoduo
      custseg rfm export.csv --platform jd
    """
    from rich.table import Table

    from custseg.orders.platforms import platform_named
    from custseg.orders.platforms import platforms as tables

    console = make_console()
    if name is None:
        table = Table(title="Platforms", title_justify="left")
        for heading in ("Name", "Platform", "平台", "Recognised by (any two)"):
            table.add_column(heading)
        for key, platform in tables().items():
            marks = ", ".join(platform.written.get("signature", [])) or "(only with --platform)"
            table.add_row(key, platform.title, platform.title_zh, marks)
        console.print(table)
        return
    platform = platform_named(name)
    detail = Table(title=f"{platform.title} ({platform.name})", title_justify="left")
    detail.add_column("What")
    detail.add_column("Names and values (most preferred first)")
    written = platform.written
    for role, names in written.get("columns", {}).items():
        detail.add_row(f"{role} column", ", ".join(names))
    levels: dict[str, list[str]] = {}
    for column, level in written.get("order_level", {}).items():
        levels.setdefault(level.replace("_", " "), []).append(column)
    for level, columns in levels.items():
        detail.add_row(f"order-level: {level}", ", ".join(columns))
    for category, values in written.get("statuses", {}).items():
        if values and category != "placeholder_customers":
            detail.add_row(f"status: {category.replace('_', ' ')}", ", ".join(values))
    if platform.placeholders:
        detail.add_row("placeholder ids", ", ".join(sorted(platform.placeholders)))
    console.print(detail)
