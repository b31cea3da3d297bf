"""``ringfence codes``: licensed products, signing keys, issuing and recalling unit codes,
verifying a printed code offline. Commands act as the platform (admin)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from ringfence.cli.common import DatabaseOpt, echo, existing_database, session_factory
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput
from ringfence.core.files import atomic_write

app = typer.Typer(help="Authenticity codes on licensed products.", no_args_is_help=True)
keys_app = typer.Typer(help="Licensors' signing keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command("product")
def product_add(
    gtin: Annotated[str, typer.Option(help="GTIN-8/12/13/14 with its check digit.")],
    name: Annotated[str, typer.Option(help="Product name shown to buyers.")],
    licensee: Annotated[str, typer.Option(help="Party id of the licensee that makes it.")],
    category: Annotated[str, typer.Option(help="Category id, e.g. apparel.clothing.tops.")],
    mark: Annotated[list[str], typer.Option(help="Mark id on the product (repeat).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Register a licensed product (a GTIN) so codes can be issued for it."""
    from pydantic import ValidationError

    from ringfence.authenticity.schemas import ProductIn
    from ringfence.authenticity.service import register_product
    from ringfence.core.db import unit_of_work
    from ringfence.core.security import SYSTEM

    try:
        data = ProductIn(gtin=gtin, name=name, licensee=licensee, category=category, marks=mark)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(
            str(first["msg"]).removeprefix("Value error, "),
            code=ErrorCode.INVALID_PRODUCT,
            loc=tuple(first["loc"]),
        ) from None
    with unit_of_work(session_factory(database_url)) as session:
        product = register_product(session, principal=SYSTEM, data=data)
    echo(f"registered {product.gtin}: {product.name} ({product.licensee})")


