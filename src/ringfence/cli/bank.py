"""`ringfence bank add|build`: the official image bank (docs/screening.md, "Images")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory
from ringfence.core.errors import InvalidInput

app = typer.Typer(help="The official image bank.", no_args_is_help=True)


@app.command("add")
def bank_add(
    photos: Annotated[list[Path], typer.Argument(help="Official product photo files.")],
    licence: Annotated[str, typer.Option(help="The licence the product is sold under.")],
    product: Annotated[str, typer.Option(help="The product the photos show (name or GTIN).")],
    prefix: Annotated[
        str, typer.Option(help="Image ids are PREFIX + the file name without extension.")
    ] = "",
    database_url: DatabaseOpt = None,
) -> None:
    """Hash official photos into the bank, for a licence (created or replaced by id)."""
    from ringfence.core.security import Principal, Role
    from ringfence.registry.bank import official_image
    from ringfence.registry.models import Licence
    from ringfence.registry.service import save_images
    from ringfence.screening.images import MAX_BYTES
    from ringfence.screening.interfaces import ImageUnavailable, read_limited

    with session_factory(database_url)() as session:
        lic = session.get(Licence, licence)
        if lic is None:
            raise InvalidInput(f"no licence with id {licence!r}", code="unknown_licence")
        images = []
        for path in photos:
            try:
                data = read_limited(path, MAX_BYTES)
            except ImageUnavailable as exc:
                raise InvalidInput(f"{path}: {exc}", code=exc.reason) from None
            images.append(
                official_image(
                    data,
                    id=f"{prefix}{path.stem}",
                    product=product,
                    licence=lic.id,
                    licensee=lic.licensee_id,
                    source=path.name,
                )
            )
        admin = Principal(Role.admin)
        save_images(session, principal=admin, images=images)
        session.commit()
    for image in images:
        echo(f"{image.id}: pdq {image.pdq[:16]}… quality {image.quality}")
    echo(f"added {len(images)} images to the bank for licence {licence}")


@app.command("build")
def bank_build(
    out: Annotated[Path, typer.Option("--out", "-o", help="The index file to write.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Compile the registry, its image bank included, into a screening index for `screen`."""
    from ringfence.registry.service import export_document
    from ringfence.screening.index import builtin_data, write_index

    with session_factory(database_url)() as session:
        data = builtin_data(export_document(session))
    checksum = write_index(data, out)
    echo(
        f"wrote {out}: {len(data.registry.images)} bank images, "
        f"{len(data.registry.marks)} marks, checksum {checksum[:16]}"
    )
