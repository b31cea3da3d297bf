"""`ringfence bank add|build`: the official image bank (docs/screening.md, "Images")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory
from ringfence.cli.error_codes import ErrorCode
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
    from ringfence.registry.models import Licence
    from ringfence.registry.service import save_images
    from ringfence.screening.bank import official_image
    from ringfence.screening.images import MAX_BYTES
    from ringfence.screening.interfaces import ImageUnavailable, read_limited

    with session_factory(database_url)() as session:
        lic = session.get(Licence, licence)
        if lic is None:
            raise InvalidInput(f"no licence with id {licence!r}", code=ErrorCode.UNKNOWN_LICENCE)
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


@app.command("emblem")
def bank_emblem(
    image: Annotated[Path, typer.Argument(help="A reference image of the emblem (PNG, JPEG).")],
    mark: Annotated[str, typer.Option(help="The mark (an emblem) the image shows.")],
    image_id: Annotated[
        str | None, typer.Option("--id", help="Its id; the mark id + the file name if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add a reference image of an emblem, for finding the emblem in listing photos."""
    import base64

    from ringfence.registry.schemas import MAX_MARK_IMAGE, MarkImageIn, RegistryDocument
    from ringfence.registry.service import import_document
    from ringfence.screening.detectors.emblems import describe
    from ringfence.screening.images import ImageRefused, decode, require_images
    from ringfence.screening.interfaces import ImageUnavailable, read_limited

    require_images()
    try:
        data = read_limited(image, MAX_MARK_IMAGE)
        decoded = decode(data)
    except (ImageUnavailable, ImageRefused) as exc:
        raise InvalidInput(f"{image}: {exc}", code=exc.reason) from None
    if describe("-", mark, decoded.rgb) is None:
        raise InvalidInput(
            f"{image}: too few distinct keypoints to find this emblem again",
            code=ErrorCode.IMAGE_LOW_QUALITY,
        )
    entry = MarkImageIn(
        id=image_id or f"{mark}:{image.stem}",
        mark=mark,
        image_base64=base64.b64encode(data).decode(),
        source=image.name,
    )
    with session_factory(database_url)() as session:
        import_document(session, RegistryDocument(mark_images=[entry]))
        session.commit()
    echo(f"added reference image {entry.id} of mark {mark}")


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
        f"{len(data.registry.mark_images)} emblem images, "
        f"{len(data.registry.marks)} marks, checksum {checksum[:16]}"
    )
