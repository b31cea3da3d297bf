"""Issue 16: `ringfence sense train`: deterministic, reproduces the shipped model, and refuses
bad input with one line and exit code 2."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from ringfence.core.db import make_engine, unit_of_work
from ringfence.core.errors import InvalidInput
from ringfence.enforcement.enums import CaseSource, CaseStatus, CaseSubject, Decision, ReasonCode
from ringfence.enforcement.models import Case
from ringfence.screening.sense import SenseModel
from ringfence.screening.sense_train import Example, read_examples, train, wilson
from tests.cli.conftest import Cli

FIXTURE = Path(__file__).parent / "sense_fixture"
REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "training" / "sense"
HEADER = "text\tmark\tlabel\tlang\tkind\tsource\n"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    return Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.db'}")


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    assert cli("db", "upgrade")[0] == 0
    return cli


def test_i16_training_is_deterministic() -> None:
    first, second = train(FIXTURE), train(FIXTURE)
    assert first.model.dumps() == second.model.dumps()
    assert first.model.examples == 24
    assert 0 < first.model.review <= first.model.infringing < 1


def test_i16_decisions_change_the_model_and_its_digest() -> None:
    base = train(FIXTURE).model
    extra = [Example("Olympic hex plates rack", "word-olympic", "other", kind="decision")]
    folded = train(FIXTURE, extra=extra).model
    assert folded.examples == base.examples + 1
    assert folded.data_digest != base.data_digest


@pytest.mark.skipif(
    not (COMMITTED / "train.tsv").exists(), reason="no committed training data in this checkout"
)
def test_i16_sense_train_reproduces_the_shipped_model_byte_for_byte(tmp_path: Path) -> None:
    shipped = files("ringfence.screening").joinpath("data", "sense.model").read_bytes()
    assert train(COMMITTED).model.dumps() == shipped
    assert SenseModel.loads(shipped).examples > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text\tlabel\nOlympic\tother\n", "the header must name the columns text, mark and label"),
        (HEADER + "Olympic hoodie\tword-olympic\tmaybe\ten\tx\ty\n", ":2: label 'maybe'"),
        (HEADER + "Olympic hoodie\tword-olympic\n", ":2: 2 columns, the header has 6"),
        (HEADER + " \tword-olympic\tother\ten\tx\ty\n", ":2: empty text or mark"),
    ],
)
def test_i16_bad_training_rows_are_refused_with_their_line(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "train.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_examples(tmp_path / "train.tsv")
    assert message in str(err.value)


def test_i16_one_label_only_is_refused(tmp_path: Path) -> None:
    rows = [r for r in (FIXTURE / "train.tsv").read_text().splitlines()[1:] if "\tother\t" in r]
    (tmp_path / "train.tsv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="both labels"):
        train(tmp_path)


def test_i16_wilson_interval() -> None:
    low, high = wilson(0, 100)
    assert low == 0.0
    assert 0.03 < high < 0.04
    low, high = wilson(50, 100)
    assert low < 0.5 < high


# ---------------------------------------------------------------------- the command


def test_i16_sense_train_cli_writes_the_model(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sense.model"
    code, stdout, _ = cli("sense", "train", "--data", str(FIXTURE), "--out", str(out))
    assert code == 0
    assert out.read_bytes() == train(FIXTURE).model.dumps()
    assert "24 examples" in stdout
    assert "dev set" in stdout


def _decided_case(url: str, n: int, title: str, decision: Decision, status: CaseStatus) -> None:
    engine = make_engine(url)
    with unit_of_work(sessionmaker(bind=engine)) as session:
        reason = (
            ReasonCode.false_positive if decision is Decision.dismiss else ReasonCode.counterfeit
        )
        session.add(
            Case(
                rights_holder_id="IOC",
                subject=CaseSubject.listing,
                source=CaseSource.screening,
                status=status,
                marketplace_id="MKT:test",
                listing_id=f"L-{n}",
                listing_version="v1",
                seller_id="S",
                title=title,
                marks=["word-olympic"],
                territories=["FR"],
                risk=0.8,
                reach=1,
                trusted=False,
                decision=decision,
                reason_code=reason,
            )
        )
    engine.dispose()


def test_i16_sense_train_cli_folds_in_decisions(loaded: Cli, tmp_path: Path) -> None:
    assert loaded("registry", "builtin")[0] == 0
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _decided_case(url, 1, "Olympic hex plates rack", Decision.dismiss, CaseStatus.dismissed)
    _decided_case(url, 2, "Olympic medal replica", Decision.takedown, CaseStatus.taken_down)
    # requested, not confirmed: teaches nothing
    _decided_case(url, 3, "Olympic pin", Decision.takedown, CaseStatus.takedown_requested)
    plain, folded = tmp_path / "plain.model", tmp_path / "folded.model"
    assert loaded("sense", "train", "--data", str(FIXTURE), "--out", str(plain))[0] == 0
    code, stdout, err = loaded(
        "sense", "train", "--data", str(FIXTURE), "--out", str(folded), "--with-decisions"
    )
    assert code == 0, err
    assert "26 examples (2 from decisions" in stdout
    with_decisions = SenseModel.loads(folded.read_bytes())
    assert with_decisions.examples == SenseModel.loads(plain.read_bytes()).examples + 2
    assert with_decisions.data_digest != SenseModel.loads(plain.read_bytes()).data_digest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "no/such/folder"], "is not a folder [no_training_data]"),
        (["--out", "no/such/folder/sense.model"], "no folder no/such/folder [no_directory]"),
        ([], "train.tsv: no such file [no_training_data]"),
    ],
)
def test_i16_sense_train_cli_bad_input_is_one_line_exit_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    data = [] if "--data" in args else ["--data", str(FIXTURE if args else tmp_path / "empty")]
    code, _out, err = cli("sense", "train", *data, *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.model"))


def test_i16_sense_train_cli_bad_row_is_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    shutil.copy(FIXTURE / "dev.tsv", tmp_path / "dev.tsv")
    (tmp_path / "train.tsv").write_text(HEADER + "x\tword-olympic\tyes\ten\tk\ts\n")
    code, _, err = cli("sense", "train", "--data", str(tmp_path), "--out", str(tmp_path / "m"))
    assert code == 2
    assert "train.tsv:2: label 'yes'" in err
    assert len(err.strip().splitlines()) == 1