@app.command("issue")
def issue(
    product: Annotated[str, typer.Option("--product", help="GTIN of a registered product.")],
    count: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many unit codes.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    lot: Annotated[str | None, typer.Option(help="Batch/lot number (GS1 AI 10).")] = None,
    qr_dir: Annotated[
        Path | None, typer.Option(help="Also write one QR code per unit into this directory.")
    ] = None,
    qr_format: Annotated[str, typer.Option(help="svg or png.")] = "svg",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Signing processes; default: one per core.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Issue a batch of signed unit codes for a product: refused unless a licence in force
    covers the product's marks and category. Writes gtin,lot,serial,uri as CSV."""
    from ringfence.authenticity.codes import gtin14, is_ai_value
    from ringfence.authenticity.labels import csv_lines, qr
    from ringfence.authenticity.service import issue_batch
    from ringfence.core.db import unit_of_work
    from ringfence.core.security import SYSTEM
    from ringfence.registry.service import compile_index

    if qr_format not in ("svg", "png"):
        raise InvalidInput("--qr-format must be svg or png", code=ErrorCode.INVALID_OPTION)
    if lot is not None and not is_ai_value(lot):
        raise InvalidInput(
            f"--lot {lot!r}: a batch/lot (GS1 AI 10) is 1 to 20 characters of GS1 set 82 "
            "(letters, digits and !\"%&'()*+,-./:;<=>?_; no spaces)",
            code=ErrorCode.INVALID_LOT,
        )
    if qr_dir is not None and not qr_dir.is_dir():
        raise InvalidInput(f"no directory {qr_dir}", code=ErrorCode.NO_DIRECTORY, loc=("qr_dir",))
    if not out.parent.is_dir():
        raise InvalidInput(f"no directory {out.parent}", code=ErrorCode.NO_DIRECTORY, loc=("out",))
    settings = existing_database(database_url)
    with unit_of_work(session_factory(database_url)) as session:
        issued = issue_batch(
            session,
            principal=SYSTEM,
            index=compile_index(session),
            secret=settings.secret_key.get_secret_value(),
            gtin=gtin14(product),
            count=count,
            lot=lot,
            workers=workers or os.cpu_count() or 1,
        )
        # The file is written before the commit: a failed write leaves no batch behind.
        atomic_write(out, csv_lines(issued.codes, settings.resolver_url))
        if qr_dir is not None:
            kind: Literal["svg", "png"] = "png" if qr_format == "png" else "svg"
            for code in issued.codes:
                (qr_dir / f"{code.gtin}-{code.serial}.{kind}").write_bytes(
                    qr(code, settings.resolver_url, kind)
                )
    batch = issued.batch
    echo(
        f"issued batch {batch.id}: {batch.count} codes for {batch.gtin} under licence "
        f"{batch.licence}, signed by {batch.licensor} key {batch.key_id}; wrote {out}"
    )


@app.command("recall")
def recall(
    batch: Annotated[str, typer.Argument(help="Batch id.")],
    reason: Annotated[str, typer.Option(help="Why (shown in the audit record).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke every code of a batch."""
    from ringfence.authenticity.service import recall_batch
    from ringfence.core.db import unit_of_work
    from ringfence.core.security import SYSTEM

    with unit_of_work(session_factory(database_url)) as session:
        recall_batch(session, principal=SYSTEM, batch_id=batch, reason=reason)
    echo(f"recalled batch {batch}")


@app.command("verify")
def verify(
    uri: Annotated[str, typer.Argument(help="The URI printed in the QR code.")],
    keys: Annotated[
        Path | None,
        typer.Option(help="Published key set (JSON) to check against offline; else the database."),
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Check a code's signature offline (no scan is logged). Exit 0 valid, 1 not."""
    from ringfence.authenticity.codes import parse_uri, verify_signature
    from ringfence.authenticity.signing import public_keys_from_jwks

    code = parse_uri(uri)
    if keys is not None:
        try:
            document = json.loads(keys.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"cannot read {keys}: {exc}", code=ErrorCode.INVALID_KEYS) from None
    else:
        from ringfence.authenticity.service import published_keys

        with session_factory(database_url)() as session:
            document = {"keys": [k.model_dump(mode="json") for k in published_keys(session)]}
    public, revoked = public_keys_from_jwks(document)
    if code.key_id in revoked:
        echo(f"revoked: key {code.key_id} has been revoked")
        sys.exit(1)
    if verify_signature(code, public):
        echo(f"valid signature: {code.gtin}/{code.serial} signed by key {code.key_id}")
        return
    echo("not genuine: the signature does not match any published key")
    sys.exit(1)


@keys_app.command("rotate")
def keys_rotate(
    party: Annotated[str, typer.Option(help="IOC, OCOG:<edition> or NOC:<code>.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Give a licensor a new active key (its first, or replacing and retiring the current)."""
    from ringfence.authenticity.service import rotate_key
    from ringfence.core.db import unit_of_work
    from ringfence.core.security import SYSTEM

    settings = existing_database(database_url)
    with unit_of_work(session_factory(database_url)) as session:
        key = rotate_key(
            session, principal=SYSTEM, party_id=party, secret=settings.secret_key.get_secret_value()
        )
    echo(f"{party}: new active key {key.id}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke a compromised key: every code it signed answers revoked."""
    from ringfence.authenticity.service import revoke_key
    from ringfence.core.db import unit_of_work
    from ringfence.core.security import SYSTEM

    with unit_of_work(session_factory(database_url)) as session:
        revoke_key(session, principal=SYSTEM, key_id=key_id, reason=reason)
    echo(f"revoked key {key_id}")


@keys_app.command("list")
def keys_list(database_url: DatabaseOpt = None) -> None:
    """Every signing key: id, party, status, created."""
    from ringfence.authenticity.service import list_keys
    from ringfence.core.security import SYSTEM

    with session_factory(database_url)() as session:
        for key in list_keys(session, principal=SYSTEM):
            echo(f"{key.id}\t{key.party}\t{key.status.value}\t{key.created_at:%Y-%m-%d}")
