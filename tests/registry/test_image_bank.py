"""The image bank in the registry: import checks, export -> import keeps it, the API adds,
lists and deletes photos (scoped to the licensor), and deleting a licence removes its photos."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.errors import InvalidInput
from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.registry.fileformat import dump_document, parse_document
from ringfence.registry.models import Licence, MarkImage, OfficialImage
from ringfence.registry.schemas import MarkImageIn, OfficialImageIn, RegistryDocument
from ringfence.registry.service import export_document, import_document
from ringfence.web.app import create_app
from tests.conftest import Keys
from tests.screening.imagegen import TRANSFORMS, encode, official_photo

HASH = "0f" * 32
PHOTO = {
    "id": "tee-front",
    "product": "Rings tee",
    "licence": "IOC-2026-0001",
    "image_base64": base64.b64encode(encode(official_photo(1))).decode(),
}


def _image(**over: object) -> OfficialImageIn:
    fields: dict[str, object] = {
        "id": "img-1",
        "product": "Rings tee",
        "licence": "IOC-2026-0001",
        "licensee": "LIC:heritage-apparel",
        "pdq": HASH,
        "quality": 90,
        "variants": ["f0" * 32],
    }
    return OfficialImageIn.model_validate(fields | over)


def _features() -> str:
    from ringfence.screening.detectors.photo_match import pack, photo_features

    return base64.b64encode(pack(photo_features(np.asarray(official_photo(3))))).decode()


def test_export_import_round_trip_keeps_the_bank(session: Session) -> None:
    crest = MarkImageIn(id="crest", mark="emblem-noc-ned", image_base64="iVBORw0KGgo=")
    features = _features()
    images = [_image(), _image(id="img-2", cutout=HASH, features=features)]
    import_document(session, RegistryDocument(images=images, mark_images=[crest]))
    text = dump_document(export_document(session))
    session.execute(delete(OfficialImage))
    session.execute(delete(MarkImage))
    assert session.scalars(select(OfficialImage)).first() is None
    summary = import_document(session, parse_document(text))
    assert summary.images == 2
    assert "2 images" in str(summary)
    again = export_document(session)
    assert [i.id for i in again.images] == ["img-1", "img-2"]
    assert again.images[1].cutout == HASH
    assert again.images[0].variants == ["f0" * 32]
    assert again.images[0].features is None
    assert again.images[1].features == features
    assert again.mark_images == [crest]


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"licence": "NO-SUCH"}, "unknown_licence"),
        ({"licensee": "LIC:la-headwear"}, "licensee_mismatch"),
        ({"features": "not base64!"}, "invalid_features"),
        ({"features": base64.b64encode(b"RFF1" + bytes(40)).decode()}, "invalid_features"),
        ({"features": base64.b64encode(b"GIF89a" + bytes(40)).decode()}, "invalid_features"),
    ],
)
def test_import_refuses_bad_references(session: Session, over: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_document(session, RegistryDocument(images=[_image(**over)]))
    assert caught.value.details[0].code == code
    assert caught.value.details[0].loc[:2] == ("images", 0)


def test_hash_must_be_64_hex_digits() -> None:
    with pytest.raises(ValueError, match="pdq"):
        _image(pdq="XYZ")


def test_deleting_a_licence_deletes_its_photos(session: Session) -> None:
    import_document(session, RegistryDocument(images=[_image()]))
    session.delete(session.get_one(Licence, "IOC-2026-0001"))
    session.flush()
    session.expire_all()
    assert session.get(OfficialImage, "img-1") is None


def test_api_adds_lists_and_deletes_bank_photos(client: TestClient, keys: Keys) -> None:
    ioc = keys("IOC", Role.rights_holder)
    body = PHOTO
    response = client.post("/v1/bank/images", json=body, headers=ioc)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["licensee"] == "LIC:heritage-apparel"
    assert len(made["pdq"]) == 64
    assert made["variants"]
    listed = client.get("/v1/bank/images", headers=ioc).json()
    assert [i["id"] for i in listed] == ["tee-front"]

    ned = keys("NOC:NED", Role.rights_holder)  # not the licensor
    assert client.post("/v1/bank/images", json=body, headers=ned).status_code in (403, 404)
    assert client.delete("/v1/bank/images/tee-front", headers=ned).status_code == 404  # unseen: 404

    bad = client.post("/v1/bank/images", json=body | {"image_base64": "bm90IGFuIGltYWdl"},
                      headers=ioc)  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["code"] == "image_unreadable"

    assert client.delete("/v1/bank/images/tee-front", headers=ioc).status_code == 204
    assert client.get("/v1/bank/images", headers=ioc).json() == []


def test_screen_api_reads_images_from_the_object_store_only(
    app_settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A listing whose only evidence is a copied official photo, through POST /v1/screen;
    a server file named by the client is refused, never read."""
    (tmp_path / "store" / "listings").mkdir(parents=True)
    copy = TRANSFORMS["text"](official_photo(1), random.Random(1))
    (tmp_path / "store" / "listings" / "1.jpg").write_bytes(encode(copy, "JPEG"))
    settings = app_settings.model_copy(update={"image_store_dir": tmp_path / "store"})
    with TestClient(create_app(settings, session_factory=session_factory)) as client:
        with session_factory() as session:
            keys = Keys(session)
            ioc = keys("IOC", Role.rights_holder)
            mkt = keys("MKT:tmall", Role.marketplace)
        assert client.post("/v1/bank/images", json=PHOTO, headers=ioc).status_code == 201
        listing = {"listing_id": "L1", "seller_id": "SELLER:x", "title": "Cool tee",
                   "image_paths": ["/etc/passwd", "store://listings/1.jpg"]}  # fmt: skip
        response = client.post("/v1/screen", json={"listings": [listing]}, headers=mkt)
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["verdict"] == "infringing"
    assert result["reasons"][0] == "official_image_reuse"
    assert "image_source_forbidden" in result["reasons"]
    [reuse] = [f for f in result["evidence"] if f["detector"] == "image_reuse"]
    assert reuse["image"] == "store://listings/1.jpg"
    assert reuse["licence"] == "IOC-2026-0001"


def test_mark_image_needs_a_known_mark(session: Session) -> None:
    crest = MarkImageIn(id="crest", mark="no-such-mark", image_base64="AAAA")
    with pytest.raises(InvalidInput) as caught:
        import_document(session, RegistryDocument(mark_images=[crest]))
    assert caught.value.details[0].code == "unknown_mark"
